"""The writer is no patient: signatures after ``-- ``, a name followed by a profession, the sender's own
name."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from medseal.detect.names.lexicon import _DOCTOR_WORDS, _PARTICLES, _ROLES, _TITLE_WORDS
from medseal.detect.names.prepared import _name_tokens, _Prepared

_ROLE_AFTER = re.compile(
    r"[ \t\u00a0,;\-/|(]*(?:\r?\n[ \t\u00a0\-]*){0,2}(?:"  # the next line; from HTML, after a blank one
    + "|".join(r"[. \t\u00a0\-]{0,2}".join(re.escape(w) for w in role.split()) for role in _ROLES)
    + r")\.?\b(?![ \t\u00a0]*[:=])"
)
# ``-- `` alone on a line starts a signature; it ends at a quoted line or a reply's header.
_SIGNATURE = re.compile(r"(?m)^--[ \t\u00a0]*\r?$")
_SIGNATURE_END = re.compile(r"(?m)^(?:>|-{4,}|_{4,}|.*(?:wrote|a ecrit|schreef|schrieb)[ \t\u00a0]*:[ \t\u00a0]*\r?$)")


def _signatures(prep: _Prepared) -> list[tuple[int, int]]:
    """Where the signatures after a ``-- `` line are (start, end)."""
    blocks = []
    pos = 0
    while (found := prep.norm.find("--", pos)) >= 0:
        sig = _SIGNATURE.match(prep.norm, found)
        pos = found + 2
        if sig is None or not (found == 0 or prep.norm[found - 1] == "\n"):
            continue
        end = _SIGNATURE_END.search(prep.folded, sig.end())
        # A reply's header (``Le 3 mars, Anne Martin a écrit :``) names a writer too: it stays in the block.
        stop = len(prep.norm) if end is None else end.end() if prep.folded[end.start()] not in ">-_" else end.start()
        blocks.append((found, stop))
        pos = blocks[-1][1]
    return blocks


def _role_follows(prep: _Prepared, end: int) -> bool:
    """Is a name ending at ``end`` followed by a profession (``Sander Gobert\nHuisarts``)?"""
    return _ROLE_AFTER.match(prep.folded, end) is not None


@dataclass(frozen=True)
class _Writer:
    words: frozenset[str]  # every word of the writer's name (and the surname written together)
    surname: frozenset[str]  # the words of the surname, particles left out
    initials: frozenset[str]  # the initials it is written with (``A.`` in ``Dr. A. Martin``)


_NOT_NAME = _TITLE_WORDS | _DOCTOR_WORDS | frozenset(w for r in _ROLES for w in r.split())


def _writer(name: str) -> _Writer | None:
    """The sender's display name (``Dr. A. Martin``, ``Sander Gobert``, ``Gobert, Sander (Huisarts)``)."""
    name = re.sub(r"\([^)]*\)|<[^>]*>|\S+@\S+", " ", name)
    before, comma, after = name.partition(",")
    order = [before, after] if comma else [name]
    parts = [[t for t in _name_tokens(p) if len(t) > 1 and t not in _NOT_NAME] for p in order]
    words = [t for p in parts for t in p]
    if not words:
        return None
    if comma and parts[0]:
        surname = parts[0]  # ``Gobert, Sander``
    else:
        capitals = [w for w in re.findall(r"[^\W\d_]{2,}", name) if w.isupper()]
        upper = {t for c in capitals for t in _name_tokens(c)} - _NOT_NAME
        surname = [w for w in words if w in upper] or (words[1:] if len(words) > 1 else words)
    core = frozenset(surname) - _PARTICLES
    if not core:
        return None
    letters = frozenset(t for t in _name_tokens(name) if len(t) == 1)
    return _Writer(frozenset(words) | {"".join(surname)}, core | {"".join(surname)}, letters)


def _is_writer(clear: str, writers: Sequence[_Writer]) -> bool:
    """Is ``clear`` the writer's name: whole, surname alone, initial and surname, in any case?"""
    words = {t for t in _name_tokens(clear) if len(t) > 1} - _PARTICLES
    joined = "".join(t for t in _name_tokens(clear) if len(t) > 1)
    return bool(words) and any(
        (all(t in w.words or t[0] in w.initials for t in words) and words & w.surname) or joined in w.surname
        for w in writers
    )
