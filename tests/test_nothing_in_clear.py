"""Nothing identifying leaves in clear: for every identifier, written form, Unicode variant and carrier, what
``protect`` sends to an untrusted mailbox holds it nowhere an interceptor can read (``tests/interceptor.py``).

Each test draws an identifier (a national or BIS number built from the rules, or a directory patient's name),
a way of writing it, and a carrier — a header field, the subject, a body, an attachment, a file name, an archive
member, an attached message one or two levels down — builds the raw message, protects it for a gmail.com
recipient and reads the result as an interceptor would. Carriers and variants that need the canonical text
(detect) and the full document reading (extract) are covered like the rest.
"""

from __future__ import annotations

import email.header
import email.policy
import io
import zipfile
from collections.abc import Callable
from email.message import EmailMessage
from typing import NamedTuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from interceptor import assert_nothing_in_clear
from strategies import PLAIN_FORMATS, niss_numbers, render_niss

from medseal.directory import parse_directory
from medseal.model import Attachment, Message
from medseal.parse import parse_message
from medseal.protect import Action, ProtectOptions, protect_message
from medseal.scan import ScanContext
from medseal_cli.protect_command import protect_bytes

PATIENTS = (("Vandermeulen", "Sophie"), ("Kowalczyk", "Tomasz"), ("Lambrechts", "Ann"), ("Dupont", "Marie"))
DIRECTORY = parse_directory(
    "last_name,first_name,niss,email,access_code,role\n"
    + "".join(f"{last},{first},,{first.lower()}.{last[0].lower()}@telenet.be,,patient\n" for last, first in PATIENTS)
)
CONTEXT = ScanContext(directory=DIRECTORY)
OPTIONS = ProtectOptions(key=bytes(range(32)), language="fr", password="correct-horse-battery")
RECIPIENT = "someone@gmail.com"
SMTP = email.policy.SMTP
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class Identifier(NamedTuple):
    """What to plant (``written``) and what must not be readable afterwards."""

    written: str
    niss: tuple[str, ...] = ()
    names: tuple[str, ...] = ()


@st.composite
def numbers(draw: st.DrawFn, formats: tuple[tuple[str, str, str, str], ...] = PLAIN_FORMATS) -> Identifier:
    compact = draw(niss_numbers())
    label = draw(st.sampled_from(("", "NISS ", "INSZ: ", "n° national ")))
    return Identifier(label + render_niss(compact, draw(st.sampled_from(formats))), niss=(compact,))


@st.composite
def names(draw: st.DrawFn) -> Identifier:
    last, first = draw(st.sampled_from(PATIENTS))
    form = draw(st.sampled_from(("{f} {l}", "{L} {f}", "{l}, {f}", "Mme {f} {l}", "{l} {f}")))
    return Identifier(form.format(f=first, l=last, L=last.upper()), names=(last,))


def identifiers() -> st.SearchStrategy[Identifier]:
    return st.one_of(numbers(), names())


# --- carriers: where the identifier travels ----------------------------------------------------------------


def _base(subject: str = "Suivi") -> EmailMessage:
    mail = EmailMessage(policy=SMTP)
    mail["From"] = "Dr Anne Lebrun <dr.lebrun@cabinet-medical.be>"
    mail["To"] = RECIPIENT
    mail["Subject"] = subject
    mail["Date"] = "Mon, 07 Dec 2026 10:00:00 +0100"
    mail["Message-ID"] = "<a1b2c3.lebrun@cabinet-medical.be>"
    mail.set_content("Bonjour,\nvoici le suivi.\nCordialement\n")
    return mail


def _with_header(raw: bytes, name: str, text: str) -> bytes:
    """``raw`` with one more ``name`` field at the end of its header block (RFC 2047 encoded when it is not
    ASCII): a second ``Subject`` comes after the first."""
    value = text if text.isascii() else email.header.Header(text, "utf-8").encode()
    head, blank, body = raw.partition(b"\r\n\r\n")
    return head + f"\r\n{name}: {value}".encode("ascii") + blank + body


