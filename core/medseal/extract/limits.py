"""Hard limits on what text extraction will read, decompress and return.

An attachment that would cross one of them is not read partially: it raises
:class:`~medseal.errors.UnreadableAttachment`, which the scan reports as a finding of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from medseal.errors import UnreadableAttachment


@dataclass(frozen=True)
class Limits:
    """Size and structure limits for one attachment (nested archives share the decompression budget)."""

    max_attachment_bytes: int = 30 * 2**20
    max_text_chars: int = 20 * 2**20
    max_uncompressed_bytes: int = 100 * 2**20
    max_zip_members: int = 2000
    max_pdf_pages: int = 2000
    max_nesting: int = 5


class Budget:
    """The decompression budget left for one attachment, shared by every archive nested inside it."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.left = limits.max_uncompressed_bytes

    def spend(self, size: int) -> None:
        """Count ``size`` more decompressed bytes, or refuse when the budget is exhausted."""
        self.left -= size
        if self.left < 0:
            raise UnreadableAttachment("expands beyond the decompression limit")


def check_text(text: str, limits: Limits) -> str:
    """Return ``text`` unless it is longer than the limit (a partial scan would be a silent pass)."""
    if len(text) > limits.max_text_chars:
        raise UnreadableAttachment("too much text to scan")
    return text
