"""A short non-delivery report to the sender (some clients hide SMTP errors), holding nothing identifying.

It says when the message was sent, that it was not delivered and why (medseal's own text, or the receiving
server's reply code): never the subject, a recipient, the content or the server's reply text (which may repeat
an address).
"""

from __future__ import annotations

import datetime
import email.utils
from email.message import EmailMessage
from email.policy import SMTP

from medseal.i18n import t


def non_delivery_report(
    sender: str, language: str, hostname: str, *, when: float, reason: str = "", code: int | None = None,
    refused: bool = True,
) -> bytes:
    """The report's RFC 5322 bytes; ``refused`` for a message medseal refused, else one the server refused."""
    stamp = datetime.datetime.fromtimestamp(when, datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    mail = EmailMessage(policy=SMTP)
    mail["From"] = sender  # the sender's own address: the provider accepts it from the sender's login
    mail["To"] = sender
    mail["Subject"] = t("relay.ndr.subject", language)
    mail["Date"] = email.utils.formatdate()
    mail["Message-ID"] = email.utils.make_msgid(domain="medseal.invalid")
    mail["Auto-Submitted"] = "auto-replied"
    if refused:
        body = t("relay.ndr.refused", language, time=stamp, reason=reason)
    else:
        body = t("relay.ndr.failed", language, time=stamp, code=code if code is not None else "—")
    mail.set_content(body, cte="quoted-printable")
    return mail.as_bytes()
