"""A name candidate, its confidences, its identity key, and the choice among overlapping candidates."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass

from medseal.detect.names.prepared import _fold_word

# --- confidences ---------------------------------------------------------------------------------------
_FULL = 0.95  # first and last name of a directory patient
_FULL_TITLED = 0.97
_INITIAL = 0.85  # surname and the first name's initial
_TITLED = 0.85  # courtesy title and surname
_BARE = 0.6  # a directory surname alone
_H_LABEL = 0.85
_H_TITLE = 0.8
_H_TITLE_FIRST_ONLY = 0.65
_H_FIELD = 0.7
_H_FIRST_LAST = 0.75
_H_ALLCAPS = 0.6
_H_FIRST_FIRST = 0.5
_H_FILE = 0.6

def _key(last: str, first: str) -> str:
    return f"name:{' '.join(_fold_word(last).split())}|{' '.join(_fold_word(first).split())}"



@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    confidence: float
    directory: bool
    detail: str
    patient_key: str



def _select(candidates: Iterable[_Candidate]) -> list[_Candidate]:
    """Keep the strongest of overlapping candidates (directory before heuristics, longer before shorter)."""
    ranked = sorted(candidates, key=lambda c: (-c.confidence, not c.directory, c.start - c.end, c.start))
    starts: list[int] = []
    kept: list[_Candidate] = []  # sorted by start, never overlapping
    for cand in ranked:
        i = bisect.bisect_right(starts, cand.start)
        if (i and kept[i - 1].end > cand.start) or (i < len(kept) and kept[i].start < cand.end):
            continue
        starts.insert(i, cand.start)
        kept.insert(i, cand)
    return kept


# --- the writer: signatures, roles, the sender's own name ---------------------------------------------------
