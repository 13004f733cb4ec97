"""Small text helpers shared by detectors and protection: folding case and accents, masking."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower-case ``text`` and strip accents, keeping one character per input character.

    Offsets into the folded string are therefore offsets into the original, which lets detectors match on
    the folded form and report spans in the original.
    """
    out = []
    for char in text:
        decomposed = unicodedata.normalize("NFD", char)
        base = decomposed[0] if decomposed else char
        lowered = base.lower()
        out.append(lowered if len(lowered) == 1 else base)
    return "".join(out)


def mask_niss(compact: str) -> str:
    """Show the birth-date part of an 11-digit number and hide the rest: ``85.07.30-xxx.xx``."""
    return f"{compact[0:2]}.{compact[2:4]}.{compact[4:6]}-xxx.xx"


def initials(name: str) -> str:
    """``Marie Dupont`` -> ``M. D.``; a name is only ever shown as initials."""
    parts = [p for p in name.replace(",", " ").split() if p[:1].isalpha()]
    return " ".join(f"{p[0].upper()}." for p in parts) or "?."


def mask_date(_text: str) -> str:
    """A birth date is never shown, not even partly."""
    return "xx/xx/xxxx"
