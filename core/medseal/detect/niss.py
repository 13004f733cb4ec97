"""Belgian national numbers (NN, rijksregisternummer) and BIS numbers, kind ``niss``.

Both numbers have 11 digits ``YYMMDD CCC KK``: the birth date (month or day ``00`` when unknown; the month
plus 20 or 40 for a BIS number), a counter (odd for men, even for women, 001 to 998) and a check number
``97 - (YYMMDDCCC mod 97)``, computed on ``2YYMMDDCCC`` for people born in 2000 or later. People write them
``85.07.30-033.28``, ``850730-033-28``, ``85 07 30 033 28``, ``85073003328``..., sometimes with HTML markup
between the groups (``<b>85.07.30</b>-033.28``).

Detection follows Presidio's recognizers: one compiled pattern finds candidates (digit groups 2-2-2-3-2 with
optional separators, never cut out of a longer number), python-stdnum (``be.bis``, ``be.nn``) validates them,
and the surrounding text scores them: a label (NISS, INSZ, rijksregisternummer...) raises the confidence, the
context of another number (phone prefix, IBAN country code, VAT, INAMI, structured communication...) rejects
the candidate even when its checksum happens to be valid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum.be import bis, nn

from medseal.model import Finding, Kind, Where
from medseal.text import fold, mask_niss

__all__ = ["find_niss"]

# --- the candidate pattern -------------------------------------------------------------------------------
# Between two digit groups: white space, HTML tags and no-break-space entities, around at most one
# punctuation mark. Quantifiers are possessive (nothing in a separator can be a digit), which keeps the scan
# linear on digit-dense text.
_GAP = r"(?:[ \t\u00a0\u202f\r\n]|&(?:nbsp|#160|#[xX][aA]0|#8239|#[xX]202[fF]);|<[^<>]{0,200}>)"
_SEP = rf"(?:{_GAP}{{0,4}}+[-./\u2010-\u2013]?+{_GAP}{{0,4}}+)"
# The first digit comes first so that the regex engine can skip quickly to digits; the look-behind then
# checks that the number does not continue a word or a longer number, the look-ahead that it ends there.
_CANDIDATE = re.compile(
    rf"[0-9](?<![^\W_][0-9])[0-9](?P<s1>{_SEP})[0-9]{{2}}(?P<s2>{_SEP})[0-9]{{2}}(?P<s3>{_SEP})"
    rf"[0-9]{{3}}(?P<s4>{_SEP})[0-9]{{2}}(?![^\W_])"
)
_TAG = re.compile(r"<[^<>]*>")
_ENTITY = re.compile(r"&(?:nbsp|#160|#[xX][aA]0|#8239|#[xX]202[fF]);")
_CONTEXT = 60  # characters of context (markup left out) looked at before a number, half that after
_RAW_CONTEXT = 4 * _CONTEXT  # characters read to get them from HTML
# ``fold`` for the Latin scripts as one ``str.translate`` table: the context of every candidate is folded.
_FOLD = str.maketrans({chr(c): fold(chr(c)) for c in range(0x41, 0x250) if fold(chr(c)) != chr(c)})

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
_LABEL_AFTER = re.compile(r"^[\s:()\[\]\-–,]{0,4}(?P<label>niss|insz|ssin|enss|rrn|nn|bis)\b")

# --- context: what makes a valid-looking number something else ------------------------------------------
# Labels of other numbers, directly before the candidate (only an ``n°``/``nr``/``:`` between).
_HARD_OTHER = (
    r"inami|riziv|nihdi|lanr|"
    r"tva|btw|vat|mwst|ust(?:-?id)?|bce|kbo|entreprise|ondernemingsnummer|onderneming|unternehmensnummer|"
    r"company(?:\s+number)?|"
    r"iban|bic|swift|compte|rekening(?:nummer)?|konto(?:nummer)?|account|"
    r"tel|tele?phone|telefoon|telefon|phone|gsm|mobile|portable|handy|fax|"
    r"communication(?:\s+structuree)?|(?:gestructureerde\s+)?mededeling|(?:strukturierte\s+)?mitteilung"
)
# Labels of documents, files and orders: they reject a bare or freely grouped number, but not one written in
# the national number's own ``YY.MM.DD`` grouping (a practice may file patients under their NISS).
_SOFT_OTHER = (
    r"facture|factuur|rechnung|invoice|commande|bestelling|bestellung|order|ticket|"
    r"ref|reference|referentie|referenz|dossier|file|akte|aktenzeichen"
)
_NUMBER_WORDS = rf"(?:\W*(?:{_NO}|n|num|numero|nummer|number)\b)?"
# The label nearest to the number wins: each branch must reach the number with only filler in between.
_LABEL_BEFORE = re.compile(
    rf"(?=[a-z№])(?<!\w)(?:(?P<label>{_LABELS})(?:\W*(?:{_FILLER_WORDS})\b){{0,5}}"
    rf"|(?P<hard>{_HARD_OTHER}){_NUMBER_WORDS}|(?P<soft>{_SOFT_OTHER}){_NUMBER_WORDS})\W{{0,8}}$"
)
# Shapes of other numbers right before or after the candidate (on the text with tags removed).
_SHAPE_BEFORE = re.compile(
    r"[0-9][-./\u2010-\u2013]$"  # continues a punctuated number: 2024/85073003328, 1-...
    r"|(?:\+\+\+|\*\*\*)\s*$"  # structured communication +++...+++
    r"|\+(?:\s*[0-9]{1,3}\s*(?:\(0\)\s*)?)?$"  # international phone prefix: +32 ...
    r"|(?<![0-9])00\s?[0-9]{1,3}[\s./-]*(?:\(0\)\s*)?$"  # 0032 ...
    r"|(?<![A-Za-z])[A-Z]{2}[0-9]{2}\s?$"  # IBAN country code and check digits: BE71 ...
    r"|(?<![A-Za-z])BE[\s.:-]{0,2}$"  # Belgian VAT or IBAN prefix
)
_SHAPE_REACH = 16  # the shapes above are at most this long
# A number grouped with spaces that continues a run of short space-separated groups (``0470 12 34 56 02 123
# 45 67``: two phone numbers) is a window cut out of something longer.
_SPACED_BEFORE = re.compile(r"(?<![0-9])[0-9]{1,3}[ \t\u00a0]{1,3}$")
_SPACED_AFTER = re.compile(r"^[ \t\u00a0]{1,3}[0-9]{1,3}(?![0-9])")
_PUNCT = re.compile(r"[-./\u2010-\u2013]")
_SHAPE_AFTER = re.compile(r"^(?:[-./\u2010-\u2013][0-9]|\s*(?:\+\+\+|\*\*\*))")


@dataclass(frozen=True)
class _Context:
    """What the text around a candidate says about it."""

    label: str | None
    rejected: bool


def find_niss(text: str, where: Where, part: int | None = None) -> list[Finding]:
    """Every valid national or BIS number in ``text``: one finding per occurrence, in text order.

    ``span`` indexes ``text`` and covers the whole number as written (markup between the groups included).
    """
    findings: list[Finding] = []
    if len(text) < 11:
        return findings
    pos = 0
    while match := _CANDIDATE.search(text, pos):
        finding = _judge(text, match, where, part)
        if finding is None:
            pos = match.start() + 1
        else:
            findings.append(finding)
            pos = match.end()
    return findings


def _judge(text: str, match: re.Match[str], where: Where, part: int | None) -> Finding | None:
    """Validate one candidate and score it from its context; ``None`` when it is not a national number."""
    start, end = match.span()
    written = match.group()
    compact = _compact(written, match)
    kind = _number_type(compact)
    if kind is None:
        return None
    dated = bool(match.group("s1")) and bool(match.group("s2"))
    spaced = any(sep and not _PUNCT.search(sep) for sep in match.group("s1", "s2", "s3", "s4"))
    context = _context(text, start, end, dated, spaced)
    if context.rejected:
        return None
    confidence, detail = _score(kind, context.label, match, dated)
    return Finding(
        kind=Kind.NISS,
        where=where,
        span=(start, end),
        confidence=confidence,
        masked=mask_niss(compact),
        detail=detail,
        part=part,
        clear=written,
        patient_key=f"niss:{compact}",
    )


def _compact(written: str, match: re.Match[str]) -> str:
    """The 11 digits of a candidate, leaving out digits that belong to separators (``&#160;``)."""
    if len(written) == 11:
        return written
    pieces = []
    cursor = match.start()
    for name in ("s1", "s2", "s3", "s4"):
        pieces.append(match.string[cursor : match.start(name)])
        cursor = match.end(name)
    pieces.append(match.string[cursor : match.end()])
    return "".join(pieces)


def _number_type(compact: str) -> str | None:
    """``"BIS"`` or ``"NN"`` when python-stdnum validates the number and it is plausible, else ``None``.

    On top of stdnum's checks: the counter runs from 001 to 998, and a known month has a day of at most 31.
    """
    base, check, month = int(compact[:9]), int(compact[9:]), int(compact[2:4])
    if check not in (97 - base % 97, 97 - (2_000_000_000 + base) % 97):
        return None  # a cheap first look; stdnum has the last word
    if not 1 <= int(compact[6:9]) <= 998 or (month % 20 and int(compact[4:6]) > 31):
        return None
    if month >= 20:
        return "BIS" if bis.is_valid(compact) else None
    return "NN" if nn.is_valid(compact) else None


def _context(text: str, start: int, end: int, dated: bool, spaced: bool) -> _Context:
    """Read the text just before and after a candidate: a label for it, or the shape of another number.

    ``dated``: the birth date is written in groups (``85.07.30``); ``spaced``: some groups are separated by
    blanks or markup only.
    """
    before = _ENTITY.sub(" ", _TAG.sub("", text[max(0, start - _RAW_CONTEXT) : start]))[-_CONTEXT:]
    after = _ENTITY.sub(" ", _TAG.sub("", text[end : end + _RAW_CONTEXT]))[: _CONTEXT // 2]
    if _SHAPE_BEFORE.search(before, max(0, len(before) - _SHAPE_REACH)) or _SHAPE_AFTER.match(after):
        return _Context(label=None, rejected=True)
    labelled = _LABEL_BEFORE.search(before.translate(_FOLD))
    if labelled and labelled.group("label"):
        return _Context(label=before[labelled.start("label") : labelled.end("label")], rejected=False)
    if spaced and (_SPACED_BEFORE.search(before, max(0, len(before) - 8)) or _SPACED_AFTER.match(after)):
        return _Context(label=None, rejected=True)
    if labelled and (labelled.group("hard") or (labelled.group("soft") and not dated)):
        return _Context(label=None, rejected=True)
    labelled = _LABEL_AFTER.match(after.translate(_FOLD))
    if labelled:
        return _Context(label=after[labelled.start("label") : labelled.end("label")], rejected=False)
    return _Context(label=None, rejected=False)


def _score(kind: str, label: str | None, match: re.Match[str], dated: bool) -> tuple[float, str]:
    """Confidence and a short explanation (never the number itself)."""
    name = "BIS number" if kind == "BIS" else "national number"
    if label is not None:
        return 0.97, f"valid {name} with label '{' '.join(label.split())}'"
    if dated:
        return 0.85, f"valid {name} written in national-number format, no label"
    if any(match.group(group) for group in ("s1", "s2", "s3", "s4")):
        return 0.8, f"valid {name} in grouped digits, no label"
    return 0.75, f"valid {name} as 11 digits, no label"