def _header(name: str) -> Callable[[str], bytes]:
    def build(text: str) -> bytes:
        return _with_header(_base().as_bytes(), name, text)

    return build


def _display_name(name: str, address: str) -> Callable[[str], bytes]:
    def build(text: str) -> bytes:
        mail = _base()
        quoted = text.replace('"', "")
        if name in mail:
            del mail[name]
        mail[name] = f'"{quoted}" <{address}>'
        return mail.as_bytes()

    return build


def _message_ids(name: str) -> Callable[[str], bytes]:
    def build(text: str) -> bytes:
        mail = _base()
        mail[name] = f"<{''.join(c for c in text if c.isalnum())}@mail.cabinet-medical.be>"
        return mail.as_bytes()

    return build


def _attachment_with(**params: str) -> Callable[[str], bytes]:
    """A PDF-less text attachment whose Content-Description / name= / filename= carries the identifier."""

    def build(text: str) -> bytes:
        mail = _base()
        mail.add_attachment(b"Resultats: normaux\n", maintype="text", subtype="plain", filename="resultats.txt")
        part = next(iter(mail.iter_attachments()))
        if "description" in params:
            part["Content-Description"] = text
        if "name" in params:
            part.set_param("name", f"{text}.txt")  # Content-Type name= other than the file name
        if "filename" in params:
            part.replace_header("Content-Disposition", "attachment")
            part.set_param("filename", f"{text}.txt", header="Content-Disposition")
        return mail.as_bytes()

    return build


def _pdf_named(text: str) -> bytes:
    """A real (clear, readable) PDF whose file name carries the identifier: it travels re-encrypted under its
    pseudonymised name."""
    from fixtures.documents import make_pdf

    mail = _base()
    pdf = make_pdf(["Resultats normaux"])
    mail.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"rapport {text}.pdf")
    return mail.as_bytes()


def _nested(depth: int, where: str) -> Callable[[str], bytes]:
    """An attached (forwarded) message carrying the identifier in its subject, sender name, X- header or body,
    attached ``depth`` levels down."""

    def build(text: str) -> bytes:
        inner = _base()
        if where == "subject":
            inner.replace_header("Subject", f"Fwd: {text}")
        elif where == "from":
            inner.replace_header("From", f'"{text}" <patient@example.org>')
        elif where == "x-header":
            inner["X-Patient"] = text
        else:
            inner.set_content(f"Bonjour,\n{text}\n")
        for _level in range(depth):
            outer = _base("Transfert")
            outer.add_attachment(inner)
            inner = outer
        return inner.as_bytes()

    return build


def _body(text: str) -> bytes:
    mail = _base()
    mail.set_content(f"Bonjour,\n{text}\nCordialement\n")
    return mail.as_bytes()


def _html(text: str) -> bytes:
    mail = _base()
    mail.add_alternative(f"<p>Bonjour,</p><p>{text}</p>", subtype="html")
    return mail.as_bytes()


def _text_attachment(text: str) -> bytes:
    mail = _base()
    mail.add_attachment(f"Rapport\n{text}\n".encode(), maintype="text", subtype="plain", filename="rapport.txt")
    return mail.as_bytes()


def _zip(member_name: bool) -> Callable[[str], bytes]:
    def build(text: str) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            if member_name:
                archive.writestr(f"rapport {text}.txt", "Resultats normaux\n")
            else:
                archive.writestr("rapport.txt", f"Rapport\n{text}\n")
        mail = _base()
        mail.add_attachment(buffer.getvalue(), maintype="application", subtype="zip", filename="dossier.zip")
        return mail.as_bytes()

    return build


def _subject(text: str) -> bytes:
    return _base(f"Résultats {text}").as_bytes()


