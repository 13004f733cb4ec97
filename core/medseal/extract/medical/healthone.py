"""HealthOne, the lab result format of the HealthOne/Corilus software (``.hlt``, ``.lab``, ``.txt``): one
record a line, fields separated by backslashes, each record tagged and carrying the request's reference::

    A1\\<ref>\\<lab>\\                                  the lab
    A2\\<ref>\\DUPONT\\MARIE\\V\\30071985\\              the patient: surname, first name, sex (M, V/F),
                                                     birth date (DDMMYYYY, DDMMYY or DD/MM/YYYY)
    A3\\<ref>\\Rue Haute 1\\1000\\Bruxelles\\            the patient's address
    A4\\<ref>\\<doctor>\\05012024\\\\C\\                 the request: doctor, date, complete or partial
    A5\\<ref>\\\\85073003328\\\\\\\\                     the patient's national number (4th or 5th field)
    L1\\<ref>\\<code>\\<test>\\<reference range>\\<unit>\\<flag>\\<value>\\    a result
    L5\\<ref>\\DIVER\\\\\\\\\\<free text>\\              a text line of the report

Some labs write the records with a numeric prefix (``0001123456 S2\\...``: ``S1`` to ``S5`` standing for
``A1`` to ``A5``, ``S4`` holding the birth date and sex).
"""

from __future__ import annotations

import re

from medseal.extract.medical._build import SEXES, PersonBuilder, birth_date, national_number
from medseal.extract.medical.medidoc import _lines
from medseal.model import Identity, IdentityField, MedicalDocument

FORMAT = "HealthOne"
_RECORD = re.compile(r"\s*(?:[0-9]{4}(?P<ref>[0-9]+)\s+(?P<s>S[1-5])\\?|(?P<a>A[1-5]|L[1-5])\\)")
_NEXT_RECORD = re.compile(r"^(?:A[2-5]\\|L[1-5]\\|\s*[0-9]{5,}\s+S[2-5])", re.MULTILINE)
_PREFIXED = {"S1": "A1", "S2": "A2", "S3": "A3", "S4": "S4", "S5": "A4"}


def is_healthone(text: str) -> bool:
    """The first non-blank line is an ``A1\\`` (or ``S1``) lab record and another record follows."""
    body = text.lstrip("\ufeff \t\r\n")
    match = _RECORD.match(body[:400])
    if match is None or (match.group("a") or match.group("s")) not in ("A1", "S1"):
        return False
    return _NEXT_RECORD.search(body, match.end()) is not None


def _fields(offset: int, line: str, match: re.Match[str]) -> list[tuple[tuple[int, int] | None, str]]:
    """(span, value) for each backslash-separated field after the record tag (field 1 is the reference)."""
    out: list[tuple[tuple[int, int] | None, str]] = []
    pos = match.end()
    for piece in line[pos:].split("\\"):
        stripped = piece.strip()
        start = offset + pos + (len(piece) - len(piece.lstrip()))
        out.append(((start, start + len(stripped)) if stripped else None, stripped))
        pos += len(piece) + 1
    return out


def read_healthone(text: str) -> MedicalDocument:
    people: dict[str, PersonBuilder] = {}
    for offset, line in _lines(text):
        match = _RECORD.match(line)
        if match is None:
            continue
        tag = match.group("a") or _PREFIXED[match.group("s")]
        fields = _fields(offset, line, match)
        if match.group("ref"):  # the prefixed variant: the reference is in the prefix
            fields = [(None, match.group("ref")), *fields]
        if tag not in ("A2", "A3", "A5", "S4") or not fields:
            continue
        reference = fields[0][1]
        person = people.setdefault(reference, PersonBuilder("patient", "HealthOne patient records"))
        fields += [(None, "")] * (6 - len(fields))

        def field(
            index: int, fields: list[tuple[tuple[int, int] | None, str]] = fields
        ) -> tuple[tuple[int, int] | None, str]:
            return fields[index]

        if tag == "A2":
            (family_span, family), (given_span, given) = field(1), field(2)
            person.add(IdentityField.FAMILY_NAME, family, "HealthOne A2 surname", family_span)
            person.add(IdentityField.GIVEN_NAME, given, "HealthOne A2 first name", given_span)
            _sex(person, field(3)[1], "A2")
            _born(person, field(4), "A2")
        elif tag == "S4":
            _born(person, field(1), "S4")
            _sex(person, field(2)[1], "S4")
        elif tag == "A3":
            address = " ".join(value for _, value in fields[1:4] if value)
            person.add(IdentityField.ADDRESS, address, "HealthOne A3 address", None)
        else:
            for span, value in fields[1:5]:
                if (number := national_number(value)) is not None:
                    person.add(IdentityField.NISS, number, "HealthOne A5 national number", span)
    identities: list[Identity] = [i for p in people.values() if (i := p.identity()) is not None]
    return MedicalDocument(FORMAT, text, tuple(identities))


def _sex(person: PersonBuilder, value: str, tag: str) -> None:
    if value:
        person.add(IdentityField.SEX, SEXES.get(value[:1].lower(), value), f"HealthOne {tag} sex", None)


def _born(person: PersonBuilder, found: tuple[tuple[int, int] | None, str], tag: str) -> None:
    span, value = found
    if (iso := birth_date(value, day_first=True)) is not None:
        person.add(IdentityField.BIRTH_DATE, iso, f"HealthOne {tag} birth date", span)
