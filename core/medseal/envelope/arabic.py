"""Arabic words drawn left to right: contextual letter forms and visual order.

A PDF draws glyphs, not text: Arabic letters change shape with their neighbours (isolated, initial, medial,
final) and words run right to left. The letter's font has no shaping tables (GSUB) and PDF viewers do not
shape, so each word is shaped here with the Unicode *presentation forms* (U+FB50-U+FEFF, present in DejaVu
Sans), the mandatory lam-alef ligatures included, then reversed by clusters (a letter keeps its marks).
The logical word goes beside it in the page as ``/ActualText``, which text extraction returns.

The bidirectional algorithm is reduced to what a mail needs: within a line, consecutive right-to-left
words are drawn in reverse order; lines stay left-aligned.
"""

from __future__ import annotations

import unicodedata
from functools import cache

_FORMS = ("ISOLATED", "FINAL", "INITIAL", "MEDIAL")
_LAM = "\u0644"
_LAM_ALEF = {
    "\u0622": ("\ufef5", "\ufef6"),
    "\u0623": ("\ufef7", "\ufef8"),
    "\u0625": ("\ufef9", "\ufefa"),
    "\u0627": ("\ufefb", "\ufefc"),
}
_TATWEEL = "\u0640"


@cache
def _forms(char: str) -> dict[str, str]:
    """The presentation forms of an Arabic letter, by form name (empty for marks and non-letters)."""
    try:
        name = unicodedata.name(char)
    except ValueError:
        return {}
    found = {}
    for form in _FORMS:
        try:
            found[form] = unicodedata.lookup(f"{name} {form} FORM")
        except KeyError:
            continue
    return found


def _transparent(char: str) -> bool:
    return unicodedata.category(char) in ("Mn", "Me", "Cf")


def _joins_forward(char: str) -> bool:  # may connect to the letter after it
    return char == _TATWEEL or "INITIAL" in _forms(char)


def _joins_backward(char: str) -> bool:  # may connect to the letter before it
    return char == _TATWEEL or "FINAL" in _forms(char)


def is_rtl(word: str) -> bool:
    """Whether ``word`` is written right to left (holds a letter of bidirectional class R or AL)."""
    return any(unicodedata.bidirectional(c) in ("R", "AL") for c in word)


def shape(word: str) -> str:
    """``word`` (logical order) in presentation forms, still in logical order."""
    letters = [i for i, c in enumerate(word) if not _transparent(c)]
    out: list[str] = []
    skip: set[int] = set()
    for n, i in enumerate(letters):
        if i in skip:
            continue
        char = word[i]
        before = word[letters[n - 1]] if n > 0 and letters[n - 1] not in skip else ""
        if n > 0 and letters[n - 1] in skip:  # after a lam-alef ligature, which never joins forward
            before = ""
        after = word[letters[n + 1]] if n + 1 < len(letters) else ""
        joined_before = bool(before) and _joins_forward(before) and _joins_backward(char)
        if char == _LAM and after in _LAM_ALEF:
            isolated, final = _LAM_ALEF[after]
            out.append((final if joined_before else isolated) + _marks(word, i))
            skip.add(letters[n + 1])
            out.append(_marks(word, letters[n + 1]))
            continue
        joined_after = bool(after) and _joins_forward(char) and _joins_backward(after)
        form = {(True, True): "MEDIAL", (True, False): "FINAL", (False, True): "INITIAL"}.get(
            (joined_before, joined_after), "ISOLATED"
        )
        out.append(_forms(char).get(form, char) + _marks(word, i))
    lead = word[: letters[0]] if letters else word
    return lead + "".join(out)


def _marks(word: str, i: int) -> str:
    end = i + 1
    while end < len(word) and _transparent(word[end]):
        end += 1
    return word[i + 1 : end]


def visual(word: str) -> str:
    """``word`` shaped and in the order it is drawn left to right (clusters reversed, marks after their base)."""
    shaped = shape(word)
    clusters: list[str] = []
    for char in shaped:
        if clusters and _transparent(char):
            clusters[-1] += char
        else:
            clusters.append(char)
    return "".join(reversed(clusters))
