"""The interceptor's view used by every "nothing in clear" test must itself see what a third party sees."""

from __future__ import annotations

import io
import zipfile
from email.message import EmailMessage

from interceptor import interceptor_view, leaked

NISS = "85073003328"


def _mail(subject: str = "Rendez-vous", body: str = "Bonjour", **headers: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "dr@cabinet.be"
    mail["To"] = "someone@gmail.com"
    mail["Subject"] = subject
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(body)
    return mail


def test_clean_message_reads_clean() -> None:
    assert leaked(interceptor_view(_mail().as_bytes()), [NISS], ["Dupont"]) == []


def test_encoded_folded_header_with_unicode_spaces_is_read() -> None:
    raw = _mail(subject="Dossier 85\u200907\u200930 033\u00a028 Du\u200bpont").as_bytes()
    assert leaked(interceptor_view(raw), [NISS], ["Dupont"]) == ["national number 85.07.30-xxx.xx", "name D."]


def test_any_header_and_base64_body_are_read() -> None:
    mail = _mail(X_Patient="DUPONT", body="NISS ８５０７３００３３２８")
    mail.set_content("NISS ８５０７３００３３２８", cte="base64")
    assert len(leaked(interceptor_view(mail.as_bytes()), [NISS], ["Dupont"])) == 2


def test_zip_members_and_names_are_read() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("dupont.txt", "85.07.30-033.28")
    mail = _mail()
    mail.add_attachment(buffer.getvalue(), maintype="application", subtype="zip", filename="scan.zip")
    assert len(leaked(interceptor_view(mail.as_bytes()), [NISS], ["Dupont"])) == 2


def test_html_markup_between_groups_is_read() -> None:
    mail = _mail()
    mail.add_alternative("<p>85<b>07</b>30 <span>033</span>28</p>", subtype="html")
    assert leaked(interceptor_view(mail.as_bytes()), [NISS]) == ["national number 85.07.30-xxx.xx"]
