"""Structured identities become ``niss``, ``patient_name`` and ``birth_date`` findings at full confidence,
once per occurrence, with or without a directory; the directory still matches them and gives its keys."""

from __future__ import annotations

import datetime
from collections import Counter

import pytest
from fixtures.medical import kmehr
from fixtures.medical.cases import FORMATS, Case, Expected, cases, without_patient
from fixtures.medical.people import Patient
from hypothesis import assume, given

from medseal.detect.identities import identity_findings
from medseal.directory import Directory, Person
from medseal.extract.medical import read_medical
from medseal.model import Attachment, Finding, Identity, IdentityField, IdentityValue, Kind, Where
from medseal.scan import ScanContext, scan_attachment
from medseal.text import initials, mask_niss


def _scan(case_data: bytes, directory: Directory | None = None) -> list[Finding]:
    return scan_attachment(
        0, Attachment("piece-jointe.bin", "application/octet-stream", case_data), ScanContext(directory=directory)
    )


def _overlap(a: tuple[int, int] | None, b: tuple[int, int] | None) -> bool:
    return a is not None and b is not None and a[0] < b[1] and b[0] < a[1]


def _check_once_per_occurrence(case: Case, findings: list[Finding]) -> None:
    content = [f for f in findings if f.where is Where.ATTACHMENT]
    numbers = Counter(p.patient.niss for p in case.people if p.niss)
    assert Counter(f.clear for f in content if f.kind is Kind.NISS) == numbers
    births = Counter(p.patient.birth.isoformat() for p in case.people if p.birth and p.patient.birth)
    assert Counter(f.clear for f in content if f.kind is Kind.BIRTH_DATE) == births
    names = [f for f in content if f.kind is Kind.PATIENT_NAME]
    structural = [f for f in names if f.confidence == 1.0]
    expected = Counter(f"{p.patient.first} {' '.join(p.patient.family.split())}" for p in case.people)
    assert Counter(f.clear for f in structural) == expected
    for finding in structural:
        assert not [other for other in names if other is not finding and _overlap(other.span, finding.span)]
    for finding in content:
        if finding.kind in (Kind.NISS, Kind.BIRTH_DATE):
            assert finding.confidence == 1.0
        shown = str(finding.public())
        assert finding.kind is not Kind.NISS or (
            finding.clear not in shown and finding.masked == mask_niss(finding.clear)
        )
    assert Kind.UNREADABLE_ATTACHMENT not in {f.kind for f in findings}


def _clear_name(person: Expected) -> str:
    return f"{person.patient.first} {' '.join(person.patient.family.split())}"


def _own_key(person: Expected) -> str:
    """The key a file gives its person: the national number it holds, else the names."""
    if person.niss and person.patient.niss:
        return Person("", "", niss=person.patient.niss).patient_key
    return Person(" ".join(person.patient.family.split()), person.patient.first).patient_key


@given(cases())
def test_without_a_directory_every_identity_is_found_once(case: Case) -> None:
    findings = _scan(case.data)
    _check_once_per_occurrence(case, findings)
    for finding in findings:
        if finding.kind is Kind.NISS:
            assert finding.patient_key == f"niss:{finding.clear}"
        if finding.kind is Kind.PATIENT_NAME and finding.confidence == 1.0:
            keys = {_own_key(p) for p in case.people if finding.clear == _clear_name(p)}
            assert finding.patient_key in keys
            assert finding.masked == initials(finding.clear)


@given(cases())
def test_with_a_directory_findings_carry_the_directory_patients_keys(case: Case) -> None:
    families = [" ".join(p.patient.family.split()).lower() for p in case.people]
    assume(len(set(families)) == len(families))
    numbers = [p.patient.niss for p in case.people if p.patient.niss]
    assume(len(set(numbers)) == len(numbers))
    people = tuple(
        Person(
            p.patient.family, p.patient.first, niss=(p.patient.niss or "") if p.niss else "", birth_date=p.patient.birth
        )
        for p in case.people
    )
    directory = Directory(people)
    findings = _scan(case.data, directory)
    _check_once_per_occurrence(case, findings)
    keys = {person.patient_key for person in people}
    structural = [f for f in findings if f.confidence == 1.0 and f.kind in (Kind.NISS, Kind.PATIENT_NAME)]
    assert structural
    for finding in structural:
        assert finding.patient_key in keys
        assert "directory patient" in finding.detail


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_file_naming_no_one_is_still_protected(fmt: str) -> None:
    findings = _scan(without_patient(fmt))
    assert not [f for f in findings if f.kind in (Kind.NISS, Kind.BIRTH_DATE)]
    unreadable = [f for f in findings if f.kind is Kind.UNREADABLE_ATTACHMENT]
    assert len(unreadable) == 1 and "could not be read" in unreadable[0].detail


def _identity(*values: tuple[IdentityField, str]) -> Identity:
    return Identity(
        "patient",
        "test",
        tuple(IdentityValue(k, v, f"field {k}", (i * 20, i * 20 + len(v))) for i, (k, v) in enumerate(values)),
    )


def test_directory_match_by_name_or_by_birth_date_and_surname() -> None:
    marie = Person("Van den Berghe", "Marie", niss="85073003328")
    directory = Directory((marie, Person("Dupont", "Jean")))
    by_name = _identity((IdentityField.FAMILY_NAME, "VAN DEN BERGHE"), (IdentityField.GIVEN_NAME, "Marie"))
    by_birth = _identity((IdentityField.FAMILY_NAME, "Van den Berghe"), (IdentityField.BIRTH_DATE, "1985-07-30"))
    marie_born = Person("Van den Berghe", "Marie", niss="85073003328", birth_date=datetime.date(1985, 7, 30))
    assert {f.patient_key for f in identity_findings([by_name], directory=directory)} == {"niss:85073003328"}
    found = identity_findings([by_birth], directory=Directory((marie_born,)))
    assert {f.patient_key for f in found} == {"niss:85073003328"}
    stranger = _identity((IdentityField.FAMILY_NAME, "Peeters"), (IdentityField.GIVEN_NAME, "Jef"))
    (finding,) = identity_findings([stranger], directory=directory)
    assert finding.patient_key == Person("Peeters", "Jef").patient_key
    assert "directory" not in finding.detail and finding.confidence == 1.0


def test_only_a_given_name_is_one_finding_and_no_key() -> None:
    (finding,) = identity_findings([_identity((IdentityField.GIVEN_NAME, "Marie"))])
    assert finding.kind is Kind.PATIENT_NAME and finding.clear == "Marie" and finding.patient_key == ""


def test_identity_findings_of_a_real_document_keep_their_spans() -> None:
    document = read_medical(
        b"MSH|^~\\&|A|B|||20240101||ADT^A08|1|P|2.5\rPID|1||85073003328^^^BE^NN||DUPONT^MARIE||19850730|F\r"
    )
    assert document is not None
    for finding in identity_findings(document.identities):
        assert finding.span is not None
        written = document.text[finding.span[0] : finding.span[1]]
        assert written in (finding.clear, "DUPONT", "19850730")


def test_a_number_in_free_text_is_kept_beside_the_structured_one() -> None:
    patient = Patient("Dupont", ("Marie",), "85073003328", datetime.date(1985, 7, 30))
    data = kmehr.kmehr([patient]).replace(
        "Hypertension artérielle".encode(), "Voir aussi le fils, NISS 17072900149, même adresse".encode()
    )
    numbers = [f for f in _scan(data) if f.kind is Kind.NISS]
    assert sorted((f.clear, f.confidence) for f in numbers) == [("17072900149", 0.97), ("85073003328", 1.0)]
