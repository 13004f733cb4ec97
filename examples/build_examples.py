"""Regenerate the example messages in examples/messages/ (fictitious patients from examples/patients.csv).

Run from the repository root: ``python examples/build_examples.py``.
"""

from __future__ import annotations

import sys
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fixtures.documents import make_pdf  # noqa: E402

OUT = ROOT / "examples" / "messages"
SENDER = "Dr. A. Martin <dr.martin@cabinet-demo.be>"


def write(
    name: str,
    subject: str,
    to: list[str],
    body: str,
    cc: list[str] | None = None,
    attachments: list[tuple[str, str, bytes]] | None = None,
    html: str | None = None,
) -> None:
    mail = EmailMessage(policy=SMTP)
    mail["From"] = SENDER
    mail["To"] = ", ".join(to)
    if cc:
        mail["Cc"] = ", ".join(cc)
    mail["Subject"] = subject
    mail["Date"] = "Mon, 16 Nov 2026 09:30:00 +0100"
    mail["Message-ID"] = f"<{name}@cabinet-demo.be>"
    mail.set_content(body)
    if html:
        mail.add_alternative(html, subtype="html")
    for filename, ctype, data in attachments or []:
        main, sub = ctype.split("/")
        mail.add_attachment(data, maintype=main, subtype=sub, filename=filename)
    (OUT / f"{name}.eml").write_bytes(mail.as_bytes())


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    lab = make_pdf(
        [
            "Laboratoire de biologie clinique - demo\n"
            "Patient : DUPONT Marie - NISS 85.07.30-033.28 - née le 30/07/1985\n"
            "Hémoglobine 13.2 g/dL ; Ferritine 45 µg/L ; CRP < 5 mg/L"
        ]
    )
    write(
        "01-resultats-labo-patiente",
        "Résultats de laboratoire Marie Dupont 85.07.30-033.28",
        ["marie.dupont.demo@gmail.com"],
        "Bonjour Madame Dupont,\n\nVeuillez trouver ci-joint vos résultats de prise de sang du 12/11.\n"
        "Tout est dans les normes. N'hésitez pas à me contacter.\n\nDr A. Martin\n",
        attachments=[("dupont_marie_labo.pdf", "application/pdf", lab)],
    )
    write(
        "02-verwijsbrief-collega",
        "Verwijzing dhr. Jan Peeters",
        ["dr.janssens@cardio-demo.be"],
        "Beste collega,\n\nGraag verwijs ik dhr. Peeters (INSZ 62.03.14-154.70, geboren op 14/03/1962) door voor "
        "een cardiologisch advies.\n\nMet collegiale groeten,\nDr. A. Martin\n",
    )
    write(
        "03-reunion-de-service",
        "Réunion de service jeudi",
        ["secretariat@cabinet-demo.be"],
        "Bonjour à toutes et à tous,\n\nLa réunion de service aura lieu jeudi à 12h30 en salle 2.\n\nBonne journée\n",
    )
    write(
        "04-rappel-vaccination-groupe",
        "Rappel vaccination grippe",
        ["marie.dupont.demo@gmail.com", "s.lambert.demo@hotmail.com"],
        "Bonjour,\n\nLa campagne de vaccination contre la grippe commence lundi. Prenez rendez-vous au cabinet.\n",
        cc=["anna.mueller.demo@skynet.be"],
    )
    write(
        "05-faute-de-frappe",
        "Votre ordonnance",
        ["s.lambert.demo@hotmial.com"],
        "Bonjour Madame Lambert,\n\nVoici votre ordonnance (NISS 91.11.02-087.95).\n",
    )
    write(
        "06-befund-patientin",
        "Befund Frau Anna Müller",
        ["anna.mueller.demo@skynet.be"],
        "Guten Tag Frau Müller,\n\nanbei Ihr Befund. Geburtsdatum: 21.05.2002.\n",
        html="<p>Guten Tag Frau Müller,</p><p>anbei Ihr Befund. INSZ <b>02.05.21</b>-412.34</p>",
    )


if __name__ == "__main__":
    main()
