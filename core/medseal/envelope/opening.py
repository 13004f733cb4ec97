"""Opening a protected message: the recipient's side of ``medseal open``.

Specification: protected-envelope, version 1
============================================

A message protected by medseal travels as an ordinary RFC 5322 message. Everything that identifies a patient
is inside the envelope; what travels in clear is the pseudonymised subject, the recipients, a neutral notice
and the names the envelope's files travel under.

Header
    ``X-Medseal-Envelope: pdf-password; v=1`` or ``X-Medseal-Envelope: smime; v=1`` on the top-level header
    block. It is a hint for tools, never trusted for security: opening works from the parts themselves.

``pdf-password``
    - Clear body: a short neutral notice (how to open the message; the password comes by another channel).
    - One attachment ``message.pdf`` (made unique as ``message (2).pdf`` only if another file took the name):
      an AES-256 encrypted PDF (PDF 2.0, security handler revision 6) with the body as text pages and as the
      embedded files ``body.txt`` (UTF-8, exact) and ``body.html`` (when the original had an HTML body), and
      every original attachment that is not re-encrypted as a PDF, embedded unchanged under its original name.
    - One attachment per original PDF that could be re-encrypted, under its (possibly pseudonymised) name
      ending in ``.pdf``; inside, its original name and position.
    - All those PDFs share one password, carry ``/MedsealEnvelope`` in their catalogue and end with a
      ``%MEDSEAL-MAC-V1`` line (see :mod:`medseal.envelope.pdf`). Opening restores the original attachments in
      their original order. Any other part found beside the envelope travelled in clear and may have been
      added on the way: it is returned apart (:attr:`Opened.beside`), never mixed with the envelope's content.

``smime``
    The whole message body is one ``application/pkcs7-mime; smime-type=enveloped-data`` entity (AES-256-CBC,
    one RSA recipient info per certificate) whose plaintext is the original MIME body: text, HTML and
    attachments with their headers. Opening decrypts it and reads the inner entity like any message.

Any failure to open an envelope (wrong password or key, altered or truncated data) is one
:class:`~medseal.errors.DecryptionError`; missing secrets are an :class:`~medseal.errors.InputError`. A
message without an envelope is returned as it is (``envelope == "none"``). Clear and S/MIME content is read
by :func:`medseal.parse.parse_message`, as ``protect`` read the original (text with ``\n`` line ends, unnamed
parts called ``attachment-N``); ``body.txt`` and ``body.html`` come back exactly as they were sealed.
"""

from __future__ import annotations

from dataclasses import dataclass
from email import errors, policy
from email.parser import BytesParser
from typing import Final, Literal

from medseal.envelope.pdf import MARKER, is_envelope, unseal
from medseal.errors import DecryptionError, InputError
from medseal.model import Attachment
from medseal.parse import parse_message

ENVELOPE_HEADER = "X-Medseal-Envelope"
PDF_PASSWORD: Final = "pdf-password"
SMIME: Final = "smime"
VERSION = 1


def envelope_header(kind: Literal["pdf-password", "smime"]) -> tuple[str, str]:
    """The ``(name, value)`` of the header that marks a protected message."""
    return ENVELOPE_HEADER, f"{kind}; v={VERSION}"


@dataclass(frozen=True)
class Opened:
    """The original content of a protected message: only what was inside its envelope."""

    body_text: str | None
    body_html: str | None
    attachments: tuple[Attachment, ...]
    envelope: Literal["pdf-password", "smime", "none"] = "none"
    #: Parts that travelled in clear beside the envelope (not the sender's sealed content: report them).
    beside: tuple[Attachment, ...] = ()


def _damaged_envelope(data: bytes) -> bool:
    """A PDF that carries medseal's envelope marker but not a whole envelope (no MAC line at its end)."""
    return data.startswith(b"%PDF-") and MARKER.encode("ascii") in data and not is_envelope(data)


_TRANSFER_DEFECTS = (
    errors.InvalidBase64PaddingDefect,
    errors.InvalidBase64CharactersDefect,
    errors.InvalidBase64LengthDefect,
)


def _cut_in_transit(raw: bytes) -> bool:
    """True when a part's base64 is damaged: the envelope did not arrive whole."""
    mail = BytesParser(policy=policy.default).parsebytes(raw)
    for part in mail.walk():
        if part.is_multipart():
            continue
        part.get_payload(decode=True)  # decoding records the defects
        if any(isinstance(defect, _TRANSFER_DEFECTS) for defect in part.defects):
            return True
    return False


def _open_smime(raw: bytes, key_pem: bytes | None, cert_pem: bytes | None) -> Opened:
    if key_pem is None or cert_pem is None:
        raise InputError("this message is S/MIME encrypted: give your private key and your certificate")
    from medseal.envelope.smime import decrypt_smime

    inner = parse_message(decrypt_smime(raw, key_pem, cert_pem))
    return Opened(inner.text_body, inner.html_body, inner.attachments, SMIME)


def open_message(
    raw_eml: bytes,
    *,
    password: str | None = None,
    key_pem: bytes | None = None,
    cert_pem: bytes | None = None,
) -> Opened:
    """The body and attachments of the protected message ``raw_eml`` (see the module's specification)."""
    from medseal.envelope.smime import is_smime

    message = parse_message(raw_eml)  # InputError if it is not mail
    headers = BytesParser(policy=policy.default).parsebytes(raw_eml.lstrip(b"\r\n"), headersonly=True)
    if is_smime(headers):  # an S/MIME message is one enveloped entity at the top
        return _open_smime(raw_eml, key_pem, cert_pem)
    marked = str(headers.get(ENVELOPE_HEADER, "")).split(";")[0].strip().lower()
    parts = message.attachments
    if any(_damaged_envelope(part.data) for part in parts):  # cut or mangled on the way
        raise DecryptionError()
    sealed = [part for part in parts if is_envelope(part.data)]
    if not sealed:
        if marked == PDF_PASSWORD:  # the envelope was stripped on the way
            raise DecryptionError()
        return Opened(message.text_body, message.html_body, parts)
    if _cut_in_transit(raw_eml):  # a truncated base64 part decodes to something, but not to what was sent
        raise DecryptionError()
    if password is None:
        raise InputError("this message is protected by a password: give the password you received")
    content = unseal(sealed, password)
    clear = tuple(part for part in parts if not is_envelope(part.data))
    return Opened(content.body_text, content.body_html, content.attachments, PDF_PASSWORD, beside=clear)
