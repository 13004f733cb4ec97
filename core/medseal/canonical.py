"""The canonical text every detector reads, and the map from its offsets back to the original.

People copy national numbers and names out of word processors, EMRs and web pages, and what they paste is
not what they see: thin spaces (U+2009), figure spaces, narrow no-break spaces or no-break spaces between
digit groups, zero-width spaces, word joiners, soft hyphens or a BOM inside a number or a surname
(``Du\\u200bpont``), full-width or Arabic-Indic digits, en dashes, minus signs, full-width stops, accents
written as a letter plus a combining mark. :func:`canonical` turns such a string into one plain form:

* Unicode NFKC (compatibility forms: full-width letters and punctuation, ligatures, composed accents);
* default-ignorable characters removed: format characters (category ``Cf``: ZWSP, ZWJ, ZWNJ, word joiner,
  soft hyphen, BOM, bidi marks...), the combining grapheme joiner, variation selectors, Hangul fillers;
* every space (category ``Zs``) folded to ``' '``, line and paragraph separators (and NEL) to ``'\\n'``;
* every dash (category ``Pd``) and minus sign folded to ``'-'``;
* every decimal digit of any script folded to its ASCII digit.

The result keeps the case; :func:`fold` (lower case, no accents) and :func:`match_fold` (also letters that
only look Latin, e.g. Cyrillic ``о``) are the one-character-per-character foldings matched against word
lists and directories. :class:`Canonical` maps canonical spans back to the original string, so that a
finding's span still covers exactly the characters the user wrote (zero-width characters inside it
included). Text that needs no change (most of it) costs one regular-expression scan.
"""

from __future__ import annotations

import bisect
import functools
import json
import re
import sys
import unicodedata
from dataclasses import dataclass
from typing import cast

__all__ = ["Canonical", "canonical", "fold", "fold_char", "latin_lookalikes", "match_fold", "match_fold_char"]

# Default-ignorable characters that are not format characters (``Cf`` is tested by category).
_IGNORABLE = frozenset("\u034f\u115f\u1160\u3164\uffa0" + "".join(map(chr, range(0xFE00, 0xFE10))))
_MINUS = frozenset("\u2212\u2796\u207b\u208b\ufe63\uff0d")
_LINE = frozenset("\u0085\u2028\u2029")


def _simple(char: str) -> str | None:
    """The one-character folding of ``char`` (``None`` when it has none and NFKC decides)."""
    category = unicodedata.category(char)
    if category == "Cf" or char in _IGNORABLE:
        return ""
    if char in _LINE:
        return "\n"
    if category == "Zs":
        return " "
    if category == "Pd" or char in _MINUS:
        return "-"
    digit = unicodedata.decimal(char, None)
    if digit is not None:
        return str(digit)
    if char == "\u00b5":  # the micro sign stays Latin-1 (NFKC makes it a Greek mu): ``µmol/l``
        return char
    return None


@functools.cache
def _map_char(char: str) -> str:
    """What one character becomes in the canonical text (possibly nothing, possibly several characters)."""
    simple = _simple(char)
    if simple is not None:
        return simple
    normal = unicodedata.normalize("NFKC", char)
    if normal == char:
        return char
    return "".join(s if (s := _simple(c)) is not None else c for c in normal)


@dataclass(frozen=True)
class _Tables:
    """What canonicalisation changes, found once over the BMP (see :func:`table_data`): ``any_change``
    finds a character that changes; ``one_for_one`` maps those that become exactly one other character
    (``str.translate`` at C speed, offsets unchanged); ``units`` finds the rest (removed or expanded
    characters, and combining marks, composed by NFKC with the character before them). Characters beyond the
    BMP are always treated as units."""

    any_change: re.Pattern[str]
    one_for_one: dict[str, str]
    singles: re.Pattern[str]
    units: re.Pattern[str]
    latin1_change: re.Pattern[str]
    first_look: re.Pattern[str]  # a Latin-1 character that changes, or any character beyond Latin-1
    latin1_bytes: bytes

    def fold_singles(self, text: str) -> str:
        """``text`` with its one-for-one changes made (they are usually few: a dash, a space)."""
        table = self.one_for_one
        return self.singles.sub(lambda m: table[m.group()], text)


