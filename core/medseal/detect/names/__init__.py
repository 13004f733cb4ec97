"""Patient names, kind ``patient_name``: one finding per mention of a person (first and last name together).

Two sources of evidence, combined, on the canonical text (:mod:`medseal.canonical`: zero-width characters
gone, spaces and dashes folded) matched in a folded form where look-alike letters (Cyrillic ``о``, Greek
``ο``) read as Latin ones:

* **The practice's directory** (:mod:`.index`): the patients' surnames, compiled once per directory content
  into one trie-shaped pattern, and around each surname the usual forms (``Marie Dupont``, ``DUPONT Marie``,
  ``Dupont, Marie``, ``Dupont M.``, ``M. Dupont``, a courtesy title before the surname). A surname alone is
  reported, with a lower confidence, when it is written with a capital and is neither a common word nor a
  common first name. A name right after a doctor's title belongs to a professional and is skipped.
* **What a careful reader would notice** (:mod:`.heuristics`; the directory's professionals left out): a
  courtesy title followed by capitalised words (``mevrouw Gérard``: a surname, even when it is also a first
  name), a patient label or a name field followed by a name, a common first name next to a capitalised
  surname, an upper-case surname followed by a first name, and in a subject a document phrase followed by a
  name-shaped pair (``Rapport de sortie Dumont, Noah``, ``Verslag consultatie Pirlot L.``).

**The writer is no patient** (:mod:`.writer`): the heuristics never report the sender's own name, a name
followed by a profession (a signature), nor anything after a ``-- `` line. Directory patients are reported
wherever they are.

The word lists live in ``medseal/data/lexicon/`` (:mod:`.lexicon`). No cache keyed on the text outlives a
call: what is worked out once per distinct word or run of words is forgotten when :func:`find_names` returns.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from medseal.canonical import Canonical, canonical
from medseal.detect.names.candidate import _Candidate, _select
from medseal.detect.names.heuristics import (
    _LABELLED,
    _anchor_words,
    _document_candidates,
    _file_candidates,
    _text_candidates,
    clear_text_caches,
)
from medseal.detect.names.index import DirectoryIndex, _directory_candidates, directory_index
from medseal.detect.names.lexicon import common_first_names
from medseal.detect.names.prepared import _hits, _name_tokens, _prepare
from medseal.detect.names.writer import _is_writer, _role_follows, _signatures, _writer
from medseal.directory import Directory
from medseal.model import Finding, Kind, Where
from medseal.text import initials

__all__ = ["DirectoryIndex", "NameDetector", "common_first_names", "directory_index", "find_names"]


class NameDetector:
    """The :class:`~medseal.detect.base.Detector` of patient names, for one directory and one writer."""

    kind = Kind.PATIENT_NAME

    def __init__(self, directory: Directory | None = None, *, ignore_names: Sequence[str] = ()) -> None:
        self.directory = directory
        self.ignore_names = tuple(ignore_names)

    def find(self, text: str | Canonical, where: Where, part: int | None = None) -> list[Finding]:
        """Every mention of a person's name in ``text`` (see :func:`find_names`)."""
        return find_names(text, where, self.directory, part, ignore_names=self.ignore_names)


def find_names(
    text: str | Canonical,
    where: Where,
    directory: Directory | None = None,
    part: int | None = None,
    *,
    ignore_names: Sequence[str] = (),
) -> list[Finding]:
    """Every mention of a person's name in ``text``: directory patients and what the heuristics see.

    ``ignore_names``: the writer's own name(s) (the From display name): the heuristics never report them;
    neither do they report a name followed by a profession (a signature) nor anything in a signature after a
    ``-- `` line. A directory patient is reported wherever it is. Spans index the original text."""
    canon = canonical(text)
    if not canon.text:
        return []
    try:
        return _find(canon, where, directory, part, ignore_names)
    finally:
        clear_text_caches()
        _name_tokens.cache_clear()


def _find(
    canon: Canonical, where: Where, directory: Directory | None, part: int | None, ignore_names: Sequence[str]
) -> list[Finding]:
    filename = where == Where.ATTACHMENT_NAME
    prep = _prepare(canon.text, filename)
    index = directory_index(directory) if directory is not None else None
    vocabulary = index.vocabulary if index is not None else _heuristic_vocabulary()
    hits = _hits(prep, vocabulary)
    candidates: list[_Candidate] = []
    professionals: frozenset[str] = frozenset()
    if index is not None:
        professionals = index.professionals
        candidates.extend(_directory_candidates(prep, index, filename, hits & index.keys))
    heuristics = list(_file_candidates(prep) if filename else _text_candidates(prep, hits))
    if where == Where.SUBJECT:
        heuristics += _document_candidates(prep)
    signatures = [] if filename else _signatures(prep)
    writers = [w for w in map(_writer, ignore_names) if w is not None]
    for cand in heuristics:
        surname = cand.patient_key.removeprefix("name:").split("|")[0]
        if professionals and "".join(_name_tokens(surname)) in professionals:
            continue
        if any(start <= cand.start < end for start, end in signatures):
            continue
        if writers and _is_writer(prep.norm[cand.start : cand.end], writers):
            continue
        if not filename and cand.detail != _LABELLED and _role_follows(prep, cand.end):
            continue
        candidates.append(cand)
    findings = []
    for cand in _select(candidates):
        start, end = canon.span(prep.original(cand.start), prep.original(cand.end))
        clear = canon.original[start:end]
        shown = canon.text[prep.original(cand.start) : prep.original(cand.end)]
        shown = re.sub(r"[_.]", " ", shown) if filename else shown
        findings.append(
            Finding(
                kind=Kind.PATIENT_NAME,
                where=where,
                span=(start, end),
                confidence=cand.confidence,
                masked=initials(shown.replace("-", " ") if filename else shown),
                detail=cand.detail,
                part=part,
                clear=clear,
                patient_key=cand.patient_key,
            )
        )
    return findings


@functools.cache
def _heuristic_vocabulary() -> frozenset[bytes]:
    first, title = _anchor_words()
    return first | title
