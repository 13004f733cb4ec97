"""Belgian national numbers (NN, rijksregisternummer) and BIS numbers, kind ``niss``.

Both numbers have 11 digits ``YYMMDD CCC KK``: the birth date (month or day ``00`` when unknown, ``000001``
when nothing was known; the month plus 20 or 40 for a BIS number), a counter (odd for men, even for women)
and a check number ``97 - (YYMMDDCCC mod 97)``, computed on ``2YYMMDDCCC`` for people born in 2000 or later.
People write them ``85.07.30-033.28``, ``850730-033-28``, ``85 07 30 033 28``, ``85073003328``, with
``_ , : ·`` or dashes between the groups, with HTML markup between them (``<b>85.07.30</b>-033.28``), glued
to words (``NISS85073003328``, ``Dupont85073003328.pdf``).

Detection follows Presidio's recognizers, on the canonical text (:mod:`medseal.canonical`: every Unicode
space, dash and digit form folded, zero-width characters gone):

1. **candidate**: one compiled pattern finds digit groups 2-2-2-3-2 with optional separators that are not
   cut out of a longer run of digits (letters may touch them);
2. **validation**: python-stdnum's ``be.ssn`` (NN or BIS) has the last word, and a known birth date must be a
   real calendar day (no 30 February); then the candidate is dropped only when it is *another number by that
   number's own format*: an international phone number, an IBAN or a Belgian VAT number with a valid mod-97
   check, a structured communication ``+++…+++`` with its check, an INAMI/RIZIV number after its label with
   its check, or a window cut out of a longer punctuated number or a list of phone numbers;
3. **score**: a label (NISS, INSZ, rijksregisternummer...) raises the confidence; the label of another number
   (``dossier``, ``facture``, ``TVA``, ``BE``, ``+32``...) lowers it, never below a finding.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

from stdnum import iban
from stdnum.be import ssn

from medseal.canonical import Canonical, canonical
from medseal.model import Finding, Kind, Where
from medseal.text import fold, mask_niss

__all__ = ["NissDetector", "find_niss", "niss_type"]

# --- the candidate pattern -------------------------------------------------------------------------------
# Between two digit groups: white space, HTML tags and space-like entities, around at most one punctuation
# mark. Quantifiers are possessive (nothing in a separator can be a digit), which keeps the scan linear on
# digit-dense text.
_ENTITY_RX = (
    r"&(?:nbsp|thinsp|ensp|emsp|emsp13|emsp14|numsp|puncsp|hairsp|shy|zwnj|zwj|ZeroWidthSpace|NoBreak|"
    r"NegativeThinSpace|ndash|mdash|minus|middot|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});"
)
_GAP = rf"(?:[ \t\r\n]|{_ENTITY_RX}|<[^<>]{{0,200}}>)"
_PUNCT_CHARS = r"\-./_,:·∙‧"
_SEP = rf"(?:{_GAP}{{0,4}}+[{_PUNCT_CHARS}]?+{_GAP}{{0,4}}+)"
# The first digit comes first so that the regex engine can skip quickly to digits; the look-behind then
# checks that the number does not continue a longer number, the look-ahead that it ends there.
_CANDIDATE = re.compile(
    rf"[0-9](?<![0-9][0-9])[0-9](?P<s1>{_SEP})[0-9]{{2}}(?P<s2>{_SEP})[0-9]{{2}}(?P<s3>{_SEP})"
    rf"[0-9]{{3}}(?P<s4>{_SEP})[0-9]{{2}}(?![0-9])"
)
_TAG = re.compile(r"<[^<>]*>")
_ENTITY = re.compile(_ENTITY_RX)
_CONTEXT = 60  # characters of context (markup left out) looked at before a number, half that after
_RAW_CONTEXT = 4 * _CONTEXT  # characters read to get them from HTML

# --- context: labels that make a number a national number -------------------------------------------------
# Matched on folded text (lower case, no accents) that ends right before the number.
_NO = r"(?:n[°º]|№|no|nr)\.?"
_LABELS = (
    r"niss|insz|inss|ssin|enss|rrn|rr|nn|n\.n\.|"
    r"rijksregister(?:nummer|nr)?|rijksreg\.?(?:nr)?|"
    rf"(?:numero\s+(?:de|du)\s+)?registre\s+national|(?:numero|{_NO})\s*national|"
    r"nationalregister(?:nummer)?|nationale?\s+nummer|"
    r"national\s+(?:register\s+|registry\s+|id(?:entification)?\s+)?(?:number|no|nr)|"
    r"(?:numero\s+)?bis|bis-?nummer|bis\s+number|"
    r"identificatienummer\s+(?:van\s+de\s+|bij\s+de\s+)?sociale\s+zekerheid|"
    r"numero\s+d'identification\s+(?:a|de)\s+la\s+securite\s+sociale|"
    r"identifi(?:ant|cation)\s+(?:de\s+la\s+)?securite\s+sociale|"
    r"erkennungsnummer\s+der\s+sozialen\s+sicherheit|sozialversicherungsnummer|"
    r"social\s+security\s+(?:identification\s+)?(?:number|no|nr)"
)
_FILLER_WORDS = (
    rf"{_NO}|n|num|numero|nummer|number|du|de|des|der|van|het|la|le|of|the|des|patiente?|patienten|"
    r"patientin|pt|(?:de\s+)?l'interesse|betrokkene|persoon|person"
)
_LABEL_AFTER = re.compile(r"^[\s:()\[\]\-,]{0,4}(?P<label>niss|insz|ssin|enss|rrn|nn|bis)\b")

# --- context: labels of other numbers (they lower the confidence; they never drop a valid number) ---------
_OTHER_LABELS = (
    r"inami|riziv|nihdi|lanr|"
    r"tva|btw|vat|mwst|ust(?:-?id)?|bce|kbo|entreprise|ondernemingsnummer|onderneming|unternehmensnummer|"
    r"company(?:\s+number)?|"
    r"iban|bic|swift|compte|rekening(?:nummer)?|konto(?:nummer)?|account|"
    r"tel|tele?phone|telefoon|telefon|phone|gsm|mobile|portable|handy|fax|"
    r"communication(?:\s+structuree)?|(?:gestructureerde\s+)?mededeling|(?:strukturierte\s+)?mitteilung|"
    r"facture|factuur|rechnung|invoice|commande|bestelling|bestellung|order|ticket|"
    r"ref|reference|referentie|referenz|dossier|file|akte|aktenzeichen"
)
_NUMBER_WORDS = rf"(?:\W*(?:{_NO}|n|num|numero|nummer|number)\b)?"
# The label nearest to the number wins: each branch must reach the number with only filler in between.
_LABEL_BEFORE = re.compile(
    rf"(?=[a-z№])(?<!\w)(?:(?P<label>{_LABELS})(?:\W*(?:{_FILLER_WORDS})\b){{0,5}}"
    rf"|(?P<other>{_OTHER_LABELS}){_NUMBER_WORDS})\W{{0,8}}$"
)
# Prefixes of other numbers right before the candidate: a phone prefix, an IBAN's country and check, ``BE``.
_PREFIX_BEFORE = re.compile(
    r"(?P<other>\+\s?[0-9]{1,3}\s?(?:\(0\)\s?)?|(?<![0-9])00\s?[0-9]{1,3}\s?(?:\(0\)\s?)?"
    r"|(?<![A-Za-z])[A-Z]{2}[0-9]{2}\s?|(?<![A-Za-z])BE[\s.:-]{0,2}|(?:\+\+\+|\*\*\*)\s?)$"
)

# --- decoys: other numbers recognised by their own formats ------------------------------------------------
# A number cut out of a longer punctuated one: ``2024/…``, ``1-…``, ``…-1``, ``…/12``.
_CONTINUED_BEFORE = re.compile(r"(?<![0-9])[0-9]{1,4}[-./]$")
_CONTINUED_AFTER = re.compile(r"^[-./][0-9]{1,4}(?![0-9])")
# A number grouped with spaces that continues a run of short space-separated groups (``0470 12 34 56 02 123
# 45 67``: two phone numbers) is a window cut out of something longer.
_SPACED_BEFORE = re.compile(r"(?<!\S)[0-9]{1,3} {1,3}$")
_SPACED_AFTER = re.compile(r"^ {1,3}[0-9]{1,3}(?![0-9])")
_PUNCT = re.compile(rf"[{_PUNCT_CHARS}]")
# ``+`` and the digits of an international number: E.164 puts the country code first.
_PLUS_BEFORE = re.compile(
    r"(?:(?<!\+)\+\s?(?:(?P<cc>[0-9]{1,3})\s?(?:\(0\)\s?)?)?|(?<![0-9])00\s?(?P<cc00>[0-9]{1,3})\s?(?:\(0\)\s?)?)$"
)
# National significant number lengths of the country codes seen in Belgian mail.
_PHONE_LENGTHS = {
    "32": (8, 9), "31": (9,), "33": (9,), "352": tuple(range(4, 12)), "49": tuple(range(6, 12)),
    "44": (9, 10), "41": (9,), "39": tuple(range(6, 12)), "34": (9,), "1": (10,),
}  # fmt: skip
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}[0-9]{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?(?![A-Za-z0-9])")
_VAT = re.compile(r"(?<![0-9])(?:BE[ ]?)?[01][0-9]{3}[. ]?[0-9]{3}[. ]?[0-9]{3}(?![0-9])")
_STRUCTURED = re.compile(
    r"(?:\+\+\+|\*\*\*)\s?([0-9]{3})\s?/?\s?([0-9]{4})\s?/?\s?([0-9]{5})\s?(?:\+\+\+|\*\*\*)"
)
_INAMI = re.compile(
    r"(?:inami|riziv|nihdi)[\w.-]*(?:[\s:]|n[°o]|nr)*(?P<n>[0-9][-./ ]?[0-9]{5}[-./ ]?[0-9]{2}[-./ ]?[0-9]{3})"
    r"(?![0-9])"
)
_DECOY_REACH = 40


@dataclass(frozen=True)
class _Context:
    """What the text around a candidate says about it: its own label, or another number's label."""

    label: str | None
    other: str | None


