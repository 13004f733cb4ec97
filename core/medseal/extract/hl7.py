"""HL7 version 2 as plain text, for callers that want only the words: the reader itself (python-hl7, every
encoding detail, the identities) is :mod:`medseal.extract.medical.hl7v2`."""

from __future__ import annotations

from medseal.extract.medical.hl7v2 import is_hl7, read_er7

__all__ = ["hl7_to_text", "is_hl7"]


def hl7_to_text(text: str) -> str:
    """Readable text of an HL7 v2 message: one segment a line, values separated by single spaces; text that
    is not HL7 comes back unchanged."""
    return read_er7(text).text if is_hl7(text) else text
