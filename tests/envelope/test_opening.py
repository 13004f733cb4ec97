"""``open_message``: the recipient gets back the original body and files, or one clear error."""

from __future__ import annotations

import email.policy
import io
from email.message import EmailMessage

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from medseal.envelope.opening import ENVELOPE_HEADER, Opened, envelope_header, open_message
from medseal.envelope.pdf import build_message_pdf, encrypt_pdf, seal
from medseal.errors import DecryptionError, InputError
from medseal.model import Attachment

from .pdfs import make_pdf

PASSWORD = "kq7m-3xtp-9wfa-c4rh"
NOTICE = "Ce message est protégé. Ouvrez message.pdf avec le mot de passe reçu par SMS."
FILES = [
    Attachment("Résultats.pdf", "application/pdf", make_pdf("Hemoglobine")),
    Attachment("labo.hl7", "application/x-hl7", b"MSH|^~\\&|LAB\r"),
    Attachment("photo.png", "image/png", bytes(range(256))),
]


def protected_email(
    body: str | None, html: str | None, files: list[Attachment], *, outer: list[str] | None = None
) -> bytes:
    """What the protect step sends, by the protected-envelope specification."""
    mail = EmailMessage(policy=email.policy.SMTP)
    mail["From"] = "dr.test@example.org"
    mail["To"] = "patient@example.org"
    mail["Subject"] = "Résultats – réf. P-7F3K-2XQM"
    name, value = envelope_header("pdf-password")
    mail[name] = value
    mail.set_content(NOTICE)
    for part in seal(body, html, files, PASSWORD, title="Résultats", outer_names=outer):
        mail.add_attachment(part.data, maintype="application", subtype="pdf", filename=part.filename)
    return mail.as_bytes()