#: Carriers that medseal reads on this branch.
CARRIERS: dict[str, Callable[[str], bytes]] = {
    "subject": _subject,
    "second Subject": _header("Subject"),
    "X-Patient": _header("X-Patient"),
    "X-Custom-Ref": _header("X-Custom-Ref"),
    "Comments": _header("Comments"),
    "Keywords": _header("Keywords"),
    "Thread-Topic": _header("Thread-Topic"),
    "Organization": _header("Organization"),
    "To display name": _display_name("To", RECIPIENT),
    "Cc display name": _display_name("Cc", "other@gmail.com"),
    "Reply-To display name": _display_name("Reply-To", "secretariat@cabinet-medical.be"),
    "From display name": _display_name("From", "dr.lebrun@cabinet-medical.be"),
    "Content-Description": _attachment_with(description=""),
    "Content-Type name=": _attachment_with(name=""),
    "Content-Disposition filename= (RFC 2231)": _attachment_with(filename="txt"),
    "PDF file name": _pdf_named,
    "body text": _body,
    "body HTML": _html,
    "text attachment": _text_attachment,
    "zip member": _zip(member_name=False),
    "zip member name": _zip(member_name=True),
    **{
        f"attached message depth {d}: {w}": _nested(d, w)
        for d in (1, 2)
        for w in ("subject", "from", "x-header", "body")
    },
}


def protected_outputs(raw: bytes) -> list[bytes]:
    result, outputs = protect_bytes(raw, CONTEXT, OPTIONS)
    assert result.action in (Action.APPLY, Action.BLOCK), "an identifier went unnoticed: sent as it was"
    return outputs


@pytest.mark.parametrize("carrier", sorted(CARRIERS))
@FAST
@given(identifier=identifiers())
def test_no_identifier_in_clear_whatever_carries_it(carrier: str, identifier: Identifier) -> None:
    raw = CARRIERS[carrier](identifier.written)
    for output in protected_outputs(raw):
        assert_nothing_in_clear(output, niss=identifier.niss, names=identifier.names)


@pytest.mark.parametrize("name", ["In-Reply-To", "References"])
@FAST
@given(identifier=numbers(formats=(("", "", "", ""),)))
def test_threading_headers_holding_a_number_are_dropped(name: str, identifier: Identifier) -> None:
    raw = _message_ids(name)(identifier.written)
    _result, outputs = protect_bytes(raw, CONTEXT, OPTIONS)
    for output in outputs:  # SEND (a message id is not content) or APPLY: the number never goes out
        assert_nothing_in_clear(output, niss=identifier.niss)


def test_clean_threading_headers_are_kept() -> None:
    mail = _base()
    mail.set_content("Bonjour, NISS 85.07.30-033.28\n")
    mail["In-Reply-To"] = "<CAB123.456@mail.gmail.com>"
    mail["References"] = "<x1@a.be> <CAB123.456@mail.gmail.com>"
    mail["X-Mailer"] = "Thunderbird"
    result, (output,) = protect_bytes(mail.as_bytes(), CONTEXT, OPTIONS)
    assert result.action is Action.APPLY
    sent = email.message_from_bytes(output, policy=email.policy.default)
    assert sent["In-Reply-To"] == "<CAB123.456@mail.gmail.com>"
    assert sent["References"] == "<x1@a.be> <CAB123.456@mail.gmail.com>"
    assert sent["Message-ID"] == "<a1b2c3.lebrun@cabinet-medical.be>"
    assert sent["Date"] is not None and "2026" in sent["Date"]
    assert sent["X-Mailer"] is None, "only the allowlist travels"


def test_subject_folded_in_the_middle_of_a_number() -> None:
    raw = (
        b"From: dr@cabinet-medical.be\r\nTo: someone@gmail.com\r\nSubject: Resultats NISS 850730\r\n 03328\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nBonjour\r\n"
    )
    for output in protected_outputs(raw):
        assert_nothing_in_clear(output, niss=["85073003328"])


# --- Unicode variants: found once the canonical text (detect branch) is merged ---------------------------------

VARIANT_SEPARATORS = (
    "\u2009",  # thin space
    "\u2007",  # figure space
    "\u202f",  # narrow no-break space
    "\u200b",  # zero-width space
    "\u2060",  # word joiner
    "\u00ad",  # soft hyphen
    "\ufeff",  # byte-order mark
    "_",
    ",",
    ":",
    "\u00b7",  # middle dot
    "\u2013",  # en dash
    "\u2014",  # em dash
    "\u2212",  # minus sign
    "\uff0e",  # full-width full stop
)
DIGIT_FORMS = {"fullwidth": 0xFF10, "arabic-indic": 0x0660}


