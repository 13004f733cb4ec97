"""The word lists the name detector reads, shipped as data files in ``medseal/data/lexicon/``.

Each file holds one entry a line (``#`` starts a comment); entries are folded (lower case, no accents) when
loaded, once per process. These are lists of words, titles and first names: nothing in them is a patient.
"""

from __future__ import annotations

import functools
import importlib.resources
import re

from medseal.canonical import fold

__all__ = ["Lexicon", "all_first_names", "common_first_names", "lexicon"]


def _lines(name: str) -> list[str]:
    data = (importlib.resources.files("medseal") / "data" / name).read_text("utf-8")
    return [line.strip() for line in data.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def _words(name: str) -> frozenset[str]:
    return frozenset(fold(w) for line in _lines(f"lexicon/{name}.txt") for w in line.split())


def _phrases(name: str) -> frozenset[str]:
    """Phrases, folded, their words joined by one space (``patient's`` -> ``patient s``)."""
    return frozenset(" ".join(re.split(r"[\s'’]+", fold(p))) for p in _lines(f"lexicon/{name}.txt"))


class Lexicon:
    """Every word list, folded; built once (see :func:`lexicon`)."""

    def __init__(self) -> None:
        self.titles = _words("titles")
        self.doctors = _words("doctors")
        self.places = _words("places")
        self.saints = _words("saints")
        self.particles = _words("particles")
        self.acronym_titles = _words("acronym_titles")
        self.common_words = _words("common_words")
        self.name_fields = _phrases("name_fields")
        self.generic_fields = _phrases("generic_fields")
        self.patient_labels = _phrases("patient_labels")
        self.documents = _phrases("documents")
        self.roles = sorted({" ".join(p.split()) for p in _phrases("roles")}, key=lambda r: (-len(r), r))
        #: Particles that may start a surname; the others only follow one (``van den``, ``van der``, ``van 't``).
        self.leading_particles = self.particles - {"den", "der", "les", "het", "'t", "t"}


@functools.cache
def lexicon() -> Lexicon:
    """The word lists, loaded once."""
    return Lexicon()


@functools.cache
def all_first_names() -> frozenset[str]:
    """Every first name of the shipped list (``medseal/data/first_names.txt``), folded, including those that
    are also words (``An``, ``Mark``)."""
    return frozenset(fold(line) for line in _lines("first_names.txt"))


@functools.cache
def common_first_names() -> frozenset[str]:
    """The shipped list of first names given in Belgium, folded, without those that are also common words,
    titles or places; loaded once."""
    lex = lexicon()
    return frozenset(all_first_names() - lex.common_words - lex.titles - lex.doctors - lex.places)


# --- the lists as module constants, for the detector's modules -----------------------------------------------
_LEX = lexicon()
_TITLE_WORDS = _LEX.titles
_DOTTED_TITLES = ("m", "fr", "hr")  # titles only with their dot: ``M. Dupont``, ``Fr. Weber``, ``Hr. Vogel``
_DOCTOR_WORDS = _LEX.doctors
_PLACE_WORDS = _LEX.places
_SAINTS = _LEX.saints
_PARTICLES = _LEX.particles
_LEADING_PARTICLES = _LEX.leading_particles
_ACRONYM_TITLES = _LEX.acronym_titles
# Lower-case particles allowed between capitalised words of a run (``Jan van den Berghe``).
_RUN_PARTICLES = "|".join(re.escape(p) for p in sorted(_PARTICLES - {"vd", "op", "het", "el", "al", "les"}))
_COMMON_WORDS = _LEX.common_words
_NAME_FIELDS = _LEX.name_fields
_GENERIC_FIELDS = _LEX.generic_fields
_PATIENT_LABELS = _LEX.patient_labels
_DOCUMENTS = _LEX.documents
_ROLES = _LEX.roles
