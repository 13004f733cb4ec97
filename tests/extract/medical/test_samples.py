"""Real public samples (origin and licence in ``tests/fixtures/medical/samples/README.md``) read as structure."""

from __future__ import annotations

import json
from pathlib import Path

from medseal.extract.medical import read_medical
from medseal.model import Attachment, IdentityField, Kind, MedicalDocument
from medseal.scan import ScanContext, scan_attachment

SAMPLES = Path(__file__).parents[2] / "fixtures" / "medical" / "samples"


def _read(name: str) -> MedicalDocument:
    document = read_medical((SAMPLES / name).read_bytes())
    assert document is not None
    return document


def _names(document: MedicalDocument) -> list[tuple[str, str, str]]:
    return [
        (i.role, " ".join(v.value for v in i.get(IdentityField.GIVEN_NAME)),
         " ".join(v.value for v in i.get(IdentityField.FAMILY_NAME)))
        for i in document.identities
    ]  # fmt: skip


def _scan(name: str) -> list[Kind]:
    data = (SAMPLES / name).read_bytes()
    return [f.kind for f in scan_attachment(0, Attachment(name + ".txt", "text/plain", data), ScanContext())]


def test_vitalink_medication_scheme_names_its_patient_not_the_physician() -> None:
    document = _read("kmehr-vitalink-medication-scheme.xml")
    assert document.format == "KMEHR"
    assert _names(document) == [("patient", "Donald", "Duck")]
    assert not document.identities[0].get(IdentityField.NISS)  # XXXXXXXXXXX
    assert [v.value for v in document.identities[0].get(IdentityField.SEX)] == ["male"]
    assert _scan("kmehr-vitalink-medication-scheme.xml").count(Kind.PATIENT_NAME) >= 1


def test_pcdh_answer_without_names_or_valid_number_is_still_protected() -> None:
    document = _read("pcdh-getdata-excerpt.xml")
    assert document.format == "KMEHR" and document.identities == ()
    assert "medicationhistory" in document.text
    assert Kind.UNREADABLE_ATTACHMENT in _scan("pcdh-getdata-excerpt.xml")


def test_hl7_normative_edition_sample() -> None:
    document = _read("hl7-oru-everywoman.hl7")
    assert document.format == "HL7 v2"
    assert _names(document) == [("patient", "EVE E", "EVERYWOMAN")]
    assert not document.identities[0].get(IdentityField.BIRTH_DATE)  # 196203520 is not a date
    assert "GLUCOSE" in document.text


def test_hl7_batch_sample() -> None:
    document = _read("hl7-batch-vinah.hl7")
    assert _names(document) == [("patient", "", "XXXXXXXXXX")]
    assert "RICHMOND" in document.text and "abchs20070101123401.hl7" in document.text


def test_belgian_referral_names_its_patient_only_by_reference() -> None:
    data = (SAMPLES / "fhir-be-referral-servicerequest.json").read_bytes()
    json.loads(data)
    document = _read("fhir-be-referral-servicerequest.json")
    assert document.format == "FHIR" and document.identities == ()  # 99999999999 is not a valid number
    assert "Patient cannot move" in document.text
    assert Kind.UNREADABLE_ATTACHMENT in _scan("fhir-be-referral-servicerequest.json")
    valid = data.replace(b"99999999999", b"85073003328")
    found = [f for f in scan_attachment(0, Attachment("x", "", valid), ScanContext()) if f.kind is Kind.NISS]
    assert [(f.confidence, f.detail) for f in found] == [
        (1.0, "national number in FHIR reference identifier (SSIN) (the patient)")
    ]
