"""Write a :class:`Message` back as RFC 5322 bytes with the stdlib ``email`` package."""

from __future__ import annotations

import email.policy
import email.utils
import secrets
from collections.abc import Mapping
from email.message import EmailMessage

from medseal.model import Message

ENVELOPE_HEADER = "X-Medseal-Envelope"
#: The only fields of :attr:`Message.headers` written back (besides From/To/Cc/Subject, the MIME structure
#: and what the caller adds): protect decides which of them are clean (:func:`medseal.protect.clear_headers`).
CLEAR_HEADERS = ("Date", "Message-ID", "In-Reply-To", "References", "Reply-To")


def _main_and_sub(content_type: str) -> tuple[str, str]:
    main, _, sub = content_type.partition("/")
    if not main or not sub:
        return "application", "octet-stream"
    return main.strip().lower(), sub.split(";")[0].strip().lower()


def build_email(message: Message, extra_headers: Mapping[str, str] | None = None) -> EmailMessage:
    """An ``EmailMessage`` for ``message``: text (and HTML alternative) body, then the attachments.

    Of ``message.headers`` only the :data:`CLEAR_HEADERS` are written; ``extra_headers`` come on top."""
    mail = EmailMessage(policy=email.policy.SMTP)
    if message.sender:
        mail["From"] = message.sender
    if message.to:
        mail["To"] = ", ".join(message.to)
    if message.cc:
        mail["Cc"] = ", ".join(message.cc)
    mail["Subject"] = message.subject
    own = {h.name.lower(): h.value for h in reversed(message.headers)}
    extra = {name: own[name.lower()] for name in CLEAR_HEADERS if own.get(name.lower())}
    extra.update(extra_headers or {})
    mail["Date"] = extra.pop("Date", None) or email.utils.formatdate(localtime=False)
    mail["Message-ID"] = extra.pop("Message-ID", None) or email.utils.make_msgid(domain="medseal.invalid")
    mail["MIME-Version"] = "1.0"
    for name, value in extra.items():
        mail[name] = value
    mail.set_content(message.text_body or "", cte="quoted-printable")
    if message.html_body:
        mail.add_alternative(message.html_body, subtype="html")
    for attachment in message.attachments:
        main, sub = _main_and_sub(attachment.content_type)
        if (main, sub) == ("message", "rfc822"):
            inner = email.message_from_bytes(attachment.data, policy=email.policy.default)
            mail.add_attachment(inner, filename=attachment.filename)
        else:
            mail.add_attachment(attachment.data, maintype=main, subtype=sub, filename=attachment.filename)
    return mail


def to_bytes(message: Message, extra_headers: Mapping[str, str] | None = None) -> bytes:
    """RFC 5322 bytes with CRLF line ends, ready for SMTP."""
    mail = build_email(message, extra_headers)
    set_boundaries(mail)
    return mail.as_bytes()


def set_boundaries(mail: EmailMessage) -> None:
    """Give every multipart without one a random boundary that none of the message's texts contains.

    Left to itself, the stdlib's generator joins the text of every part into one more copy of the whole message
    only to pick a boundary it does not contain (25 MB more for a 25 MB message)."""
    texts = [
        text
        for part in mail.walk()
        for text in (part.get_payload() if isinstance(part.get_payload(), str) else "", *map(str, part.values()))
    ]
    for part in mail.walk():
        if part.get_content_maintype() != "multipart" or part.get_boundary():
            continue
        boundary = ""
        while not boundary or any(boundary in text for text in texts):
            boundary = f"=_medseal_{secrets.token_hex(16)}"
        part.set_boundary(boundary)
        texts.append(boundary)