@st.composite
def unicode_numbers(draw: st.DrawFn) -> Identifier:
    compact = draw(niss_numbers())
    separator = draw(st.sampled_from(VARIANT_SEPARATORS))
    written = render_niss(compact, (separator,) * 4)
    form = draw(st.sampled_from(("ascii", *DIGIT_FORMS)))
    if form != "ascii":
        written = "".join(chr(DIGIT_FORMS[form] + int(c)) if c.isdigit() else c for c in written)
    return Identifier(written, niss=(compact,))


@st.composite
def hidden_names(draw: st.DrawFn) -> Identifier:
    last, first = draw(st.sampled_from(PATIENTS))
    cut = draw(st.integers(1, len(last) - 1))
    return Identifier(f"{first} {last[:cut]}\u200b{last[cut:]}", names=(last,))


@pytest.mark.parametrize("carrier", ["subject", "X-Patient", "To display name", "Content-Description", "body text"])
@FAST
@given(identifier=st.one_of(unicode_numbers(), hidden_names()))
def test_unicode_variants_are_no_way_out(carrier: str, identifier: Identifier) -> None:
    raw = CARRIERS[carrier](identifier.written)
    for output in protected_outputs(raw):
        assert_nothing_in_clear(output, niss=identifier.niss, names=identifier.names)


@pytest.mark.parametrize("carrier", ["subject", "PDF file name", "X-Patient"])
@FAST
@given(compact=niss_numbers(), glue=st.sampled_from(("NISS{}", "{}a", "Dupont{}")))
def test_glued_numbers_are_no_way_out(carrier: str, compact: str, glue: str) -> None:
    raw = CARRIERS[carrier](glue.format(compact))
    for output in protected_outputs(raw):
        assert_nothing_in_clear(output, niss=[compact])


# --- document parts ----------------------------------------------------------------------------------------


