"""Birth dates, kind ``birth_date``: a date that the words before it say is a birth date.

A date alone identifies no one ("rendez-vous le 12/03/2025"); next to a patient context it does:
``né le 12/03/1985``, ``née le 12 mars 1985``, ``date de naissance : 12-03-1985``, ``geboren op 12/03/1985``,
``geboortedatum``, ``geb. 12.03.1985``, ``Geburtsdatum``, ``DOB``, ``date of birth``,
``born on March 12, 1985``, the Belgian ``(° 12.03.1985)``, KMEHR's ``<birthdate><date>1985-03-12</date>``.
Dates are written day first (``12/03/1985``, ``12.3.85``, ``12 03 1985``), ISO (``1985-03-12``,
``19850312``) or with a month name in French, Dutch, German or English.

The context words are found first, on a lower-cased copy of the text (their first letters let the regex
engine skip ahead quickly); the date must follow them, after punctuation, a few connecting words (``le``,
``op``, ``am``, ``on``, ``du patient``) or a birthplace (``à Liège``, ``te Gent``), and be a real calendar
date that is not in the future. The detector reads the canonical text (:mod:`medseal.canonical`: Unicode
spaces, dashes and digits folded, zero-width characters gone) and reports spans in the original.
"""

from __future__ import annotations

import datetime
import re

from medseal.canonical import Canonical, canonical, fold
from medseal.model import Finding, Kind, Where
from medseal.text import mask_date

__all__ = ["BirthDateDetector", "find_birth_dates"]

_CONFIDENCE = {"label": 0.9, "born": 0.9, "sign": 0.8}
_DETAIL = {
    "label": "date after a date-of-birth label",
    "born": "date after 'born' (né, geboren, born...)",
    "sign": "date after the birth sign °",
}

_CHUNK = 1 << 20
_W = r"(?![^\W\d_])"  # the keyword ends with its word
# Context words, lower case. Each alternative starts with a literal and checks the word boundary after it,
# so that the whole pattern keeps a set of first characters the engine can scan for.
_NB = r"(?<![^\W\d_].)"  # the keyword's first letter starts a word (look-behind after that letter)
_KEYWORDS = re.compile(
    r"(?:"
    # French
    rf"d{_NB}(?:ate\s+de\s+naissance|ate\s+naiss\.?|ate\s+naissance|t\.?\s*naiss\.?|dn{_W}|\.d\.n\.?)(?P<l1>)"
    rf"|n{_NB}(?:aissance{_W}(?=\s*:)(?P<l2>)|[ée]e?s?(?:\(e\))?(?=\s+le{_W})(?P<b1>)|é(?:e|\(e\))?s?{_W}(?P<b2>))"
    # Dutch, German
    rf"|g{_NB}(?:eboortedatum|eburtsdatum|eb\.?\s*-?\s*datum|eb\.?\s*dat\.?|ebdat{_W}|eburtstag)(?P<l3>)"
    rf"|g{_NB}(?:eboren{_W}|eb\.|eb{_W}(?=\s*:))(?P<b3>)"
    # English
    rf"|d{_NB}(?:ate\s+of\s+birth|ob{_W}|\.o\.b\.?)(?P<l4>)"
    rf"|b{_NB}(?:irth\s*date|irthday|irth{_W}(?=\s*:))(?P<l5>)"
    rf"|b{_NB}orn{_W}(?P<b4>)"
    # the sign used in Belgium and France, not ``n°`` nor ``37°``
    r"|°(?<![\wº]°)(?P<s1>)"
    r")"
)

_MONTHS = {
    1: "janvier janv januari januar jänner jaenner january jan",
    2: "février fevrier févr fevr fév fev februari februar february feb",
    3: "mars maart märz maerz march mär mar mrt",
    4: "avril avr april apr",
    5: "mai mei may",
    6: "juin juni june jun",
    7: "juillet juil juli july jul",
    8: "août aout augustus august aug",
    9: "septembre september sept sep",
    10: "octobre oktober october oct okt",
    11: "novembre november nov",
    12: "décembre decembre december dezember déc dec dez",
}
_MONTH_NUMBER = {fold(word): number for number, words in _MONTHS.items() for word in words.split()}
_MONTH_RX = "|".join(sorted((w for ws in _MONTHS.values() for w in ws.split()), key=lambda w: (-len(w), w)))

