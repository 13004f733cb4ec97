"""HL7 version 2 messages, the format Belgian labs and hospitals send results and admissions in, in its two
encodings:

- **ER7**, the pipe format ``MSH|^~\\&|…``: segments separated by ``\\r`` (``\\n`` or ``\\r\\n`` in files
  saved on the way), fields by ``|``, components ``^``, repetitions ``~``, sub-components ``&``, whatever
  ``MSH-1``/``MSH-2`` declare; batches (``FHS``/``BHS``) hold several messages. Parsed with python-hl7,
  which also undoes the escape sequences (``\\F\\``, ``\\.br\\``, ``\\X41\\``…). Files may start with a
  byte-order mark, blank lines or comment lines (``#``, ``//``, ``;``): they are skipped to find the header.
- **XML** (``urn:hl7-org:v2xml``): ``<PID><PID.5><XPN.1><FN.1>DUPONT</FN.1></XPN.1>…``.

Identities: ``PID-3``/``PID-2``/``PID-4`` (identifier lists: a valid national or BIS number), ``PID-19``
(SSN), ``PID-5`` (name: family ``.1``, given ``.2`` and middle ``.3``), ``PID-7`` (birth date),
``PID-8`` (sex), ``PID-11`` (address), ``PID-13``/``PID-14`` (phones, e-mail in ``.4``); next of kin in
``NK1-2`` (name), ``NK1-4`` (address) and ``NK1-5`` (phone). The text is one segment a line, every value
separated by one space: ``PID 1 85073003328 BE NISS DUPONT MARIE 19850730 F``.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field

import hl7
import hl7.containers
import hl7.util

from medseal.errors import UnreadableAttachment
from medseal.extract.medical._build import (
    SEXES,
    PersonBuilder,
    TextBuilder,
    birth_date,
    national_number,
    quiet_loggers,
)
from medseal.extract.medical.xmltree import Node
from medseal.model import Identity, IdentityField, MedicalDocument

FORMAT = "HL7 v2"
XML_NAMESPACE = "urn:hl7-org:v2xml"
_HEADERS = ("MSH", "FHS", "BHS")
_LINES = re.compile(r"\r\n|\r|\n")
_COMMENT = re.compile(r"[ \t]*(?:#|//|;|--|%|\*|rem\b|$)", re.IGNORECASE)
_MAX_LEADING_LINES = 50
_SEGMENT_NAME = re.compile(r"[A-Z][A-Z0-9]{2}$")
_LOGGERS = (hl7.util.__file__, hl7.containers.__file__)  # python-hl7 names its loggers after its files


@dataclass(frozen=True)
class Leaf:
    value: str
    span: tuple[int, int] | None


#: field number -> repetitions -> components -> sub-components
Fields = dict[int, list[list[list[Leaf]]]]


@dataclass
class Segment:
    name: str
    fields: Fields = field(default_factory=dict)

    def reps(self, number: int) -> list[list[list[Leaf]]]:
        return self.fields.get(number, [])

    def component(self, rep: list[list[Leaf]], number: int) -> Leaf | None:
        subs = rep[number - 1] if len(rep) >= number else []
        return next((s for s in subs if s.value), None)


def header_offset(text: str) -> int | None:
    """Where the HL7 header (``MSH`` + a punctuation delimiter) starts, after a byte-order mark, blank or
    comment lines; ``None`` when ``text`` is not an ER7 message."""
    pos = 0
    for _ in range(_MAX_LEADING_LINES):
        while pos < len(text) and text[pos] in "\ufeff \t\x0b":
            pos += 1
        head = text[pos : pos + 9]
        if head[:3] in _HEADERS and len(head) > 8 and not head[3].isalnum() and not head[3].isspace():
            return pos
        match = _LINES.search(text, pos)
        if match is None or not _COMMENT.match(text, pos, match.start()):
            return None
        pos = match.end()
    return None


def is_hl7(text: str) -> bool:
    """True when ``text`` is an HL7 v2 message or batch in the pipe encoding."""
    return header_offset(text) is not None


# --- ER7 -------------------------------------------------------------------------------------------------
def _shape(container: object) -> list[list[list[str]]]:
    """python-hl7 nests a field as deep as its separators go; give every field the same three levels."""
    if isinstance(container, str):
        return [[[container]]]
    items = list(container)  # type: ignore[call-overload]
    if items and isinstance(items[0], hl7.Repetition):
        return [_components(rep) for rep in items]
    return [_components(container)]


def _components(rep: object) -> list[list[str]]:
    if isinstance(rep, str):
        return [[rep]]
    items = list(rep)  # type: ignore[call-overload]
    if isinstance(rep, hl7.Component):
        return [[str(s) for s in items]]
    return [[c] if isinstance(c, str) else [str(s) for s in c] for c in items]


def _er7_segments(text: str, builder: TextBuilder) -> list[Segment]:
    segments: list[Segment] = []
    for chunk in _messages(text):
        try:
            message = hl7.parse(chunk)
        except Exception as exc:  # python-hl7 raises plain exceptions for some malformed input
            raise UnreadableAttachment(f"malformed HL7 message ({type(exc).__name__})") from None
        for raw in message:
            segments.append(_segment(message, raw, builder))
    return segments


def _messages(text: str) -> list[str]:
    """The messages of ``text``, each with ``\\r`` segment separators (a batch header starts its own)."""
    lines = [line for line in _LINES.split(text) if line.strip()]
    chunks: list[list[str]] = []
    for line in lines:
        if line[:3] in _HEADERS or not chunks:
            chunks.append([])
        chunks[-1].append(line)
    return ["\r".join(chunk) for chunk in chunks]


def _segment(message: hl7.Message, raw: hl7.Segment, builder: TextBuilder) -> Segment:
    name = str(raw[0]).strip()
    segment = Segment(name)
    if len(builder):
        builder.write("\n")
    builder.write(name)
    first = 3 if name in _HEADERS else 1  # MSH-1 and MSH-2 are the delimiters themselves
    for number in range(first, len(raw)):
        reps = []
        for rep in _shape(raw[number]):
            comps = []
            for comp in rep:
                subs = []
                for sub in comp:
                    value = " ".join(message.unescape(sub).split()) if sub else ""
                    span = None
                    if value:
                        builder.write(" ")
                        span = builder.write(value)
                    subs.append(Leaf(value, span))
                comps.append(subs)
            reps.append(comps)
        segment.fields[number] = reps
    return segment


# --- XML encoding ----------------------------------------------------------------------------------------
def is_hl7_xml(root: Node) -> bool:
    return root.ns == XML_NAMESPACE or (
        bool(re.fullmatch(r"[A-Z]{3}_[A-Z0-9]{3}", root.name)) and root.child("MSH") is not None
    )


def _is_segment(node: Node) -> bool:
    """``<PID>`` holding ``<PID.n>`` fields."""
    return bool(_SEGMENT_NAME.match(node.name)) and any(c.name.startswith(node.name + ".") for c in node.children)


def _xml_segments(root: Node, builder: TextBuilder) -> list[Segment]:
    segments: list[Segment] = []
    for node in root.iter():
        if not _is_segment(node):
            continue
        if len(builder):
            builder.write("\n")
        builder.write(node.name)
        segment = Segment(node.name)
        for child in node.children:
            number = child.name.rpartition(".")[2]
            if not number.isdigit():
                continue
            segment.fields.setdefault(int(number), []).append(_xml_components(child, builder))
        segments.append(segment)
    return segments


def _numbered(nodes: list[Node]) -> list[tuple[int, Node]]:
    """Children by the number their name ends with (``XPN.2`` is component 2), in order."""
    out = []
    for index, node in enumerate(nodes, start=1):
        suffix = node.name.rpartition(".")[2]
        out.append((int(suffix) if suffix.isdigit() else index, node))
    return out


def _xml_components(field_node: Node, builder: TextBuilder) -> list[list[Leaf]]:
    """A field's components and their sub-components, each at the position its element name gives."""
    if not field_node.children:
        return [[_xml_leaf(field_node, builder)]]
    comps: list[list[Leaf]] = []
    for number, comp in _numbered(field_node.children):
        while len(comps) < number:
            comps.append([])
        if comp.children:
            subs: list[Leaf] = []
            for sub_number, sub in _numbered(comp.children):
                while len(subs) < sub_number - 1:
                    subs.append(Leaf("", None))
                subs.append(_xml_leaf(sub, builder))
            comps[number - 1] = subs
        else:
            comps[number - 1] = [_xml_leaf(comp, builder)]
    return comps