def niss_type(compact: str) -> str | None:
    """``"BIS"`` or ``"NN"`` when python-stdnum's ``be.ssn`` accepts the 11 digits and the birth date they
    give, when they give one, is a real calendar day; else ``None``.

    stdnum reads a day beyond the month's end as "day unknown"; the rules only know day ``00`` for that, so
    ``85.02.30-…`` is no national number. Counters 000 and 999 and the unknown-date forms are accepted, as
    stdnum accepts them.
    """
    base, check = int(compact[:9]), int(compact[9:])
    modern = 97 - (2_000_000_000 + base) % 97 == check
    if check != 97 - base % 97 and not modern:
        return None  # a cheap first look; stdnum has the last word
    kind = ssn.guess_type(compact)
    if kind is None:
        return None
    month, day = int(compact[2:4]) % 20, int(compact[4:6])
    if month and day and compact[:6] not in ("000001", "002001", "004001"):
        year = int(compact[:2]) + (1900 if check == 97 - base % 97 else 2000)
        if day > calendar.monthrange(year, month)[1]:
            return None
    return "BIS" if kind == "bis" else "NN"


class NissDetector:
    """The :class:`~medseal.detect.base.Detector` of national and BIS numbers."""

    kind = Kind.NISS

    def find(self, text: str | Canonical, where: Where, part: int | None = None) -> list[Finding]:
        """Every valid national or BIS number in ``text``: one finding per occurrence, in text order.

        ``span`` indexes the original text and covers the whole number as written (markup and zero-width
        characters between the groups included)."""
        canon = canonical(text)
        body = canon.text
        findings: list[Finding] = []
        if len(body) < 11:
            return findings
        pos = 0
        while match := _CANDIDATE.search(body, pos):
            finding = _judge(canon, match, where, part)
            if finding is None:
                pos = match.start() + 1
            else:
                findings.append(finding)
                pos = match.end()
        return findings


