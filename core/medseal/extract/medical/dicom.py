"""DICOM files (``application/dicom``, ``.dcm``): a 128-byte preamble, the ``DICM`` magic, then data elements.
Read with pydicom, headers only (``stop_before_pixels``: the image is never decoded).

Identities: the patient module, ``PatientName`` (0010,0010; ``Family^Given^Middle^Prefix^Suffix``),
``PatientID`` (0010,0020) and ``OtherPatientIDs`` (0010,1000) / ``OtherPatientIDsSequence`` (0010,1002)
when they are valid national or BIS numbers, ``PatientBirthDate`` (0010,0030), ``PatientSex``,
``OtherPatientNames`` (0010,1001), ``PatientAddress`` (0010,1040), ``PatientTelephoneNumbers`` (0010,2154).
The text is every textual element of the header, nested sequences included, as ``Keyword: value`` lines.
An image's pixels may carry burned-in names that cannot be read: the file counts as health data anyway.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterator
from typing import Any

from medseal.errors import UnreadableAttachment
from medseal.extract.medical._build import (
    SEXES,
    PersonBuilder,
    TextBuilder,
    birth_date,
    national_number,
    quiet_loggers,
)
from medseal.model import IdentityField, MedicalDocument

FORMAT = "DICOM"
_TEXT_VRS = frozenset(
    {"AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH", "ST", "TM", "UC", "UI", "UR", "UT"}
)
_IDS = ("PatientID", "OtherPatientIDs")
_UID = re.compile(r"[0-9]+(?:\.[0-9]+)+")


def is_dicom(data: bytes) -> bool:
    return data[128:132] == b"DICM"


def _values(element: Any) -> list[str]:
    value = element.value
    if value is None:
        return []
    if isinstance(value, bytes | bytearray):
        return []
    items = list(value) if element.VM > 1 and not isinstance(value, str) else [value]
    return [str(v) for v in items if str(v).strip()]


def _elements(dataset: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    for element in dataset:
        keyword = element.keyword or f"({element.tag.group:04X},{element.tag.element:04X})"
        if element.VR == "SQ":
            for item in element.value or []:
                yield from _elements(item, f"{path}{keyword}.")
        elif element.VR in _TEXT_VRS:
            yield f"{path}{keyword}", element


def _header(data: bytes) -> tuple[Any, list[tuple[str, Any]]]:
    """The dataset without its pixels; raises UnreadableAttachment when the file meta information (group
    0002, with the transfer syntax every reader needs) is missing or anything in the header is malformed."""
    import pydicom

    with quiet_loggers("pydicom"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom warns about odd elements: the answer is the exception below
        try:
            dataset = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True)
            syntax = str(getattr(dataset.file_meta, "TransferSyntaxUID", ""))
            if not _UID.fullmatch(syntax):
                raise ValueError("no transfer syntax")
            return dataset, list(_elements(dataset))
        except Exception as exc:  # pydicom raises many kinds on malformed input: all mean unreadable
            raise UnreadableAttachment(f"malformed DICOM file ({type(exc).__name__})") from None


def read_dicom(data: bytes) -> MedicalDocument:
    _dataset, elements = _header(data)
    builder = TextBuilder()
    person = PersonBuilder("patient", "DICOM patient module")
    for path, element in elements:
        for value in _values(element):
            if element.VR == "PN":
                _name(builder, person, path, value)
                continue
            span = builder.line(path, value)
            keyword = path.rsplit(".", 1)[-1]
            if keyword in _IDS and (number := national_number(value)) is not None:
                person.add(IdentityField.NISS, number, f"DICOM {path}", span)
            elif path == "PatientBirthDate" and (iso := birth_date(value)) is not None:
                person.add(IdentityField.BIRTH_DATE, iso, "DICOM PatientBirthDate", span)
            elif path == "PatientSex":
                person.add(IdentityField.SEX, SEXES.get(value[:1].lower(), value), "DICOM PatientSex", span)
            elif path == "PatientAddress":
                person.add(IdentityField.ADDRESS, value, "DICOM PatientAddress", span)
            elif path == "PatientTelephoneNumbers":
                person.add(IdentityField.PHONE, value, "DICOM PatientTelephoneNumbers", span)
    identity = person.identity()
    return MedicalDocument(FORMAT, builder.text, (identity,) if identity is not None else ())


def _name(builder: TextBuilder, person: PersonBuilder, path: str, value: str) -> None:
    """A person name ``Family^Given^Middle^Prefix^Suffix`` (``=`` separates ideographic and phonetic forms):
    written with spaces; the patient's own names become identity values."""
    alphabetic = value.split("=", 1)[0]
    parts = alphabetic.split("^")
    if not " ".join(" ".join(parts).split()):
        return
    if len(builder):
        builder.write("\n")
    builder.write(f"{path}: ")
    spans: list[tuple[int, int] | None] = []
    written = False
    for part in parts:
        part = " ".join(part.split())
        if part:
            if written:
                builder.write(" ")
            spans.append(builder.write(part))
            written = True
        else:
            spans.append(None)
    if path not in ("PatientName", "OtherPatientNames"):
        return
    source = f"DICOM {path}"
    if parts[0].strip():
        person.add(IdentityField.FAMILY_NAME, parts[0], f"{source} (family)", spans[0])
    for index in (1, 2):
        if len(parts) > index and parts[index].strip():
            person.add(IdentityField.GIVEN_NAME, parts[index], f"{source} (given)", spans[index])
