"""Structured medical files read as what they are, recognised by their content whatever they are called:

=============  ==========================================================  ========================
format         recognised by                                               module
=============  ==========================================================  ========================
DICOM          ``DICM`` after the 128-byte preamble                        :mod:`.dicom`
KMEHR, PCDH    a ``kmehrmessage`` element (alone or in a hub's answer), SMOA  :mod:`.kmehr`
FHIR           JSON with a ``resourceType``; XML in ``http://hl7.org/fhir``  :mod:`.fhir`
HL7 v2         ``MSH|^~\\&`` after blank or comment lines; ``urn:hl7-org:v2xml``  :mod:`.hl7v2`
HealthOne      a first ``A1\\`` record and an ``A2\\`` patient record        :mod:`.healthone`
Medidoc        a ``#A`` patient line followed by ``#R``/``#A/``            :mod:`.medidoc`
=============  ==========================================================  ========================

Each reader returns a :class:`~medseal.model.MedicalDocument`: the text every detector scans (all the values
an interceptor could read) and the people it names, each value with the field it came from and its span in
that text. A file recognised as medical but that cannot be parsed raises
:class:`~medseal.errors.UnreadableAttachment`: it is health data, so it is protected like any unreadable file.
"""

from __future__ import annotations

import re

from medseal.extract.plain import decode_text, looks_like_text
from medseal.model import Identity, IdentityValue, MedicalDocument

__all__ = ["is_medical", "place", "read_medical"]

_XML_NAMESPACES = r"http://hl7\.org/fhir|urn:hl7-org:v2xml|http://www\.apb\.be/standards/smoa/schema/v1"
_XML_MARKERS = re.compile(
    rf"<(?:[\w.-]+:)?kmehrmessage[\s>/]|xmlns(?::[\w.-]+)?\s*=\s*[\"'](?:{_XML_NAMESPACES})[\"']"
)
_HL7_XML_ROOT = re.compile(r"(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<[A-Z]{3}_[A-Z0-9]{3}[\s>]", re.DOTALL)
_LEADING = "\ufeff \t\r\n"


def is_medical(data: bytes) -> bool:
    """Whether ``data`` looks like one of the formats above, without parsing it (an attachment declared as an
    e-mail or named ``.eml`` is still read as the medical file it is)."""
    from medseal.extract.medical import dicom, healthone, hl7v2, medidoc

    if dicom.is_dicom(data):
        return True
    if not data or not looks_like_text(data):
        return False
    text = decode_text(data)
    head = text.lstrip(_LEADING)[:1]
    if head == "<":
        return bool(_XML_MARKERS.search(text) or _HL7_XML_ROOT.match(text.lstrip(_LEADING)[:2000]))
    if head == "{":
        return '"resourceType"' in text
    return hl7v2.is_hl7(text) or healthone.is_healthone(text) or medidoc.is_medidoc(text)


def read_medical(data: bytes) -> MedicalDocument | None:
    """The medical document in ``data``, or ``None`` when ``data`` is none of the formats above."""
    from medseal.extract.medical import dicom

    if dicom.is_dicom(data):
        return dicom.read_dicom(data)
    if not data or not looks_like_text(data):
        return None
    text = decode_text(data)
    head = text.lstrip(_LEADING)[:1]
    if head == "<":
        return _xml(data, text)
    if head == "{" and '"resourceType"' in text:
        return _json(text)
    from medseal.extract.medical import healthone, hl7v2, medidoc

    if hl7v2.is_hl7(text):
        return hl7v2.read_er7(text)
    if healthone.is_healthone(text):
        return healthone.read_healthone(text)
    if medidoc.is_medidoc(text):
        return medidoc.read_medidoc(text)
    return None


def _xml(data: bytes, text: str) -> MedicalDocument | None:
    """KMEHR, FHIR or HL7 v2 XML, told by their root element or namespace declaration (a web page that only
    mentions them is left to the ordinary readers); malformed, such a file is unreadable."""
    head = text.lstrip(_LEADING)[:2000]
    if not _XML_MARKERS.search(text) and not _HL7_XML_ROOT.match(head):
        return None
    from medseal.extract.medical import fhir, hl7v2, kmehr
    from medseal.extract.medical.xmltree import parse_tree

    root = parse_tree(data)
    if kmehr.is_kmehr(root):
        return kmehr.read_kmehr(root)
    if fhir.is_fhir_xml(root):
        return fhir.read_fhir_xml(root)
    if hl7v2.is_hl7_xml(root):
        return hl7v2.read_hl7_xml(root)
    return None


def _json(text: str) -> MedicalDocument | None:
    import json

    from medseal.extract.medical import fhir

    try:
        value = json.loads(text)
    except ValueError:
        return None  # not JSON after all: read as text
    return fhir.read_fhir_json(value) if fhir.is_fhir_json(value) else None


def place(documents: list[MedicalDocument], text: str) -> tuple[MedicalDocument, ...]:
    """``documents`` (read in this order while building ``text``, an archive's members joined with their
    names) with their identity spans moved to where each document's text stands in ``text``."""
    placed = []
    cursor = 0
    for document in documents:
        offset = text.find(document.text, cursor) if document.text else -1
        if offset >= 0:
            cursor = offset + len(document.text)
        placed.append(_shifted(document, offset))
    return tuple(placed)


def _shifted(document: MedicalDocument, offset: int) -> MedicalDocument:
    if offset == 0:
        return document

    def move(value: IdentityValue) -> IdentityValue:
        span = None if value.span is None or offset < 0 else (value.span[0] + offset, value.span[1] + offset)
        return IdentityValue(value.kind, value.value, value.source, span)

    identities = tuple(Identity(i.role, i.source, tuple(map(move, i.values))) for i in document.identities)
    return MedicalDocument(document.format, document.text, identities)