def page_texts(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def same(opened: Opened, body: str | None, html: str | None, files: list[Attachment]) -> None:
    """Same body and files; a re-encrypted PDF comes back as the same document (pypdf rewrites its bytes)."""
    assert opened.envelope == "pdf-password"
    assert (opened.body_text, opened.body_html) == (body, html)
    assert [a.filename for a in opened.attachments] == [a.filename for a in files]
    for got, original in zip(opened.attachments, files, strict=True):
        assert got.data == original.data or page_texts(got.data) == page_texts(original.data)


def test_round_trip_through_an_email() -> None:
    body = "Bonjour Madame,\nVoici vos résultats.\n"
    raw = protected_email(body, "<p>Bonjour</p>", FILES, outer=["P-7F3K-2XQM.pdf", "x", "y"])
    assert b"Hemoglobine" not in raw and "Résultats.pdf".encode() not in raw
    same(open_message(raw, password=PASSWORD), body, "<p>Bonjour</p>", FILES)


attachments = st.lists(
    st.builds(
        Attachment,
        st.text(min_size=1, max_size=30).filter(lambda s: s.strip() and "\x00" not in s),
        st.sampled_from(["application/octet-stream", "text/csv"]),
        st.binary(max_size=2000),
    ),
    max_size=5,
)


@given(st.text(), attachments)
@settings(max_examples=40)
def test_round_trip_any_message(body: str, files: list[Attachment]) -> None:
    same(open_message(protected_email(body, None, files), password=PASSWORD), body, None, files)


def test_wrong_or_missing_password() -> None:
    raw = protected_email("body", None, FILES)
    with pytest.raises(DecryptionError):
        open_message(raw, password="wrong")
    with pytest.raises(InputError, match="password"):
        open_message(raw)


def test_truncated_message_is_refused() -> None:
    raw = protected_email("body", None, FILES)
    for cut in (len(raw) // 3, len(raw) // 2, len(raw) - 200):
        with pytest.raises(DecryptionError):
            open_message(raw[:cut], password=PASSWORD)


def test_stripped_envelope_is_refused() -> None:
    mail = EmailMessage(policy=email.policy.SMTP)
    mail["Subject"] = "ref. P-7F3K-2XQM"
    mail[ENVELOPE_HEADER] = "pdf-password; v=1"
    mail.set_content(NOTICE)
    with pytest.raises(DecryptionError):
        open_message(mail.as_bytes(), password=PASSWORD)


def test_envelope_found_without_the_header() -> None:
    raw = protected_email("body", None, FILES[:1])
    without = raw.replace(ENVELOPE_HEADER.encode() + b": pdf-password; v=1\r\n", b"")
    assert without != raw
    same(open_message(without, password=PASSWORD), "body", None, FILES[:1])


def test_clear_parts_beside_the_envelope_are_kept_apart() -> None:
    raw = protected_email("body", None, FILES[1:2])
    mail = email.message_from_bytes(raw, policy=email.policy.SMTP)
    assert isinstance(mail, EmailMessage)
    mail.add_attachment(
        b"already encrypted elsewhere", maintype="application", subtype="octet-stream", filename="other.p7m"
    )
    opened = open_message(mail.as_bytes(), password=PASSWORD)
    assert [a.filename for a in opened.attachments] == ["labo.hl7"]  # only what was sealed
    assert [(a.filename, a.data) for a in opened.beside] == [("other.p7m", b"already encrypted elsewhere")]


def test_plain_message_is_returned_as_it_is() -> None:
    mail = EmailMessage(policy=email.policy.SMTP)
    mail["Subject"] = "Hello"
    mail.set_content("Just text")
    mail.add_alternative("<p>Just text</p>", subtype="html")
    mail.add_attachment(b"123", maintype="text", subtype="csv", filename="t.csv")
    opened = open_message(mail.as_bytes())
    assert opened.envelope == "none"
    assert opened.body_text == "Just text\n" and opened.body_html == "<p>Just text</p>\n"
    assert [(a.filename, a.content_type, a.data) for a in opened.attachments] == [
        ("t.csv", "text/csv", b"123")
    ]


def test_not_an_email() -> None:
    with pytest.raises(InputError):
        open_message(b"\x00\x01 plainly not mail")


@pytest.mark.pyodide_incompatible(reason="S/MIME needs cryptography")
def test_smime_message_opens_with_key_and_certificate() -> None:
    from medseal.envelope.smime import encrypt_smime

    from .test_smime import make_identity

    who = make_identity()
    inner = EmailMessage(policy=email.policy.SMTP)
    inner.set_content("Résultats normaux.\n")
    inner.add_attachment(
        b"\x00\x01binary", maintype="application", subtype="octet-stream", filename="labo.bin"
    )
    entity = encrypt_smime(inner.as_bytes(), [who.cert_pem])
    name, value = envelope_header("smime")
    raw = (
        b"From: dr.test@example.org\r\nTo: colleague@example.org\r\nSubject: ref. P-7F3K-2XQM\r\n"
        + f"{name}: {value}\r\n".encode()
        + entity
    )
    opened = open_message(raw, key_pem=who.key_pem, cert_pem=who.cert_pem)
    assert opened.envelope == "smime"
    assert opened.body_text == "Résultats normaux.\n"
    assert [(a.filename, a.data) for a in opened.attachments] == [("labo.bin", b"\x00\x01binary")]
    with pytest.raises(InputError, match="S/MIME"):
        open_message(raw, password=PASSWORD)
    other = make_identity()
    with pytest.raises(DecryptionError):
        open_message(raw, key_pem=other.key_pem, cert_pem=other.cert_pem)


def test_envelopes_made_piecewise_open_too() -> None:
    """``build_message_pdf`` and ``encrypt_pdf`` used directly (no names, no positions): files come back,
    a re-encrypted PDF under the name it travelled under."""
    mail = EmailMessage(policy=email.policy.SMTP)
    mail["Subject"] = "ref. P-7F3K-2XQM"
    mail.set_content(NOTICE)
    message = build_message_pdf("Corps du message", [FILES[1]], PASSWORD, "Message")
    report = encrypt_pdf(FILES[0].data, PASSWORD)
    for name, data in (("message.pdf", message), ("P-7F3K-2XQM.pdf", report)):
        mail.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    opened = open_message(mail.as_bytes(), password=PASSWORD)
    assert opened.body_text == "Corps du message"
    assert [a.filename for a in opened.attachments] == ["labo.hl7", "P-7F3K-2XQM.pdf"]
    assert page_texts(opened.attachments[1].data) == page_texts(FILES[0].data)
