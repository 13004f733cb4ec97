"""Small builders shared by tests (kept tiny; richer documents are in fixtures/documents.py)."""

from __future__ import annotations

from fixtures.documents import make_pdf


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF whose text is ``text``."""
    return make_pdf([text])
