"""What is and is not recognised as a medical file, and what a recognised but broken one gives."""

from __future__ import annotations

import pytest

from medseal.errors import UnreadableAttachment
from medseal.extract.medical import is_medical, read_medical
from medseal.model import IdentityField

PID = "PID|1||85073003328^^^BE^NN||DUPONT^MARIE||19850730|F"


@pytest.mark.parametrize(
    "lead", ["", "\ufeff", "\r\n\r\n", "# exported 2024-01-05\n", "// LIS export\r\n;note\n\n", "  \t"]
)
def test_hl7_after_bom_blank_or_comment_lines(lead: str) -> None:
    data = f"{lead}MSH|^~\\&|LIS|LAB|||20240105||ORU^R01|1|P|2.5\r{PID}\r".encode()
    document = read_medical(data)
    assert document is not None and document.format == "HL7 v2" and is_medical(data)
    (identity,) = document.identities
    assert [v.value for v in identity.get(IdentityField.NISS)] == ["85073003328"]
    for line in lead.splitlines():
        if line.strip().lstrip("\ufeff"):
            assert line.strip() in document.text  # comments travel too


def test_hl7_with_other_delimiters() -> None:
    document = read_medical(b"MSH#*-!$#A#B\nPID#1##85073003328##DUPONT*MARIE-DUBOIS*JEANNE\n")
    assert document is not None
    (identity,) = document.identities
    assert [v.value for v in identity.get(IdentityField.FAMILY_NAME)] == ["DUPONT", "DUBOIS"]


def test_hl7_xml_keeps_text_outside_the_fields() -> None:
    data = (
        b'<ORU_R01 xmlns="urn:hl7-org:v2xml"><MSH><MSH.1>|</MSH.1></MSH><ORU_R01.X note="attr text">loose'
        b"<PID><PID.5><XPN.1>DUPONT</XPN.1></PID.5></PID></ORU_R01.X></ORU_R01>"
    )
    document = read_medical(data)
    assert document is not None and "loose" in document.text and "attr text" in document.text


@pytest.mark.parametrize(
    "data",
    [
        b"<html><body><a href='http://hl7.org/fhir'>FHIR</a> kmehrmessage</body></html>",
        b'{"name": "not FHIR"}',
        b"#A line in a note, nothing else",
        b"MSHEET of results",
        b"%PDF-1.7 binary",
        bytes(range(256)),
    ],
)
def test_what_merely_mentions_a_format_is_not_medical(data: bytes) -> None:
    assert read_medical(data) is None and not is_medical(data)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'<kmehrmessage xmlns="http://www.ehealth.fgov.be/standards/kmehr/schema/v1"><folder>', "malformed XML"),
        (b'<!DOCTYPE x [<!ENTITY e "x">]><kmehrmessage><patient/></kmehrmessage>', "document type"),
        (bytes(128) + b"DICM" + bytes(range(256)), "malformed DICOM"),
    ],
)
def test_a_broken_medical_file_is_unreadable(data: bytes, reason: str) -> None:
    with pytest.raises(UnreadableAttachment, match=reason):
        read_medical(data)
