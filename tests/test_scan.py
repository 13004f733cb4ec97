"""Scanning a whole message: every part, the writer's own name, nested messages, unreadable files."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP

from tests_support import minimal_pdf

from medseal.directory import parse_directory
from medseal.envelope.pdf import build_message_pdf
from medseal.model import Attachment, Kind, Level, Message, Where
from medseal.policy import assess, parse_policy
from medseal.scan import ScanContext

DIRECTORY = parse_directory("last_name,first_name,niss\nDupont,Marie,85073003328\n")


def kinds_where(message: Message, context: ScanContext | None = None) -> list[tuple[str, str]]:
    return [(f.kind.value, f.where.value) for f in assess(message, context).findings]


def test_text_and_html_alternatives_count_once() -> None:
    message = Message(text_body="NISS 85.07.30-033.28", html_body="<p>NISS <b>85.07.30</b>-033.28</p>")
    assert kinds_where(message) == [("niss", "body")]


def test_number_hidden_in_html_markup_is_found() -> None:
    message = Message(html_body="<p>Bonjour</p><!-- 85.07.30-033.28 --><img alt='' title='x'>")
    assert kinds_where(message) == [("niss", "body")]


def test_the_writers_own_name_is_not_a_patient() -> None:
    body = "Bonjour,\nvoici vos résultats.\n\nSander Gobert"
    assert kinds_where(Message(text_body=body, sender_name="Sander Gobert")) == []
    assert kinds_where(Message(text_body=body)) == [("patient_name", "body")]


def test_nested_message_is_scanned_as_an_attachment() -> None:
    inner = EmailMessage(policy=SMTP)
    inner["Subject"] = "Patient Marie Dupont"
    inner.set_content("NISS 85.07.30-033.28")
    outer = Message(attachments=(Attachment("fwd.eml", "message/rfc822", inner.as_bytes()),))
    found = assess(outer, ScanContext(directory=DIRECTORY)).findings
    assert {(f.kind, f.where, f.part) for f in found} == {
        (Kind.PATIENT_NAME, Where.ATTACHMENT, 0),
        (Kind.NISS, Where.ATTACHMENT, 0),
    }


def test_unreadable_attachment_is_a_finding_never_a_silent_pass() -> None:
    encrypted = build_message_pdf("secret", [], "pw-pw-pw-pw")
    corrupt = Attachment(
        "scan.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK\x03\x04junk"
    )
    foreign = Attachment("other.pdf", "application/pdf", _foreign_encrypted_pdf())
    verdict = assess(Message(attachments=(corrupt, foreign), to=("x@gmail.com",)))
    assert [f.kind for f in verdict.findings] == [Kind.UNREADABLE_ATTACHMENT, Kind.UNREADABLE_ATTACHMENT]
    assert verdict.level is Level.BLOCK and verdict.needs_encryption
    # medseal's own envelope is recognised as protected content, not as unreadable
    ours = Attachment("message.pdf", "application/pdf", encrypted)
    assert assess(Message(attachments=(ours,))).findings == ()


def _foreign_encrypted_pdf() -> bytes:
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(minimal_pdf("Marie Dupont"))))
    writer.encrypt("someone-elses-password", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_identifiers_to_trusted_recipients_only_warn_except_in_the_subject() -> None:
    context = ScanContext(policy=parse_policy('[recipients]\ntrusted_domains = ["chu.be"]\n'))
    body_only = assess(Message(text_body="NISS 85.07.30-033.28", to=("dr@chu.be",)), context)
    assert body_only.level is Level.WARN and not body_only.needs_encryption
    in_subject = assess(Message(subject="NISS 85.07.30-033.28", to=("dr@chu.be",)), context)
    assert in_subject.level is Level.BLOCK


def test_headers_are_scanned_and_named_in_the_detail() -> None:
    from medseal.model import Header

    message = Message(
        subject="Suivi",
        text_body="Bonjour",
        sender="dr@cabinet.be",
        to=("someone@gmail.com",),
        headers=(
            Header("Subject", "Suivi"),
            Header("Date", "Mon, 12 Mar 1985 10:00:00 +0100"),
            Header("X-Ref", "NISS 85.07.30-033.28"),
            Header("To", "someone@gmail.com"),
        ),
    )
    verdict = assess(message)
    (finding,) = [f for f in verdict.findings if f.where is Where.HEADER]
    assert finding.kind is Kind.NISS and finding.part == 2
    assert finding.detail.startswith("X-Ref: ")
    assert verdict.level is Level.BLOCK
