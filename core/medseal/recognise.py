"""Recognise content that already travels protected, so that protecting twice changes nothing more.

A medseal PDF envelope carries the name object ``/MedsealEnvelope`` in its document catalogue; PDF encryption
leaves name objects in clear, so the marker is visible without the password. It only counts when the file is
really encrypted with AES-256 (security handler revision 6): a marker in a clear PDF is ignored.
"""

from __future__ import annotations

import io

from medseal.model import Attachment

ENVELOPE_MARKER = b"/MedsealEnvelope"
ENCRYPTED_MIME_TYPES = frozenset(
    {"application/pkcs7-mime", "application/x-pkcs7-mime", "application/pgp-encrypted"}
)


def is_aes256_pdf(data: bytes) -> bool:
    """True for a PDF encrypted with the AES-256 (R6) security handler."""
    if not data.startswith(b"%PDF") or b"/Encrypt" not in data:
        return False
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if not reader.is_encrypted:
            return False
        encrypt = reader.trailer["/Encrypt"].get_object()
        if not isinstance(encrypt, dict):
            return False
        return int(encrypt.get("/R", 0)) == 6 and int(encrypt.get("/V", 0)) == 5
    except Exception:  # any parse failure means: not something we can vouch for
        return False


def is_protected_attachment(attachment: Attachment) -> bool:
    """An S/MIME or OpenPGP encrypted part, or a medseal AES-256 PDF envelope — by its bytes: a text labelled
    ``application/pkcs7-mime`` (one of :data:`ENCRYPTED_MIME_TYPES`) is a text."""
    from medseal.extract.sniff import cms_kind, pgp_kind

    if cms_kind(attachment.data) == "encrypted" or pgp_kind(attachment.data) == "encrypted":
        return True
    return ENVELOPE_MARKER in attachment.data and is_aes256_pdf(attachment.data)