def _klass(spans: list[list[int]], extra: str = "") -> str:
    body = "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in spans)
    return f"[{body}{extra}]"


def _add(spans: list[list[int]], code: int) -> None:
    if spans and spans[-1][1] == code - 1:
        spans[-1][1] = code
    else:
        spans.append([code, code])


def table_data() -> dict[str, object]:
    """What canonicalisation changes in the BMP under this Python's Unicode version, as data: code point spans
    (``single``: one character for one other; ``other``: removed or expanded; ``combining``: combining marks)
    and the one-for-one map as two equal-length strings. Working it out takes 0.1-0.25 s, so the result for
    each Unicode version medseal has met is shipped in ``data/unicode/<version>.json`` (see ``_shipped``)."""
    source: list[str] = []
    target: list[str] = []
    single: list[list[int]] = []
    other: list[list[int]] = []
    combining: list[list[int]] = []
    for code in range(0x80, 0x10000):
        if 0xD800 <= code < 0xE000:
            continue
        char = chr(code)
        if unicodedata.combining(char):
            _add(combining, code)
            continue
        mapped = _map_char(char)
        if mapped == char:
            continue
        if len(mapped) == 1:
            source.append(char)
            target.append(mapped)
            _add(single, code)
        else:
            _add(other, code)
    return {
        "unicode": unicodedata.unidata_version,
        "single": single,
        "other": other,
        "combining": combining,
        "from": "".join(source),
        "to": "".join(target),
    }


def _shipped() -> dict[str, object] | None:
    """The shipped table data for this Python's Unicode version, if medseal ships it."""
    from importlib import resources

    name = f"{unicodedata.unidata_version}.json"
    try:
        text = resources.files("medseal").joinpath("data", "unicode", name).read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        return None
    data = json.loads(text)
    return data if isinstance(data, dict) and data.get("unicode") == unicodedata.unidata_version else None


@functools.cache
def _tables() -> _Tables:
    data = _shipped() or table_data()
    single = cast(list[list[int]], data["single"])
    other = cast(list[list[int]], data["other"])
    combining = cast(list[list[int]], data["combining"])
    one_for_one = dict(zip(cast(str, data["from"]), cast(str, data["to"]), strict=True))
    astral = f"{re.escape(chr(0x10000))}-{re.escape(chr(sys.maxunicode))}"
    latin1 = bytearray(range(256))
    for char, mapped in one_for_one.items():
        if ord(char) < 256:
            latin1[ord(char)] = ord(mapped)  # all ASCII
    latin1_codes = [[a, min(b, 0xFF)] for a, b in sorted(single + other + combining) if a <= 0xFF]
    return _Tables(
        any_change=re.compile(_klass(sorted(single + other + combining), astral)),
        one_for_one=one_for_one,
        singles=re.compile(_klass(single)),
        units=re.compile(_klass(sorted(other + combining), astral)),  # one class: the engine skips fast
        latin1_change=re.compile(_klass(latin1_codes)),
        first_look=re.compile(_klass(latin1_codes, f"{re.escape(chr(0x100))}-{re.escape(chr(sys.maxunicode))}")),
        latin1_bytes=bytes(latin1),
    )


_BEYOND_LATIN1 = re.compile(r"[^\x00-\xff]")