_FILLER = (
    r"(?:\s*>)?"  # the end of ``<birthdate>``
    r"(?:\s*(?:[:=\-–]|\.(?!\d)))?"
    r"(?:\s*\()?"
    r"(?:\s*(?:du|de\s+la|de|van\s+de|des|der|of\s+the|of)\s+"
    r"(?:patient(?:e|in|en)?|patiënte?|betrokkene|assurée?|versicherten)\s*:?)?"
    r"(?:\s*,?\s*(?:à|a|te|in|at|en)\s+[^\W\d_][\w'’\-]*(?:[ \t][^\W\d_][\w'’\-]*){0,2})?"  # birthplace
    r"(?:\s*,?\s*(?:le|op|am|on|the|den|dem)(?![^\W\d_]))?"
    r"(?:\s*:)?"
    r"(?:\s*<[^<>\n]{0,40}>){0,4}"  # markup between label and date
    r"\s*"
)
_DATE = (
    r"(?:(?P<d>\d{1,2})(?P<sep>[./-])(?P<m>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})"
    r"|(?P<d1>\d{1,2}) (?P<m1>\d{1,2}) (?P<y1>\d{4})"
    r"|(?P<Y>\d{4})(?P<sep2>[./-])(?P<M>\d{1,2})(?P=sep2)(?P<D>\d{1,2})"
    rf"|(?P<d2>\d{{1,2}})(?:er|re|e|ste|de|st|nd|rd|th)?\.?\s*(?:of\s+)?(?P<mon2>{_MONTH_RX})\.?,?\s+(?P<y2>\d{{4}})"
    rf"|(?P<mon3>{_MONTH_RX})\.?\s+(?P<d3>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y3>\d{{4}})"
    r"|(?P<Y4>\d{4})(?P<M4>\d{2})(?P<D4>\d{2})"
    r")(?!\d)(?![./-]\d)"
)
_AFTER = re.compile(_FILLER + rf"(?P<date>{_DATE})")


def _year(text: str, today: datetime.date) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if 2000 + year <= today.year else 1900
    return year


def _parse(match: re.Match[str], today: datetime.date) -> datetime.date | None:
    """The calendar date a ``_DATE`` match stands for, when it is a plausible birth date."""
    g = match.group
    try:
        if g("d"):
            day, month, year = int(g("d")), int(g("m")), _year(g("y"), today)
        elif g("d1"):
            day, month, year = int(g("d1")), int(g("m1")), int(g("y1"))
        elif g("Y"):
            day, month, year = int(g("D")), int(g("M")), int(g("Y"))
        elif g("d2"):
            day, month, year = int(g("d2")), _MONTH_NUMBER[fold(g("mon2"))], int(g("y2"))
        elif g("d3"):
            day, month, year = int(g("d3")), _MONTH_NUMBER[fold(g("mon3"))], int(g("y3"))
        else:
            day, month, year = int(g("D4")), int(g("M4")), int(g("Y4"))
        date = datetime.date(year, month, day)
    except (KeyError, ValueError):
        return None
    return date if datetime.date(1880, 1, 1) <= date <= today else None


class BirthDateDetector:
    """The :class:`~medseal.detect.base.Detector` of birth dates."""

    kind = Kind.BIRTH_DATE

    def find(self, text: str | Canonical, where: Where, part: int | None = None) -> list[Finding]:
        """Every date in ``text`` that the words before it mark as a birth date."""
        canon = canonical(text)
        if not canon.text:
            return []
        # Lower case, same length (U+0130 is the only longer lower case), by chunks: ``str.lower`` needs
        # 12 bytes per character of scratch memory.
        text_i = canon.text.replace("\u0130", "I")
        low = "".join(text_i[i : i + _CHUNK].lower() for i in range(0, len(text_i), _CHUNK))
        today = datetime.date.today()
        findings: list[Finding] = []
        last_end = -1
        for keyword in _KEYWORDS.finditer(low):
            match = _AFTER.match(low, keyword.end())
            if match is None or match.start("date") < last_end:
                continue
            if _parse(match, today) is None:
                continue
            start, end = canon.span(*match.span("date"))
            family = {"l": "label", "b": "born", "s": "sign"}[(keyword.lastgroup or "l")[0]]
            clear = canon.original[start:end]
            findings.append(
                Finding(
                    kind=Kind.BIRTH_DATE,
                    where=where,
                    span=(start, end),
                    confidence=_CONFIDENCE[family],
                    masked=mask_date(clear),
                    detail=_DETAIL[family],
                    part=part,
                    clear=clear,
                )
            )
            last_end = match.end("date")
        return findings


def find_birth_dates(text: str | Canonical, where: Where, part: int | None = None) -> list[Finding]:
    """Every date in ``text`` that the words before it mark as a birth date (see :class:`BirthDateDetector`)."""
    return BirthDateDetector().find(text, where, part)
