"""A structured medical file gives the same findings whatever it is called and declared as, alone or inside
a zip archive, and through the Outlook server's entry point (``medseal.service``)."""

from __future__ import annotations

import base64
import io
import zipfile

from fixtures.medical.cases import Case, cases
from hypothesis import given
from hypothesis import strategies as st

from medseal import service
from medseal.model import Attachment, Finding, Kind, Where
from medseal.scan import ScanContext, scan_attachment

EXTENSIONS = ("", ".txt", ".xml", ".hl7", ".lab", ".hlt", ".dcm", ".json", ".pdf", ".docx", ".jpg", ".zip",
              ".eml", ".bin", ".kmehr", ".csv", ".html", ".TXT")  # fmt: skip
CONTENT_TYPES = ("application/octet-stream", "text/plain", "text/xml", "application/json", "application/dicom",
                 "application/hl7-v2", "application/pdf", "image/jpeg", "message/rfc822", "text/html",
                 "application/zip", "")  # fmt: skip


def _view(findings: list[Finding]) -> list[tuple[object, ...]]:
    return [(f.kind, f.span, f.masked, f.confidence, f.detail, f.patient_key) for f in findings
            if f.where is Where.ATTACHMENT]  # fmt: skip


@given(cases(), st.text("abcdefghijklmnopqrstuvwxyz_-", min_size=1, max_size=12), st.sampled_from(EXTENSIONS),
       st.sampled_from(CONTENT_TYPES))  # fmt: skip
def test_same_findings_whatever_the_name_and_declared_type(case: Case, stem: str, ext: str, ctype: str) -> None:
    baseline = scan_attachment(0, Attachment("document", "application/octet-stream", case.data), ScanContext())
    named = scan_attachment(0, Attachment(stem + ext, ctype, case.data), ScanContext())
    assert _view(named) == _view(baseline)
    assert any(f.confidence == 1.0 and f.kind is Kind.PATIENT_NAME for f in baseline)


@given(cases())
def test_a_medical_file_inside_a_zip_is_read_as_structure(case: Case) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "Résultats en annexe.")
        archive.writestr("dossier/patient.dat", case.data)
    findings = scan_attachment(0, Attachment("envoi.zip", "application/zip", buffer.getvalue()), ScanContext())
    alone = scan_attachment(0, Attachment("patient.dat", "", case.data), ScanContext())
    structural = [(f.kind, f.clear, f.detail) for f in findings if f.confidence == 1.0]
    assert structural == [(f.kind, f.clear, f.detail) for f in alone if f.confidence == 1.0]


@given(cases())
def test_outlook_server_entry_point_reports_the_structured_identities(case: Case) -> None:
    snapshot = {
        "version": 1, "subject": "Résultats", "from": "dr@cabinet.be", "to": ["someone@hotmail.com"], "cc": [],
        "bcc": [], "body": {"text": "Bonjour, ci-joint.", "html": None}, "language": "fr",
        "attachments": [{"id": "a1", "name": "resultat.txt", "contentType": "text/plain",
                         "dataBase64": base64.b64encode(case.data).decode()}],
    }  # fmt: skip
    change = service.analyse(snapshot, {"practiceKey": base64.b64encode(bytes(range(32))).decode()})
    names = [f for f in change["findings"] if f["kind"] == "patient_name" and f["confidence"] == 1.0]
    assert len(names) == len(case.people)
    assert change["action"] == "apply" and change["encryption"] == "pdf-password"
    shown = str(change)
    for person in case.people:
        assert person.patient.niss is None or person.patient.niss not in shown
