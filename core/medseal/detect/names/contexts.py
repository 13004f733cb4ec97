"""What the words right before a name say about it: a courtesy title, a doctor's title, a patient label, a
name field, a place."""

from __future__ import annotations

import enum
import re

from medseal.detect.names.lexicon import (
    _DOCTOR_WORDS,
    _DOTTED_TITLES,
    _GENERIC_FIELDS,
    _NAME_FIELDS,
    _PATIENT_LABELS,
    _PLACE_WORDS,
    _TITLE_WORDS,
)


class Context(enum.Enum):
    """What the words right before a name make of it."""

    TITLE = "courtesy title"  # ``Mme``, ``mevrouw``, ``Herr``: a person, often a patient
    DOCTOR = "doctor's title"  # ``Dr``, ``Prof.``: a professional, not a patient
    PLACE = "place"  # ``rue``, ``Sint``, ``Hôpital``: a street or an institution
    LABEL = "patient label"  # ``Patient:``, ``Patiënt:``
    NAME_FIELD = "name field"  # ``Nom et prénom :``, ``Naam:``
    FIELD = "generic field"  # ``Name:``, which may name a project


#: Contexts after which capitalised words are a person's name.
NAMED_CONTEXTS = frozenset({Context.TITLE, Context.LABEL, Context.NAME_FIELD, Context.FIELD})


class WordClass(enum.Enum):
    """What one capitalised word is, by the word lists."""

    TITLE = "title"
    DOCTOR = "doctor"
    PLACE = "place"
    FIRST = "first name"
    COMMON = "common word"
    OTHER = "other"  # none of the above: maybe a surname


#: The context a title, a doctor's title or a place word sets for the words after it.
CONTEXT_OF_CLASS = {WordClass.TITLE: Context.TITLE, WordClass.DOCTOR: Context.DOCTOR, WordClass.PLACE: Context.PLACE}

_TAIL_SPLIT = re.compile(r"[\W_]+")


def _lookback(folded: str, pos: int) -> Context | None:
    """The context the folded text right before ``pos`` ends with, if any."""
    tail = folded[max(0, pos - 40) : pos].rstrip()
    colon = tail.endswith((":", "=", "："))
    if colon:
        tail = tail[:-1].rstrip(" \t\u00a0")
    dot = tail.endswith(".")
    if dot:
        tail = tail[:-1]
    if not tail or not tail[-1].isalpha():
        return None
    if not colon:  # only the last word counts
        k = len(tail) - 1
        while k and tail[k - 1].isalpha():
            k -= 1
        if k and tail[k - 1].isalnum():
            return None
        return _last_word_context(tail[k:], dot)
    words: list[str] = []
    for word in reversed(_TAIL_SPLIT.split(tail)[-4:]):
        if not word.isalpha():
            break
        words.insert(0, word)
    for k in range(len(words), 0, -1):
        phrase = " ".join(words[-k:])
        if phrase in _PATIENT_LABELS:
            return Context.LABEL
        if phrase in _NAME_FIELDS:
            return Context.NAME_FIELD
        if phrase in _GENERIC_FIELDS:
            return Context.FIELD
    return None


def _last_word_context(last: str, dot: bool) -> Context | None:
    if last in _DOCTOR_WORDS:
        return Context.DOCTOR
    if last in _TITLE_WORDS or (dot and last in _DOTTED_TITLES):
        return Context.TITLE
    if last in _PLACE_WORDS:
        return Context.PLACE
    return None
