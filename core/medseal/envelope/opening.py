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
      their original order, then appends any other part that travelled in clear, unchanged.

``smime``
    The whole message body is one ``application/pkcs7-mime; smime-type=enveloped-data`` entity (AES-256-CBC,
    one RSA recipient info per certificate) whose plaintext is the original MIME body: text, HTML and
    attachments with their headers. Opening decrypts it and reads the inner entity like any message.

Any failure to open an envelope (wrong password or key, altered or truncated data) is one
:class:`~medseal.errors.DecryptionError`; missing secrets are an :class:`~medseal.errors.InputError`. A
message without an envelope is returned as it is (``envelope == "none"``). Text bodies read from MIME parts
(clear or S/MIME) get ``\n`` line ends; ``body.txt`` and ``body.html`` come back exactly as they were sealed.
"""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message as EmailMessage
from typing import Final, Literal

from medseal.envelope.pdf import MARKER, is_envelope, unseal
from medseal.errors import DecryptionError, InputError
from medseal.model import Attachment

ENVELOPE_HEADER = "X-Medseal-Envelope"
PDF_PASSWORD: Final = "pdf-password"
SMIME: Final = "smime"
VERSION = 1
_SIGNATURE_TYPES = ("application/pkcs7-signature", "application/x-pkcs7-signature")


def envelope_header(kind: Literal["pdf-password", "smime"]) -> tuple[str, str]:
    """The ``(name, value)`` of the header that marks a protected message."""
    return ENVELOPE_HEADER, f"{kind}; v={VERSION}"


@dataclass(frozen=True)
class Opened:
    """The original content of a protected message."""

    body_text: str | None
    body_html: str | None
    attachments: tuple[Attachment, ...]
    envelope: Literal["pdf-password", "smime", "none"] = "none"


def _leaves(part: EmailMessage) -> Iterator[EmailMessage]:
    """Leaf parts in order; an attached ``message/rfc822`` is one leaf (kept whole)."""
    if part.get_content_type() == "message/rfc822" or not part.is_multipart():
        yield part
        return
    payload = part.get_payload()
    if isinstance(payload, list):
        for sub in payload:
            if isinstance(sub, EmailMessage):
                yield from _leaves(sub)


def _text_of(part: EmailMessage) -> str:
    """A text body as a string with ``\n`` line ends (CRLF is the wire form of a line end)."""
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    charset = part.get_content_charset() or "utf-8"
    try:
        text = data.decode(charset)
    except (LookupError, UnicodeDecodeError):
        text = data.decode("utf-8", "replace")
    return text.replace("\r\n", "\n")


def _data_of(part: EmailMessage) -> bytes:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], EmailMessage):
            return inner[0].as_bytes()
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _is_attachment(part: EmailMessage) -> bool:
    return part.get_content_disposition() == "attachment" or part.get_filename() is not None


def _content(message: EmailMessage) -> tuple[str | None, str | None, list[Attachment]]:
    """Body text, body HTML and attachments of a clear message or decrypted S/MIME entity."""
    body_text: str | None = None
    body_html: str | None = None
    attachments: list[Attachment] = []
    for part in _leaves(message):
        kind = part.get_content_type()
        if kind in _SIGNATURE_TYPES:
            continue
        if not _is_attachment(part) and kind == "text/plain" and body_text is None:
            body_text = _text_of(part)
        elif not _is_attachment(part) and kind == "text/html" and body_html is None:
            body_html = _text_of(part)
        else:
            attachments.append(Attachment(part.get_filename() or "", kind, _data_of(part)))
    return body_text, body_html, attachments


def _damaged_envelope(data: bytes) -> bool:
    """A PDF that carries medseal's envelope marker but not a whole envelope (no MAC line at its end)."""
    return data.startswith(b"%PDF-") and MARKER.encode("ascii") in data and not is_envelope(data)


def _parse(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def _open_smime(raw: bytes, key_pem: bytes | None, cert_pem: bytes | None) -> Opened:
    if key_pem is None or cert_pem is None:
        raise InputError("this message is S/MIME encrypted: give your private key and your certificate")
    from medseal.envelope.smime import decrypt_smime

    inner = decrypt_smime(raw, key_pem, cert_pem)
    body_text, body_html, attachments = _content(_parse(inner))
    return Opened(body_text, body_html, tuple(attachments), SMIME)


def open_message(
    raw_eml: bytes,
    *,
    password: str | None = None,
    key_pem: bytes | None = None,
    cert_pem: bytes | None = None,
) -> Opened:
    """The body and attachments of the protected message ``raw_eml`` (see the module's specification)."""
    from medseal.envelope.smime import is_smime

    message = _parse(raw_eml)
    if not message.keys():
        raise InputError("this is not an e-mail message (no header)")
    if any(is_smime(part) for part in _leaves(message)):
        return _open_smime(raw_eml, key_pem, cert_pem)
    marked = str(message.get(ENVELOPE_HEADER, "")).split(";")[0].strip().lower()
    body_text, body_html, parts = _content(message)
    sealed = [part for part in parts if is_envelope(part.data)]
    if any(_damaged_envelope(part.data) for part in parts):  # cut or mangled on the way
        raise DecryptionError()
    if not sealed:
        if marked == PDF_PASSWORD:  # the envelope was stripped on the way
            raise DecryptionError()
        return Opened(body_text, body_html, tuple(parts))
    if password is None:
        raise InputError("this message is protected by a password: give the password you received")
    content = unseal(sealed, password)
    clear = [part for part in parts if not is_envelope(part.data)]
    return Opened(content.body_text, content.body_html, content.attachments + tuple(clear), PDF_PASSWORD)
