"""The one shape every detector has: candidate -> validation -> scored, explained finding.

A detector reads a text (a ``str``, or the :class:`~medseal.canonical.Canonical` form of one, so that several
detectors share one canonicalisation), finds candidates in the canonical text (a digit pattern, a directory
surname, a context word), validates them by the rules (python-stdnum's checks, a real calendar date, the
word lists) and returns one :class:`~medseal.model.Finding` per occurrence, with a confidence and a short
explanation (``detail``) that never holds the identifier itself. Spans index the original text.

    national numbers  :class:`medseal.detect.niss.NissDetector`
    patient names     :class:`medseal.detect.names.NameDetector` (for one directory and one writer)
    birth dates       :class:`medseal.detect.birthdates.BirthDateDetector`
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from medseal.canonical import Canonical
from medseal.model import Finding, Kind, Where

__all__ = ["Detector"]


@runtime_checkable
class Detector(Protocol):
    """Finds one kind of identifier in a piece of text."""

    @property
    def kind(self) -> Kind:
        """The kind of every finding it returns."""
        ...

    def find(self, text: str | Canonical, where: Where, part: int | None = None) -> list[Finding]:
        """Every occurrence in ``text``, in text order; ``span`` indexes the original text."""
        ...