def _docx(core_title: str) -> bytes:
    """A minimal DOCX whose only identifier is in ``docProps/core.xml`` (its title)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
            '"/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
            'document.main+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.'
            'openxmlformats-package.core-properties+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Resultats normaux</w:t></w:r></w:p></w:body>'
            "</w:document>",
        )
        archive.writestr(
            "docProps/core.xml",
            '<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.'
            'org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f"<dc:title>{core_title}</dc:title></cp:coreProperties>",
        )
    return buffer.getvalue()


def _attached(data: bytes, maintype: str, subtype: str, filename: str) -> bytes:
    mail = _base()
    mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return mail.as_bytes()


DOCUMENT_CARRIERS: dict[str, Callable[[str], bytes]] = {
    "DOCX docProps/core.xml": lambda text: _attached(
        _docx(text), "application", "vnd.openxmlformats-officedocument.wordprocessingml.document", "verslag.docx"
    ),
    "text file named .png": lambda text: _attached(f"Rapport {text}\n".encode(), "image", "png", "scan.png"),
    "text file starting with BM": lambda text: _attached(f"BM {text}\n".encode(), "application", "octet-stream",
                                                       "notes.bin"),
}


@pytest.mark.parametrize("carrier", sorted(DOCUMENT_CARRIERS))
@FAST
@given(identifier=identifiers())
def test_document_parts_are_no_way_out(carrier: str, identifier: Identifier) -> None:
    raw = DOCUMENT_CARRIERS[carrier](identifier.written)
    for output in protected_outputs(raw):
        assert_nothing_in_clear(output, niss=identifier.niss, names=identifier.names)


# --- protect never fails on a message: it protects or blocks with a reason ------------------------------------

TITLES = ("mevrouw", "Mme", "Madame", "Frau", "dhr.", "Mr", "Herr", "meneer", "Mevr.")
SURNAMES = ("Gérard", "Martin", "Thomas", "Simon", "Laurent", "Dupont", "Peeters", "Claes", "Jacobs", "Vandermeulen")


@st.composite
def arbitrary_messages(draw: st.DrawFn) -> Message:
    subject = " ".join(
        draw(st.lists(st.one_of(st.sampled_from(TITLES), st.sampled_from(SURNAMES), st.text(max_size=8)), max_size=6))
    )
    headers = draw(
        st.lists(st.tuples(st.sampled_from(("X-Note", "Comments", "Keywords", "Subject")), st.text(max_size=30)),
                 max_size=3)
    )
    attachments = draw(
        st.lists(
            st.builds(
                Attachment,
                st.text(max_size=20),
                st.sampled_from(("text/plain", "application/pdf", "image/png", "message/rfc822", "application/zip")),
                st.binary(max_size=200),
            ),
            max_size=2,
        )
    )
    from medseal.model import Header

    return Message(
        subject=subject,
        text_body=draw(st.one_of(st.none(), st.text(max_size=80))),
        attachments=tuple(attachments),
        sender="dr@cabinet-medical.be",
        to=(draw(st.sampled_from((RECIPIENT, "sophie.v@telenet.be", "a@chu.be"))),),
        headers=tuple(Header(name, value) for name, value in headers),
    )


@pytest.mark.parametrize("directory", [None, DIRECTORY], ids=["no directory", "directory"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(message=arbitrary_messages())
def test_protect_protects_or_blocks_never_raises(directory: object, message: Message) -> None:
    context = ScanContext(directory=DIRECTORY if directory is not None else None)
    result = protect_message(message, context, ProtectOptions(key=bytes(32), language="nl", dry_run=True))
    assert result.action in (Action.SEND, Action.APPLY, Action.BLOCK)
    if result.action is Action.BLOCK:
        assert result.reasons
    assert "core_failed" not in result.verdict.reasons, "an internal error, not a decision"


@pytest.mark.parametrize("directory", [None, DIRECTORY], ids=["no directory", "directory"])
def test_a_title_before_a_surname_that_is_also_a_first_name(directory: object) -> None:
    message = Message(subject="Doorverwijzing mevrouw Gérard", text_body="Beste", sender="dr@x.be", to=(RECIPIENT,))
    context = ScanContext(directory=DIRECTORY if directory is not None else None)
    result = protect_message(message, context, ProtectOptions(key=bytes(32), password="correct-horse-battery"))
    assert result.action is Action.APPLY
    (outgoing,) = result.outgoing
    assert "Gérard" not in outgoing.message.subject


def test_parse_sees_every_header_of_a_message() -> None:
    mail = _base()
    mail["X-Patient"] = "x"
    mail["Reply-To"] = '"Sophie Vandermeulen" <s@example.org>'
    names = [h.name for h in parse_message(mail.as_bytes()).headers]
    assert {"From", "From display name", "X-Patient", "Reply-To", "Reply-To display name", "Subject"} <= set(names)


def test_compose_change_set_removes_identifying_headers_and_display_names() -> None:
    import base64

    import jsonschema

    from medseal.service import protect, schema

    snapshot = {
        "version": 1,
        "subject": "Rendez-vous",
        "from": "dr@cabinet-medical.be",
        "to": ["Sophie Vandermeulen <someone@gmail.com>"],
        "body": {"text": "Bonjour", "html": None},
        "attachments": [],
        "headers": [{"name": "X-Patient", "value": "NISS 85.07.30-033.28"}],
    }
    settings = {
        "practiceKey": base64.b64encode(bytes(32)).decode(),
        "directoryCsv": "last_name,first_name\nVandermeulen,Sophie\n",
    }
    change_set = protect(snapshot, settings)
    jsonschema.validate(change_set, schema("changeset"))
    assert change_set["action"] == "apply"
    assert change_set["removeHeaders"] == ["X-Patient"]
    assert change_set["to"] == ["someone@gmail.com"]
    assert {f["where"] for f in change_set["findings"]} >= {"header"}
    jsonschema.validate(snapshot, schema("snapshot"))