def _xml_leaf(node: Node, builder: TextBuilder) -> Leaf:
    value = " ".join(node.text.split())
    span = None
    if value:
        builder.write(" ")
        span = builder.write(value)
    return Leaf(value, span)


# --- identities ------------------------------------------------------------------------------------------
def _name(person: PersonBuilder, segment: Segment, number: int) -> None:
    source = f"{segment.name}-{number}"
    for rep in segment.reps(number):
        family = segment.component(rep, 1)
        if family is not None:
            person.add(IdentityField.FAMILY_NAME, family.value, f"{source}.1", family.span)
        for index in (2, 3):
            given = segment.component(rep, index)
            if given is not None:
                person.add(IdentityField.GIVEN_NAME, given.value, f"{source}.{index}", given.span)


def _numbers(person: PersonBuilder, segment: Segment, number: int) -> None:
    for rep in segment.reps(number):
        leaf = segment.component(rep, 1)
        if leaf is not None and (compact := national_number(leaf.value)) is not None:
            person.add(IdentityField.NISS, compact, f"{segment.name}-{number}", leaf.span)


def _address(person: PersonBuilder, segment: Segment, number: int) -> None:
    for rep in segment.reps(number):
        text = " ".join(s.value for comp in rep[:6] for s in comp if s.value)
        person.add(IdentityField.ADDRESS, text, f"{segment.name}-{number}", None)


