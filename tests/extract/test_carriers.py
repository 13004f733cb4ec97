"""Every carrier of every format is read: a national number and a surname placed only there are in the
extracted text, a scan finds the number, and ``protect`` leaves neither readable by an interceptor."""

from __future__ import annotations

import email.message
import email.policy

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from interceptor import assert_nothing_in_clear
from strategies import niss_numbers

from medseal.detect.niss import find_niss
from medseal.directory import parse_directory
from medseal.extract import extract_text
from medseal.model import Attachment, Kind, Message, Where
from medseal.policy import assess
from medseal.protect import ProtectOptions
from medseal.scan import ScanContext
from medseal_cli.protect_command import protect_bytes

from .carriers import CARRIERS

NISS = "85073003328"
SURNAME = "Vandermeersch"
KEY = bytes(range(32))
#: carriers that store the number as a number: a leading zero would be lost, as in the spreadsheet itself
NUMERIC = frozenset({"xlsx-number-cell", "xlsx-number-exponent", "xlsx-pivot-cache", "ods-float-cell"})
#: carriers that protect still leaves readable (not an extraction gap: the scan finds them, see below)
PROTECT_GAPS: frozenset[str] = frozenset()


def _message(name: str, niss: str, surname: str) -> Message:
    return Message(
        subject="Document",
        text_body="Bonjour, voici le document.\n",
        attachments=(CARRIERS[name](niss, surname),),
        sender="dr@cabinet.example",
        to=("patient@gmail.com",),
    )


@pytest.mark.parametrize("carrier", sorted(CARRIERS))
def test_carrier_is_read(carrier: str) -> None:
    attachment = CARRIERS[carrier](NISS, SURNAME)
    text = extract_text(attachment)
    assert NISS in text.replace(" ", "")
    assert SURNAME in text


@pytest.mark.parametrize("carrier", sorted(CARRIERS))
def test_carrier_is_scanned(carrier: str) -> None:
    verdict = assess(_message(carrier, NISS, SURNAME), ScanContext())
    assert Kind.NISS in {f.kind for f in verdict.findings if f.where is Where.ATTACHMENT}


@pytest.mark.parametrize("carrier", sorted(CARRIERS))
def test_clean_carrier_stays_clean(carrier: str) -> None:
    """The same documents with a neutral word and number in the carrier: nothing found, nothing unreadable."""
    verdict = assess(_message(carrier, "12345", "Consultation"), ScanContext())
    assert [f.kind.value for f in verdict.findings if f.where in (Where.ATTACHMENT, Where.ATTACHMENT_NAME)] == []


def _raw(message: Message) -> bytes:
    mail = email.message.EmailMessage(policy=email.policy.SMTP)
    mail["From"] = message.sender
    mail["To"] = ", ".join(message.to)
    mail["Subject"] = message.subject
    mail.set_content(message.text_body or "")
    for item in message.attachments:
        maintype, _, subtype = item.content_type.partition("/")
        mail.add_attachment(item.data, maintype=maintype, subtype=subtype, filename=item.filename)
    return mail.as_bytes()


def _valid(niss: str) -> bool:
    return bool(find_niss(niss, Where.BODY))


def _protected(carrier: str, niss: str, surname: str) -> list[bytes]:
    context = ScanContext(directory=parse_directory(f"last_name,first_name,niss\n{surname},Marie,{niss}\n"))
    raw = _raw(_message(carrier, niss, surname))
    _, outputs = protect_bytes(raw, context, ProtectOptions(key=KEY, language="fr", password="correct-horse-battery"))
    assert outputs
    return outputs


@pytest.mark.pyodide_incompatible("protect_bytes builds S/MIME-capable output through the CLI")
def test_protect_gap_pdf_name_objects() -> None:
    """Name objects are not encrypted by PDF encryption: such a PDF travels inside message.pdf instead."""
    for output in _protected("pdf-info-custom-key", NISS, SURNAME):
        assert_nothing_in_clear(output, niss=[NISS], names=[SURNAME])


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    carrier=st.sampled_from(sorted(set(CARRIERS) - PROTECT_GAPS)),
    niss=niss_numbers(),
    surname=st.sampled_from(["Vandermeersch", "Dewulf", "Lambrechts", "Wauters", "Goossens", "Kowalski"]),
)
@pytest.mark.pyodide_incompatible("protect_bytes builds S/MIME-capable output through the CLI")
def test_protect_leaves_nothing_in_clear(carrier: str, niss: str, surname: str) -> None:
    assume(_valid(niss) and (carrier not in NUMERIC or niss[0] != "0"))
    for output in _protected(carrier, niss, surname):
        assert_nothing_in_clear(output, niss=[niss], names=[surname])


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(carrier=st.sampled_from(sorted(CARRIERS)), niss=niss_numbers())
def test_any_number_in_any_carrier_is_found(carrier: str, niss: str) -> None:
    assume(_valid(niss) and (carrier not in NUMERIC or niss[0] != "0"))
    verdict = assess(_message(carrier, niss, "Dewulf"), ScanContext())
    assert Kind.NISS in {f.kind for f in verdict.findings}


@pytest.mark.parametrize("ctype", ["application/pkcs7-mime", "application/pgp-encrypted"])
def test_a_text_labelled_encrypted_is_scanned(ctype: str) -> None:
    message = Message(
        subject="Document",
        text_body="x",
        attachments=(Attachment("smime.p7m", ctype, f"Patient {SURNAME} {NISS}".encode()),),
        sender="dr@cabinet.example",
        to=("patient@gmail.com",),
    )
    assert Kind.NISS in {f.kind for f in assess(message, ScanContext()).findings}
