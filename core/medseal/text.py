"""Small text helpers shared by detectors and protection: masking (folding lives in :mod:`medseal.canonical`
and is re-exported here for the modules that compare identities)."""

from __future__ import annotations

from medseal.canonical import fold

__all__ = ["fold", "initials", "mask_date", "mask_niss"]


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