def find_niss(text: str | Canonical, where: Where, part: int | None = None) -> list[Finding]:
    """Every valid national or BIS number in ``text`` (see :class:`NissDetector`)."""
    return NissDetector().find(text, where, part)


def _judge(canon: Canonical, match: re.Match[str], where: Where, part: int | None) -> Finding | None:
    """Validate one candidate and score it from its context; ``None`` when it is not a national number."""
    start, end = match.span()
    compact = _compact(match)
    kind = niss_type(compact)
    if kind is None:
        return None
    body = canon.text
    seps = match.group("s1", "s2", "s3", "s4")
    spaced = any(sep and not _PUNCT.search(sep) for sep in seps)
    before = _ENTITY.sub(" ", _TAG.sub("", body[max(0, start - _RAW_CONTEXT) : start]))[-_CONTEXT:]
    after = _ENTITY.sub(" ", _TAG.sub("", body[end : end + _RAW_CONTEXT]))[: _CONTEXT // 2]
    if _decoy(body, start, end, compact, before, after, spaced):
        return None
    context = _context(before, after)
    dated = bool(seps[0]) and bool(seps[1])
    confidence, detail = _score(kind, context, any(seps), dated)
    original = canon.span(start, end)
    return Finding(
        kind=Kind.NISS,
        where=where,
        span=original,
        confidence=confidence,
        masked=mask_niss(compact),
        detail=detail,
        part=part,
        clear=canon.original[original[0] : original[1]],
        patient_key=f"niss:{compact}",
    )


def _compact(match: re.Match[str]) -> str:
    """The 11 digits of a candidate, leaving out digits that belong to separators (``&#160;``)."""
    if match.end() - match.start() == 11:
        return match.group()
    pieces = []
    cursor = match.start()
    for name in ("s1", "s2", "s3", "s4"):
        pieces.append(match.string[cursor : match.start(name)])
        cursor = match.end(name)
    pieces.append(match.string[cursor : match.end()])
    return "".join(pieces)


def _decoy(body: str, start: int, end: int, compact: str, before: str, after: str, spaced: bool) -> str | None:
    """The name of the other number the candidate belongs to, recognised by that number's own format."""
    if _CONTINUED_BEFORE.search(before, max(0, len(before) - 6)) or _CONTINUED_AFTER.match(after):
        return "longer number"
    if spaced and (_SPACED_BEFORE.search(before, max(0, len(before) - 8)) or _SPACED_AFTER.match(after)):
        return "list of short digit groups"
    plus = _PLUS_BEFORE.search(before, max(0, len(before) - 12))
    if plus is not None:
        cc = plus.group("cc") or plus.group("cc00")
        if cc is None or len(compact) in _PHONE_LENGTHS.get(cc, ()):
            return "international phone number"
    window_start = max(0, start - _DECOY_REACH)
    window = body[window_start : end + _DECOY_REACH]
    lo, hi = start - window_start, end - window_start
    for found in _IBAN.finditer(window):
        if found.start() < hi and found.end() > lo and iban.is_valid(found.group()):
            return "IBAN"
    for found in _VAT.finditer(window):
        digits = re.sub(r"\D", "", found.group())
        if found.start() < hi and found.end() > lo and 97 - int(digits[:8]) % 97 == int(digits[8:]):
            return "enterprise number"
    for found in _STRUCTURED.finditer(window):
        digits = "".join(found.groups())
        if found.start() < hi and found.end() > lo and (int(digits[:10]) % 97 or 97) == int(digits[10:]):
            return "structured communication"
    for found in _INAMI.finditer(fold(window)):
        digits = re.sub(r"\D", "", found.group("n"))
        first, check = int(digits[:6]), int(digits[6:8])
        if found.start("n") < hi and found.end("n") > lo and check in (97 - first % 97, 89 - first % 89):
            return "INAMI/RIZIV number"
    return None


def _context(before: str, after: str) -> _Context:
    """Read the text just before and after a candidate: its own label, or the label of another number."""
    folded_before = fold(before)
    labelled = _LABEL_BEFORE.search(folded_before)
    if labelled and labelled.group("label"):
        return _Context(label=before[labelled.start("label") : labelled.end("label")], other=None)
    prefix = _PREFIX_BEFORE.search(before, max(0, len(before) - 16))
    after_label = _LABEL_AFTER.match(fold(after))
    if after_label:
        return _Context(label=after[after_label.start("label") : after_label.end("label")], other=None)
    if labelled and labelled.group("other"):
        return _Context(label=None, other=folded_before[labelled.start("other") : labelled.end("other")])
    if prefix is not None:
        return _Context(label=None, other=" ".join(prefix.group("other").split()))
    return _Context(label=None, other=None)


def _score(kind: str, context: _Context, grouped: bool, dated: bool) -> tuple[float, str]:
    """Confidence and a short explanation (never the number itself)."""
    name = "BIS number" if kind == "BIS" else "national number"
    if context.label is not None:
        return 0.97, f"valid {name} with label '{' '.join(context.label.split())}'"
    if dated:
        confidence, detail = 0.85, f"valid {name} written in national-number format"
    elif grouped:
        confidence, detail = 0.8, f"valid {name} in grouped digits"
    else:
        confidence, detail = 0.75, f"valid {name} as 11 digits"
    if context.other is not None:
        # Another number's label or prefix: the checksum still holds, so it is reported, with less weight.
        return confidence - 0.2, f"{detail} after '{context.other}' (another number's label), reported all the same"
    return confidence, f"{detail}, no label"
