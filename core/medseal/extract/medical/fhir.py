"""FHIR resources in JSON or XML: a ``Patient`` (or ``RelatedPerson``) on its own, inside a ``Bundle`` entry,
as a ``contained`` resource, or anywhere else in the document.

The Belgian federal core profile (``be-patient``, eHealth platform) identifies the patient by the SSIN
(NISS/INSZ) under the naming system ``https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/ssin``
(``.../fhir/NamingSystem/ssin`` in older publications, OID ``2.16.840.1.113883.3.6777.5.1``). A resource that only
points at its patient (a ServiceRequest's ``subject.identifier``) names them too. Read: every
``identifier`` in that system (its value validated as a national or BIS number), ``name`` (``family``,
``given``, ``text``), ``birthDate`` (full dates only), ``gender``, ``telecom`` (phone, email) and
``address``, and the names of the patient's ``contact``\\s. JSON and XML are first turned into the same tree:
dicts, lists and leaves that know where their value stands in the document's text.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from medseal.extract.medical._build import PersonBuilder, TextBuilder, birth_date, national_number
from medseal.extract.medical.xmltree import Node
from medseal.model import Identity, IdentityField, MedicalDocument

FORMAT = "FHIR"
NAMESPACE = "http://hl7.org/fhir"
SSIN_SYSTEMS = frozenset(
    {
        "https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/ssin",
        "https://www.ehealth.fgov.be/standards/fhir/NamingSystem/ssin",
        "https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/be-ssin",
        "https://www.ehealth.fgov.be/standards/fhir/terminology/NamingSystem/be-ssin",
        "urn:oid:2.16.840.1.113883.3.6777.5.1",
    }
)
_PEOPLE = {"Patient": "patient", "RelatedPerson": "person"}


@dataclass(frozen=True)
class Leaf:
    value: str
    span: tuple[int, int] | None


Tree = dict[str, "Tree"] | list["Tree"] | Leaf


def _from_json(value: object, builder: TextBuilder, path: str) -> Tree:
    if isinstance(value, dict):
        return {str(k): _from_json(v, builder, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_json(v, builder, path) for v in value]
    text = "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
    return Leaf(text, builder.line(path, text))


def _is_resource(node: Node) -> bool:
    return node.ns == NAMESPACE and node.name[:1].isupper()


def _from_xml(node: Node, builder: TextBuilder) -> dict[str, Tree]:
    """``<name><family value="Doe"/></name>`` -> ``{"name": [{"family": [{"value": Leaf("Doe")}]}]}`` (every
    element a list, as repetition is allowed almost everywhere); a resource element (``<Patient>`` inside
    ``<resource>`` or ``<contained>``) gets its ``resourceType``."""
    out: dict[str, Tree] = {}
    if _is_resource(node):
        out["resourceType"] = Leaf(node.name, None)
    for attr, value in node.attrs.items():
        label = node.name if attr == "value" else f"{node.name} {attr}"
        out[attr] = Leaf(value, builder.line(label, value))
    if node.ns != NAMESPACE:  # the narrative's XHTML
        builder.line(node.name, node.text)
    for child in node.children:
        existing = out.setdefault(child.name, [])
        if isinstance(existing, list):
            existing.append(_from_xml(child, builder))
    return out


def _leaves(tree: Tree | None) -> Iterator[Leaf]:
    """Every leaf of ``tree`` (a value in XML is ``{"value": Leaf}``)."""
    if isinstance(tree, Leaf):
        yield tree
    elif isinstance(tree, dict):
        if isinstance(tree.get("value"), Leaf):
            yield tree["value"]  # type: ignore[misc]
        else:
            for key, sub in tree.items():
                if key != "extension":
                    yield from _leaves(sub)
    elif isinstance(tree, list):
        for item in tree:
            yield from _leaves(item)


def _items(tree: Tree | None) -> list[Tree]:
    if tree is None:
        return []
    return tree if isinstance(tree, list) else [tree]


def _first(tree: Tree | None) -> Leaf | None:
    return next(_leaves(tree), None)


def _resources(tree: Tree) -> Iterator[dict[str, Tree]]:
    """Every resource in the document, nested ones included, in document order."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "resourceType" in node:
                yield node
            stack.extend(reversed(list(node.values())))
        elif isinstance(node, list):
            stack.extend(reversed(node))


def _add_name(person: PersonBuilder, name: Tree, source: str) -> None:
    if not isinstance(name, dict):
        return
    family = list(_leaves(name.get("family")))
    given = list(_leaves(name.get("given")))
    for leaf in family:
        person.add(IdentityField.FAMILY_NAME, leaf.value, f"{source}.family", leaf.span)
    for leaf in given:
        person.add(IdentityField.GIVEN_NAME, leaf.value, f"{source}.given", leaf.span)
    if not family and not given and (text := _first(name.get("text"))) is not None:
        person.add(IdentityField.FAMILY_NAME, text.value, f"{source}.text", text.span)