def _phones(person: PersonBuilder, segment: Segment, number: int) -> None:
    for rep in segment.reps(number):
        phone, email = segment.component(rep, 1), segment.component(rep, 4)
        if phone is not None:
            field_ = IdentityField.EMAIL if "@" in phone.value else IdentityField.PHONE
            person.add(field_, phone.value, f"{segment.name}-{number}.1", phone.span)
        if email is not None and "@" in email.value:
            person.add(IdentityField.EMAIL, email.value, f"{segment.name}-{number}.4", email.span)


def _identities(segments: list[Segment]) -> tuple[Identity, ...]:
    identities: list[Identity] = []
    for segment in segments:
        if segment.name == "PID":
            person = PersonBuilder("patient", "HL7 PID")
            for number in (2, 3, 4, 19):
                _numbers(person, segment, number)
            _name(person, segment, 5)
            for rep in segment.reps(7):
                born = segment.component(rep, 1)
                if born is not None and (iso := birth_date(born.value)) is not None:
                    person.add(IdentityField.BIRTH_DATE, iso, "PID-7", born.span)
            for rep in segment.reps(8):
                sex = segment.component(rep, 1)
                if sex is not None:
                    person.add(IdentityField.SEX, SEXES.get(sex.value[:1].lower(), sex.value), "PID-8", sex.span)
            _address(person, segment, 11)
            _phones(person, segment, 13)
            _phones(person, segment, 14)
        elif segment.name == "NK1":
            person = PersonBuilder("next_of_kin", "HL7 NK1")
            _name(person, segment, 2)
            _address(person, segment, 4)
            _phones(person, segment, 5)
        else:
            continue
        if (identity := person.identity()) is not None:
            identities.append(identity)
    return tuple(identities)


def read_er7(text: str) -> MedicalDocument:
    """An HL7 v2 message or batch in the pipe encoding; lines before the header (comments) stay in the
    text, since they travel too."""
    offset = header_offset(text)
    if offset is None:
        raise UnreadableAttachment("not an HL7 v2 message")
    builder = TextBuilder()
    for line in _LINES.split(text[:offset]):
        builder.line("", line.lstrip("\ufeff"))
    with quiet_loggers(*_LOGGERS), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        segments = _er7_segments(text[offset:], builder)
    return MedicalDocument(FORMAT, builder.text, _identities(segments))


def read_hl7_xml(root: Node) -> MedicalDocument:
    """An HL7 v2 XML message; text outside the segments' fields (rare) is kept too, one element a line."""
    builder = TextBuilder()
    segments = _xml_segments(root, builder)
    read = {id(node) for segment in root.iter() if _is_segment(segment) for node in segment.iter()}
    for node in root.iter():
        if id(node) not in read:
            builder.line(node.name, node.text)
            for attr, value in node.attrs.items():
                builder.line(f"{node.name} {attr}", value)
    return MedicalDocument(FORMAT, builder.text, _identities(segments))