class Canonical:
    """A canonical text and how to find, for each of its characters, the original characters it came from.

    Character ``i`` of :attr:`text` comes from ``original[i + a : i + 1 + b]`` where ``(a, b)`` is the pair in
    force at ``i`` (``breaks`` holds the canonical offsets where the pair changes, ``shifts`` the pairs). An
    unchanged text has no breaks.
    """

    __slots__ = ("breaks", "original", "shifts", "text")

    def __init__(
        self, text: str, original: str, breaks: tuple[int, ...] = (), shifts: tuple[tuple[int, int], ...] = ()
    ) -> None:
        self.text = text
        self.original = original
        self.breaks = breaks
        self.shifts = shifts

    def __repr__(self) -> str:  # never the text: it may hold identifiers
        return f"Canonical(<{len(self.text)} characters>)"

    @property
    def unchanged(self) -> bool:
        """No character was removed or expanded: canonical offsets are original offsets."""
        return not self.breaks

    def _shift(self, pos: int) -> tuple[int, int]:
        i = bisect.bisect_right(self.breaks, pos)
        return self.shifts[i - 1] if i else (0, 0)

    def start(self, pos: int) -> int:
        """The original offset where canonical character ``pos`` starts (``len(original)`` at the end)."""
        if pos >= len(self.text):
            return len(self.original)
        return pos + self._shift(pos)[0]

    def end(self, pos: int) -> int:
        """The original offset right after the characters that canonical character ``pos - 1`` came from."""
        if pos <= 0:
            return 0
        return pos + self._shift(pos - 1)[1]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span that the canonical span ``start:end`` came from."""
        if not self.breaks:
            return start, end
        if end <= start:
            pos = self.start(start)
            return pos, pos
        return self.start(start), self.end(end)

    def clear(self, start: int, end: int) -> str:
        """The original characters behind the canonical span ``start:end``."""
        s, e = self.span(start, end)
        return self.original[s:e]


def canonical(text: str | Canonical) -> Canonical:
    """``text`` in canonical form (see the module's docstring); a :class:`Canonical` is returned as it is."""
    if isinstance(text, Canonical):
        return text
    if text.isascii():  # no ASCII character changes
        return Canonical(text, text)
    tables = _tables()
    look = tables.first_look.search(text)
    if look is None:  # Latin-1 text (accents) without a character that changes
        return Canonical(text, text)
    latin1 = ord(look.group()) < 0x100 and _BEYOND_LATIN1.search(text, look.end()) is None
    first = look if latin1 else tables.any_change.search(text, look.start())
    if first is None:
        return Canonical(text, text)
    units = tables.units
    unit = units.search(text, first.start())
    if unit is None:  # only one-for-one changes: same offsets
        if latin1:
            return Canonical(text.encode("latin-1").translate(tables.latin1_bytes).decode("latin-1"), text)
        return Canonical(tables.fold_singles(text), text)
    pieces: list[str] = []
    breaks: list[int] = []
    shifts: list[tuple[int, int]] = []
    current = (0, 0)
    last = 0  # original offset copied up to
    size = 0  # canonical length so far

    def shift_to(at: int, want: tuple[int, int]) -> None:
        nonlocal current
        if want != current:
            breaks.append(at)
            shifts.append(want)
            current = want

    for start, end in _unit_spans(text, units, unit):
        if start > last:
            piece = tables.fold_singles(text[last:start])
            shift_to(size, (last - size, last - size))
            pieces.append(piece)
            size += len(piece)
        source = text[start:end]
        out = _map_unit(source)
        if out == "".join(map(_map_char, source)) and len(out) == len(source):  # each character stays itself
            shift_to(size, (start - size, start - size))
        else:  # every output character stands for the whole unit
            for k in range(len(out)):
                shift_to(size + k, (start - size - k, end - 1 - size - k))
        pieces.append(out)
        size += len(out)
        last = end
    if last < len(text):
        shift_to(size, (last - size, last - size))
        pieces.append(tables.fold_singles(text[last:]))
    return Canonical("".join(pieces), text, tuple(breaks), tuple(shifts))


def _map_unit(source: str) -> str:
    """What a unit of the original becomes: removed characters dropped first (so that a combining mark after
    a zero-width space still composes with the letter before it), then NFKC, then the one-character foldings."""
    if len(source) == 1:
        return _map_char(source)
    kept = "".join(c for c in source if _map_char(c) != "")
    return "".join(_map_char(c) for c in unicodedata.normalize("NFKC", kept))


def _unit_spans(text: str, units: re.Pattern[str], first: re.Match[str]) -> list[tuple[int, int]]:
    """The original spans canonicalised as wholes, in order and disjoint: each removed or expanded character,
    and each run of combining marks with the character they compose with. A run of marks right after another
    unit joins it (``a\u200b\u0301`` is one unit, ``á``), reaching back to the letter before the unit when
    the unit alone would start with a mark."""
    spans: list[tuple[int, int]] = []
    unit: re.Match[str] | None = first
    while unit is not None:
        start, end = unit.span()
        if unicodedata.combining(text[start]):
            while end < len(text) and unicodedata.combining(text[end]):
                end += 1
            if spans and spans[-1][1] == start:
                start = spans.pop()[0]
            while start > 0 and unicodedata.combining(_map_unit(text[start:end])[:1] or "a"):
                start -= 1  # the marks compose with the character before them
                if spans and spans[-1][1] > start:
                    start = spans.pop()[0]
        spans.append((start, end))
        unit = units.search(text, end)
    return spans


# --- folding for comparison ---------------------------------------------------------------------------------
# Latin letters without a canonical decomposition, folded to their base letter when comparing names.
_BASE_LETTERS = {"ø": "o", "ł": "l", "đ": "d", "ı": "i", "ħ": "h", "ŀ": "l", "ŧ": "t"}
# Cyrillic and Greek letters that look like Latin ones (lower case: ``fold`` runs first): ``Dupоnt`` with a
# Cyrillic ``о`` is ``Dupont`` to a reader.
_LOOKALIKES = dict(zip("аеорсухіјѕԁԛԝӏһвкмнт" "αβεηικνορτυχ", "aeopcyxijsdqwlhbkmht" "abenikvoptux", strict=True))
_UPPER_LOOKALIKES = dict(zip("АВЕКМНОРСТУХІЈЅ" "ΑΒΕΗΙΚΜΝΟΡΤΥΧΖ", "ABEKMHOPCTYXIJS" "ABEHIKMNOPTYXZ", strict=True))
_ALL_LOOKALIKES = {**_LOOKALIKES, **_UPPER_LOOKALIKES}
_LOOKALIKE_RX = re.compile("[" + "".join(_ALL_LOOKALIKES) + "]")


def latin_lookalikes(text: str) -> str:
    """``text`` with the Cyrillic and Greek letters that look like Latin ones written as those (one character
    per character, case kept): ``Dupоnt`` with a Cyrillic ``о`` reads ``Dupont``."""
    return _LOOKALIKE_RX.sub(lambda m: _ALL_LOOKALIKES[m.group()], text)


@functools.cache
def fold_char(char: str) -> str:
    """One character in lower case without its accents (always one character)."""
    decomposed = unicodedata.normalize("NFD", char)
    base = decomposed[0] if decomposed else char
    lowered = base.lower()
    return lowered if len(lowered) == 1 else base


def fold(text: str) -> str:
    """Lower-case ``text`` and strip accents, keeping one character per input character.

    Offsets into the folded string are therefore offsets into the original, which lets detectors match on
    the folded form and report spans in the original. This is the folding of identities (patient keys).
    """
    if text.isascii():
        return text.lower()
    return "".join(map(fold_char, text))


@functools.cache
def match_fold_char(char: str) -> str:
    """:func:`fold_char`, then letters without decomposition (``ø``) and Latin look-alikes to their Latin twin."""
    folded = fold_char(char)
    return _LOOKALIKES.get(folded) or _BASE_LETTERS.get(folded) or folded


def match_fold(text: str) -> str:
    """:func:`fold` for comparing a text with a word list or a directory: ``Dupоnt`` (Cyrillic ``о``),
    ``Søren`` and ``soren`` all fold to Latin letters. One character per character."""
    if text.isascii():
        return text.lower()
    return "".join(map(match_fold_char, text))