def _person(resource: dict[str, Tree], kind: str, role: str) -> Identity | None:
    person = PersonBuilder(role, f"FHIR {kind}")
    for identifier in _items(resource.get("identifier")):
        if not isinstance(identifier, dict):
            continue
        system, value = _first(identifier.get("system")), _first(identifier.get("value"))
        if system is None or value is None or system.value.strip() not in SSIN_SYSTEMS:
            continue
        number = national_number(value.value)
        if number is not None:
            person.add(IdentityField.NISS, number, f"FHIR {kind}.identifier (SSIN)", value.span)
    for name in _items(resource.get("name")):
        _add_name(person, name, f"FHIR {kind}.name")
    if (born := _first(resource.get("birthDate"))) is not None and (iso := birth_date(born.value)) is not None:
        person.add(IdentityField.BIRTH_DATE, iso, f"FHIR {kind}.birthDate", born.span)
    if (gender := _first(resource.get("gender"))) is not None:
        person.add(IdentityField.SEX, gender.value, f"FHIR {kind}.gender", gender.span)
    for telecom in _items(resource.get("telecom")):
        if isinstance(telecom, dict) and (value := _first(telecom.get("value"))) is not None:
            system = _first(telecom.get("system"))
            is_email = (system is not None and system.value == "email") or "@" in value.value
            field = IdentityField.EMAIL if is_email else IdentityField.PHONE
            person.add(field, value.value, f"FHIR {kind}.telecom", value.span)
    for address in _items(resource.get("address")):
        text = " ".join(leaf.value for leaf in _leaves(address))
        person.add(IdentityField.ADDRESS, text, f"FHIR {kind}.address", None)
    return person.identity()


def _referenced(tree: Tree, people: list[dict[str, Tree]]) -> Identity | None:
    """The patient named only by reference (``subject``/``patient`` of a ServiceRequest, an Observation...):
    every SSIN identifier outside the Patient resources, and the references' ``display`` names."""
    inside = {id(d) for person in people for d in _dicts(person)}
    person = PersonBuilder("patient", "FHIR reference")
    for node in _dicts(tree):
        if id(node) in inside:
            continue
        system, value = _first(node.get("system")), _first(node.get("value"))
        ssin = system is not None and value is not None and system.value.strip() in SSIN_SYSTEMS
        if ssin and value is not None and (number := national_number(value.value)) is not None:
            person.add(IdentityField.NISS, number, "FHIR reference identifier (SSIN)", value.span)
        for key in ("subject", "patient", "beneficiary"):
            reference = node.get(key)
            for item in _items(reference):
                if isinstance(item, dict) and (display := _first(item.get("display"))) is not None:
                    person.add(IdentityField.FAMILY_NAME, display.value, f"FHIR {key}.display", display.span)
    return person.identity()


def _dicts(tree: Tree) -> Iterator[dict[str, Tree]]:
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            yield node
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _document(tree: Tree, builder: TextBuilder) -> MedicalDocument:
    identities: list[Identity] = []
    people = [r for r in _resources(tree) if (k := _first(r.get("resourceType"))) is not None and k.value in _PEOPLE]
    for resource in _resources(tree):
        kind = _first(resource.get("resourceType"))
        role = _PEOPLE.get(kind.value if kind is not None else "")
        if kind is not None and role is not None:
            if (identity := _person(resource, kind.value, role)) is not None:
                identities.append(identity)
            for contact in _items(resource.get("contact")):
                if isinstance(contact, dict):
                    relative = PersonBuilder("next_of_kin", f"FHIR {kind.value}.contact")
                    for name in _items(contact.get("name")):
                        _add_name(relative, name, f"FHIR {kind.value}.contact.name")
                    if (identity := relative.identity()) is not None:
                        identities.append(identity)
    if (referenced := _referenced(tree, people)) is not None:
        identities.append(referenced)
    return MedicalDocument(FORMAT, builder.text, tuple(identities))


def is_fhir_json(value: object) -> bool:
    return isinstance(value, dict) and isinstance(value.get("resourceType"), str)


def read_fhir_json(value: object) -> MedicalDocument:
    """A FHIR resource parsed from JSON (``json.loads``)."""
    builder = TextBuilder()
    return _document(_from_json(value, builder, "resourceType"), builder)


def is_fhir_xml(root: Node) -> bool:
    return root.ns == NAMESPACE


def read_fhir_xml(root: Node) -> MedicalDocument:
    builder = TextBuilder()
    return _document(_from_xml(root, builder), builder)
