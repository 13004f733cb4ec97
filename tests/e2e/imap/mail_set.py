"""The known set of sent messages the IMAP tests APPEND to Dovecot's ``Sent`` folder, with what each must give.

Fictitious patients of ``examples/patients.csv`` under ``examples/policy.toml`` (``cabinet-demo.be`` trusted,
gmail/hotmail standard mailboxes). Dates span January to April 2026; some messages are large (a 3 MB lab report,
a 9 MB one that is fetched alone); one has no ``Date`` (its month comes from the server's arrival date); one has a
``Message-ID`` made of a national number (the summary must withhold it). Flags vary, to show they are untouched.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

SENDER = "Dr. A. Martin <dr.martin@cabinet-demo.be>"
TZ = datetime.timezone(datetime.timedelta(hours=1))


@dataclass(frozen=True)
class Sent:
    raw: bytes
    when: datetime.datetime  # the Date header and the APPEND date (INTERNALDATE)
    flags: str  # APPEND flags
    kinds: tuple[str, ...]  # the summary kinds expected (empty: not flagged)
    message_id: str  # as the summary must show it


def _mail(
    number: int,
    when: datetime.datetime,
    subject: str,
    to: list[str],
    body: str,
    attachment: tuple[str, bytes] | None = None,
    message_id: str | None = None,
    dated: bool = True,
) -> tuple[bytes, str]:
    mail = EmailMessage(policy=SMTP)
    mail["From"] = SENDER
    mail["To"] = ", ".join(to)
    mail["Subject"] = subject
    if dated:
        mail["Date"] = format_datetime(when)
    identifier = message_id or f"<sent-{number:03d}@cabinet-demo.be>"
    mail["Message-ID"] = identifier
    mail.set_content(body)
    if attachment:
        name, data = attachment
        mail.add_attachment(data, maintype="text", subtype="plain", filename=name)
    return mail.as_bytes(), identifier


def _report(size: int, niss: str) -> bytes:
    """A long plain-text lab report of about ``size`` bytes that names a patient's number near its end."""
    line = b"Hemoglobine 13.2 g/dL ; Ferritine 45 ug/L ; CRP < 5 mg/L ; leucocytes 6.1 10^3/uL\n"
    filler = line * (size // len(line))
    return b"Laboratoire de biologie clinique - demo\n" + filler + f"Reference patient NISS {niss}\n".encode()


def build() -> list[Sent]:
    """The messages, in the order they are appended (UID order)."""
    sent: list[Sent] = []
    number = 0

    def add(when: datetime.datetime, kinds: tuple[str, ...], flags: str = "", **kwargs: object) -> None:
        nonlocal number
        number += 1
        hidden = kwargs.pop("hidden_id", False)
        raw, identifier = _mail(number, when, **kwargs)  # type: ignore[arg-type]
        shown = "(message id withheld: it contains an identifier)" if hidden else identifier
        sent.append(Sent(raw, when, flags, kinds, shown))

    def day(month: int, dom: int, hour: int = 9) -> datetime.datetime:
        return datetime.datetime(2026, month, dom, hour, 30, tzinfo=TZ)

    add(day(1, 12), (), "(\\Seen)", subject="Réunion de service jeudi", to=["secretariat@cabinet-demo.be"],
        body="Bonjour,\n\nLa réunion de service est déplacée à jeudi 14 h.\n\nA. Martin\n")
    add(day(1, 20), ("niss", "recipient"), "(\\Seen \\Flagged)", subject="Vos résultats",
        to=["marie.dupont.demo@gmail.com"], message_id="<85073003328@cabinet-demo.be>", hidden_id=True,
        body="Bonjour Madame,\n\nVoici vos résultats (NISS 85.07.30-033.28) : tout est normal.\n\nDr Martin\n")
    add(day(2, 3), ("patient_name", "birth_date"), "", subject="Demande de kinésithérapie",
        to=["kine.demo@kine-exemple.be"],
        body="Cher collègue,\n\nJe vous adresse Marie Dupont, née le 30/07/1985, pour 9 séances de "
        "rééducation de l'épaule.\n\nDr Martin\n")
    add(day(2, 15), ("niss", "recipient"), "(\\Seen)", subject="Protocole", to=["jan.peeters.demo@hotmail.com"],
        body="Bonjour,\n\nVeuillez trouver le protocole en annexe.\n\nDr Martin\n",
        attachment=("protocole.txt", _report(3 * 2**20, "62.03.14-154.70")))
    add(day(3, 2), (), "", subject="Suivi", to=["dr.collegue@cabinet-demo.be"],
        body="Cher confrère,\n\nSuivi de Jan Peeters (62.03.14-154.70) : tension stabilisée.\n\nA. Martin\n")
    add(day(3, 10), ("recipient",), "(\\Answered)", subject="Rappel vaccination grippe",
        to=["marie.dupont.demo@gmail.com", "jan.peeters.demo@telenet.be"],
        body="Bonjour,\n\nLa campagne de vaccination contre la grippe commence lundi.\n\nLe cabinet\n")
    add(day(3, 28), ("niss", "recipient"), "", subject="Dossier", to=["s.lambert.demo@hotmail.com"],
        body="Bonjour,\n\nCi-joint le dossier complet.\n\nDr Martin\n",
        attachment=("dossier.txt", _report(9 * 2**20, "91.11.02-087.95")))
    add(day(4, 5), ("niss", "recipient"), "(\\Seen)", subject="Attestation", to=["anna.mueller.demo@skynet.be"],
        dated=False, body="Bonjour,\n\nVotre numéro national 02.05.21-412.34 figure sur l'attestation.\n\nDr Martin\n")
    for index in range(32):  # ordinary clean traffic, enough for several fetch batches
        add(day(1 + index % 4, 1 + index % 27, 8 + index % 9), (), "(\\Seen)" if index % 3 else "",
            subject=f"Organisation {index}", to=["secretariat@cabinet-demo.be"],
            body=f"Bonjour,\n\nPoint {index} de l'ordre du jour : planning des gardes.\n\nA. Martin\n")
    return sent
