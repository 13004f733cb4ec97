"""Medidoc, the line-based format in which Belgian labs have long sent results to GPs (``.lab``, ``.txt``).

A file starts with the lab's header (its INAMI/RIZIV number ``1/23456/78/901``, name, address, phone, the
date, the doctor's number and name), then one block per patient report::

    #A85073003328                 (the patient's national number or the lab's reference, may be empty)
    DUPONT                  MARIE (surname in 24 columns, then the first name in 16)
    19850730                      (birth date: YYYYMMDD; many labs write DDMMYYYY, some YYMMDD)
    X                             (sex: X female, Y male, Z unknown)
    20240105                      (date of the request)
    12345678901234                (the lab's reference)
    C                             (protocol code: P partial, C complete, S, L)
    Rue Haute 1                   (optional: the patient's street, then postal code and city)
    1000   Bruxelles
    #Rb                           (results: #Ra numeric, #Rb text...) ... #R/
    #A/                           (end of the patient block)
    #/                            (end of file)

A common variant puts the address (street, postal code and city, then the national number) between the name
and the birth date: when the line after the name is not a date, the birth date is the fifth line after it.
"""

from __future__ import annotations

import re

from medseal.extract.medical._build import SEXES, PersonBuilder, lab_birth_date, national_number
from medseal.model import Identity, IdentityField, MedicalDocument

FORMAT = "Medidoc"
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")
_PATIENT = re.compile(r"#A(?!/)")
_RESULTS = re.compile(r"#R[A-Za-z]*\s*$")
_END = re.compile(r"#A/\s*$|#/")
_BLOCK_FOLLOWS = re.compile(r"^(?:#R[A-Za-z]*\s*$|#A/)", re.MULTILINE)
_LAB_NUMBER = re.compile(r"\ufeff?[ \t]*[0-9]/[0-9]{5}/[0-9]{2}/[0-9]{3}[ \t]*\r?\n")
_FILE_ENDS = re.compile(r"^(?:#R[A-Za-z]*|#/)\s*$", re.MULTILINE)
_NAME_WIDTH = 24
_STANDARD_BIRTH_LINE = re.compile(r"\s*[0-9%]*\s*$")  # a date (or nothing) right after the name
_MAX_HEADER = 12  # lines between ``#A`` and the first result block


def _lines(text: str) -> list[tuple[int, str]]:
    """(offset, line without its end) for every line of ``text``."""
    out = []
    for match in _LINE.finditer(text):
        if match.start() == len(text) and match.start() > 0:
            break
        out.append((match.start(), match.group().rstrip("\r\n")))
    return out


def is_medidoc(text: str) -> bool:
    """A ``#A`` patient line and, after it, a ``#R`` results line or the ``#A/`` end of block; or the lab's
    INAMI number on the first line and a ``#R`` results line or the ``#/`` end of file."""
    patient = re.search(r"^#A(?!/)", text, re.MULTILINE)
    if patient is not None and _BLOCK_FOLLOWS.search(text, patient.end()) is not None:
        return True
    return _LAB_NUMBER.match(text) is not None and _FILE_ENDS.search(text) is not None


def _span(offset: int, line: str, start: int, end: int) -> tuple[tuple[int, int], str] | None:
    value = line[start:end]
    stripped = value.strip()
    if not stripped:
        return None
    lead = len(value) - len(value.lstrip())
    return (offset + start + lead, offset + start + lead + len(stripped)), stripped


def _block(lines: list[tuple[int, str]], start: int) -> Identity | None:
    person = PersonBuilder("patient", "Medidoc #A block")
    offset, line = lines[start]
    if (found := _span(offset, line, 2, len(line))) is not None:
        number = national_number(found[1])
        if number is not None:
            person.add(IdentityField.NISS, number, "Medidoc #A line", found[0])
    header = []
    for offset, line in lines[start + 1 : start + 1 + _MAX_HEADER]:
        if line.startswith("#"):
            break
        header.append((offset, line))
    if header:
        offset, line = header[0]
        if (family := _span(offset, line, 0, _NAME_WIDTH)) is not None:
            person.add(IdentityField.FAMILY_NAME, family[1], "Medidoc name line (columns 1-24)", family[0])
        if (given := _span(offset, line, _NAME_WIDTH, len(line))) is not None:
            person.add(IdentityField.GIVEN_NAME, given[1], "Medidoc name line (columns 25-40)", given[0])
    standard = len(header) > 1 and _STANDARD_BIRTH_LINE.match(header[1][1]) is not None
    birth_index = 1 if standard else 4  # the variant: street, postal code and city, number, then the date
    if not standard:
        for offset, line in header[1:4]:
            if (found := _span(offset, line, 0, len(line))) is None:
                continue
            if (number := national_number(found[1])) is not None:
                person.add(IdentityField.NISS, number, "Medidoc patient number line", found[0])
            else:
                person.add(IdentityField.ADDRESS, found[1], "Medidoc address line", None)
    if len(header) > birth_index:
        offset, line = header[birth_index]
        found = _span(offset, line, 0, len(line))
        if found is not None and (iso := lab_birth_date(found[1])) is not None:
            person.add(IdentityField.BIRTH_DATE, iso, "Medidoc birth date line", found[0])
    if len(header) > birth_index + 1:
        sex = header[birth_index + 1][1].strip().lower()
        if sex in ("x", "y", "z"):
            person.add(IdentityField.SEX, SEXES.get(sex, "unknown"), "Medidoc sex line", None)
    address = [line.strip() for _, line in header[birth_index + 5 :] if line.strip()] if standard else []
    if address:
        person.add(IdentityField.ADDRESS, " ".join(address), "Medidoc address lines", None)
    return person.identity()


def read_medidoc(text: str) -> MedicalDocument:
    lines = _lines(text)
    identities = []
    for index, (_, line) in enumerate(lines):
        if _PATIENT.match(line) and (identity := _block(lines, index)) is not None:
            identities.append(identity)
    return MedicalDocument(FORMAT, text, tuple(identities))
