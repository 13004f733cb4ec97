"""Every reader finds every person of a generated file, each value once, in the field made for it, with a
span that points at the value as written in the document's text."""

from __future__ import annotations

from collections import Counter

import pytest
from fixtures.medical.cases import FORMAT_NAMES, FORMATS, Case, Expected, cases, without_patient
from hypothesis import given

from medseal.extract.medical import read_medical
from medseal.model import Identity, IdentityField


def _signature(identity: Identity) -> tuple[str, tuple[str, ...], str, tuple[str, ...], tuple[str, ...]]:
    values = [v.value for v in identity.get(IdentityField.GIVEN_NAME)]
    return (
        identity.role,
        tuple(v.value for v in identity.get(IdentityField.FAMILY_NAME)),
        " ".join(values),
        tuple(v.value for v in identity.get(IdentityField.NISS)),
        tuple(v.value for v in identity.get(IdentityField.BIRTH_DATE)),
    )


def _expected(person: Expected) -> tuple[str, tuple[str, ...], str, tuple[str, ...], tuple[str, ...]]:
    patient = person.patient
    return (
        person.role,
        (patient.family,),
        patient.first,
        (patient.niss,) if person.niss and patient.niss else (),
        (patient.birth.isoformat(),) if person.birth and patient.birth else (),
    )


_IDENTIFYING = (IdentityField.NISS, IdentityField.FAMILY_NAME, IdentityField.GIVEN_NAME, IdentityField.BIRTH_DATE)


@given(cases())
def test_every_person_and_field_is_read_once(case: Case) -> None:
    document = read_medical(case.data)
    assert document is not None
    assert document.format == FORMAT_NAMES[case.format]
    assert Counter(map(_signature, document.identities)) == Counter(map(_expected, case.people))
    for identity in document.identities:
        for value in identity.values:
            if value.kind not in _IDENTIFYING:
                continue
            assert value.span is not None
            written = document.text[value.span[0] : value.span[1]]
            if value.kind is IdentityField.BIRTH_DATE:
                year, month, day = value.value.split("-")
                assert written.replace("-", "") in {f"{year}{month}{day}", f"{day}{month}{year}"}
            else:
                assert written == value.value


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_file_without_a_patient_names_no_one(fmt: str) -> None:
    document = read_medical(without_patient(fmt))
    assert document is not None and document.format == FORMAT_NAMES[fmt]
    assert not [
        v
        for i in document.identities
        for v in i.values
        if v.kind in (IdentityField.NISS, IdentityField.FAMILY_NAME, IdentityField.GIVEN_NAME, IdentityField.BIRTH_DATE)
    ]


@given(cases())
def test_values_never_show_in_repr(case: Case) -> None:
    document = read_medical(case.data)
    assert document is not None
    shown = repr(document)
    for person in case.people:
        assert person.patient.family not in shown
        if person.patient.niss:
            assert person.patient.niss not in shown
