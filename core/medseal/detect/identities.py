"""Identities read from the fields of structured medical files (KMEHR, HL7 v2, FHIR, Medidoc, HealthOne,
DICOM), turned into findings: ``niss``, ``patient_name`` and ``birth_date``.

A value in a field made for it needs no guessing: every finding has full confidence, with or without a
directory. With one, the identity is matched to a directory patient (same national number; else same surname
and first name; else same surname and birth date) and its findings carry that patient's key, as the
directory matches of :mod:`medseal.detect.names` do, so that one patient gets one pseudonym. Without a
match, keys are built by :attr:`medseal.directory.Person.patient_key`, the one definition of the format
(``niss:<11 digits>``, ``name:<surname>|<first names>``), as the other detectors do.

One finding per occurrence: a national number and a birth date give one finding per field they are read
from; a name gives one finding per surname (with the person's first names), or one for the first names
when there is no surname. The document's text is also scanned by the ordinary detectors; a text finding of
the same kind whose span overlaps a structured value's span is the same occurrence and is dropped (the
structured finding is the better one); text findings elsewhere (a number in a free-text note) stay.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from medseal.directory import Directory, Person
from medseal.model import (
    IDENTIFIER_KINDS,
    Finding,
    Identity,
    IdentityField,
    IdentityValue,
    Kind,
    MedicalDocument,
    Where,
)
from medseal.text import fold, initials, mask_date, mask_niss

__all__ = ["document_findings", "identity_findings"]

_KIND_OF_FIELD = {
    IdentityField.NISS: Kind.NISS,
    IdentityField.FAMILY_NAME: Kind.PATIENT_NAME,
    IdentityField.GIVEN_NAME: Kind.PATIENT_NAME,
    IdentityField.BIRTH_DATE: Kind.BIRTH_DATE,
}
_ROLES = {"patient": "the patient", "next_of_kin": "a next of kin", "person": "a person"}


def _norm(name: str) -> str:
    return " ".join(fold(name).replace("-", " ").split())


def _directory_patient(identity: Identity, directory: Directory | None) -> Person | None:
    if directory is None:
        return None
    numbers = {v.value for v in identity.get(IdentityField.NISS)}
    families = {_norm(v.value) for v in identity.get(IdentityField.FAMILY_NAME)}
    given = [_norm(v.value) for v in identity.get(IdentityField.GIVEN_NAME)]
    firsts = set(given) | {" ".join(given)}
    births = {v.value for v in identity.get(IdentityField.BIRTH_DATE)}
    patients = directory.patients
    by_number = [p for p in patients if p.niss and p.niss in numbers]
    by_name = [p for p in patients if _norm(p.last_name) in families and _norm(p.first_name) in firsts]
    by_birth = [
        p for p in patients if p.birth_date and p.birth_date.isoformat() in births and _norm(p.last_name) in families
    ]
    for found in (by_number, by_name, by_birth):
        if found:
            return found[0]
    return None


def _key(identity: Identity, person: Person | None) -> str:
    """The identity's patient key: the directory patient's, else the one the identity would have as a
    directory row (its national number when it has one, else its names): one patient, one pseudonym."""
    if person is not None:
        return person.patient_key
    given = " ".join(v.value for v in identity.get(IdentityField.GIVEN_NAME))
    families = identity.get(IdentityField.FAMILY_NAME)
    numbers = identity.get(IdentityField.NISS)
    if numbers:
        return Person("", "", niss=numbers[0].value).patient_key
    return Person(families[0].value, given).patient_key if families else ""


def _finding(
    kind: Kind, value: IdentityValue, clear: str, masked: str, detail: str, key: str, part: int | None, where: Where
) -> Finding:
    return Finding(
        kind=kind,
        where=where,
        span=value.span,
        confidence=1.0,
        masked=masked,
        detail=detail,
        part=part,
        clear=clear,
        patient_key=key,
    )


def identity_findings(
    identities: Iterable[Identity],
    where: Where = Where.ATTACHMENT,
    part: int | None = None,
    directory: Directory | None = None,
) -> list[Finding]:
    """The findings of structured identities, one per occurrence (see the module's docstring)."""
    findings: list[Finding] = []
    for identity in identities:
        person = _directory_patient(identity, directory)
        key = _key(identity, person)
        about = f"{_ROLES.get(identity.role, 'a person')}{', directory patient' if person is not None else ''}"
        for value in identity.get(IdentityField.NISS):
            detail = f"national number in {value.source} ({about})"
            findings.append(_finding(Kind.NISS, value, value.value, mask_niss(value.value), detail, key, part, where))
        families = identity.get(IdentityField.FAMILY_NAME)
        given = identity.get(IdentityField.GIVEN_NAME)
        first = " ".join(v.value for v in given)
        for value in families or given[:1]:
            clear = f"{first} {value.value}".strip() if families else first
            detail = f"name in {value.source} ({about})"
            findings.append(_finding(Kind.PATIENT_NAME, value, clear, initials(clear), detail, key, part, where))
        for value in identity.get(IdentityField.BIRTH_DATE):
            detail = f"birth date in {value.source} ({about})"
            findings.append(
                _finding(Kind.BIRTH_DATE, value, value.value, mask_date(value.value), detail, key, part, where)
            )
    return findings


def _overlaps(span: tuple[int, int] | None, spans: Sequence[tuple[int, int]]) -> bool:
    return span is not None and any(span[0] < end and start < span[1] for start, end in spans)


def document_findings(
    documents: Sequence[MedicalDocument],
    text_findings: Sequence[Finding],
    part: int | None = None,
    directory: Directory | None = None,
) -> tuple[list[Finding], list[str]]:
    """The findings of an attachment's text merged with those of its medical documents' identities, each
    occurrence once, in text order; and the formats of the documents that named no one (health data all
    the same: the caller reports them unreadable, so that they are protected)."""
    structural: list[Finding] = []
    unnamed: list[str] = []
    spans: dict[Kind, list[tuple[int, int]]] = {kind: [] for kind in IDENTIFIER_KINDS}
    for document in documents:
        found = identity_findings(document.identities, Where.ATTACHMENT, part, directory)
        if not found:
            unnamed.append(document.format)
        structural += found
        for identity in document.identities:
            for value in identity.values:
                kind = _KIND_OF_FIELD.get(value.kind)
                if kind is not None and value.span is not None:
                    spans[kind].append(value.span)
    kept = [f for f in text_findings if f.kind not in spans or not _overlaps(f.span, spans[f.kind])]
    merged = sorted(structural + kept, key=lambda f: f.span or (0, 0))
    return merged, unnamed
