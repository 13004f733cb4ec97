"""KMEHR (Kind Messages for Electronic Healthcare Record), the Belgian XML standard of the eHealth platform:
SumEHR, PMF, prescriptions, lab results, and the same messages wrapped in the hubs' (PCDH) web-service answers.

A ``kmehrmessage`` holds ``folder``\\s, each about one ``patient``::

    <patient>
      <id S="ID-PATIENT" SV="1.0">85073003328</id>      (INSS in older versions: S="INSS")
      <firstname>Marie</firstname> <familyname>Dupont</familyname>
      <birthdate><date>1985-07-30</date></birthdate> <sex><cd S="CD-SEX" SV="1.0">female</cd></sex>
      <address><cd S="CD-ADDRESS">home</cd><zip>1000</zip><city>Bruxelles</city><street>Rue Haute</street>
               <housenumber>1</housenumber></address>
      <telecom><cd S="CD-ADDRESS">home</cd><cd S="CD-TELECOM">phone</cd><telecomnumber>02...</telecomnumber></telecom>
    </patient>

Other people (a contact person, a family member) appear in ``person`` blocks with the same fields; they are
read too. ``hcparty`` blocks are the care providers and are not identities of patients.

The hubs answer with the same ``kmehrmessage`` inside their web-service envelopes (it is found at any depth).
The pharmacists' PCDH (Pharmaceutical Care Data Hub) speaks SMOA (``single-message``, namespace
``http://www.apb.be/standards/smoa/schema/v1``) and names the patient in ``patient``/``min-Patient`` blocks::

    <ns2:min-Patient><ns2:personId xsi:type="ns3:InssIdType"><ns3:id>85073003328</ns3:id></ns2:personId>
      <ns2:name>Marie</ns2:name><ns2:familyName>Dupont</ns2:familyName></ns2:min-Patient>
"""

from __future__ import annotations

from medseal.extract.medical._build import SEXES, PersonBuilder, TextBuilder, birth_date, national_number
from medseal.extract.medical.xmltree import Node, Spans, write_tree
from medseal.model import Identity, IdentityField, MedicalDocument

FORMAT = "KMEHR"
SMOA_NAMESPACE = "http://www.apb.be/standards/smoa/schema/v1"
_SMOA_BLOCKS = frozenset({"patient", "min-patient", "person", "min-person"})
_PERSON_BLOCKS = {"patient": "patient", "person": "person"}
_NUMBER_SCHEMES = {"ID-PATIENT", "INSS", "ID-PERSON", ""}


def is_kmehr(root: Node) -> bool:
    """A ``kmehrmessage`` anywhere in the document (on its own, or inside a hub's answer), or a PCDH (SMOA)
    message."""
    return root.ns.startswith(SMOA_NAMESPACE) or any(node.name == "kmehrmessage" for node in root.iter())


def read_kmehr(root: Node) -> MedicalDocument:
    builder = TextBuilder()
    spans = write_tree(builder, root)
    identities = []
    smoa = root.ns.startswith(SMOA_NAMESPACE)
    for node in root.iter():
        if smoa and node.name.lower() in _SMOA_BLOCKS:
            identity = _smoa_person(node, spans)
        elif (role := _PERSON_BLOCKS.get(node.name)) is not None:
            identity = _person(node, role, spans)
        else:
            continue
        if identity is not None:
            identities.append(identity)
    return MedicalDocument(FORMAT, builder.text, tuple(identities))


def _person(block: Node, role: str, spans: Spans) -> Identity | None:
    person = PersonBuilder(role, f"KMEHR {block.name}")

    def add(field: IdentityField, node: Node, value: str | None = None, path: str = "") -> None:
        span = spans.get((id(node), ""))
        source = f"KMEHR {block.name}/{path or node.name}"
        person.add(field, node.text if value is None else value, source, span)

    for child in block.children:
        name = child.name
        if name == "id" and child.attrs.get("S", "").upper() in _NUMBER_SCHEMES:
            number = national_number(child.text)
            if number is not None:
                add(IdentityField.NISS, child, number)
        elif name == "firstname":
            add(IdentityField.GIVEN_NAME, child)
        elif name == "familyname":
            add(IdentityField.FAMILY_NAME, child)
        elif name == "birthdate":
            date = child.child("date")
            iso = birth_date(date.text) if date is not None else None
            if date is not None and iso is not None:
                add(IdentityField.BIRTH_DATE, date, iso, "birthdate/date")
        elif name == "sex":
            code = child.child("cd")
            if code is not None:
                add(IdentityField.SEX, code, SEXES.get(code.text.strip().lower()[:1], code.text), "sex/cd")
        elif name == "address":
            _address(child, person, block.name)
        elif name == "telecom" and (telecom := child.child("telecomnumber")) is not None:
            add(_telecom_field(child, telecom), telecom)
    return person.identity()


def _smoa_person(block: Node, spans: Spans) -> Identity | None:
    """A PCDH ``patient``/``min-Patient`` block: ``personId/id`` (INSS), ``name`` (first names), ``familyName``,
    ``birthdate`` and ``gender`` where present."""
    role = "patient" if "patient" in block.name.lower() else "person"
    person = PersonBuilder(role, f"PCDH {block.name}")
    for child in block.children:
        source = f"PCDH {block.name}/{child.name}"
        name = child.name.lower()
        if name == "personid":
            for node in child.iter():
                if node is not child and (number := national_number(node.text)) is not None:
                    person.add(IdentityField.NISS, number, source, spans.get((id(node), "")))
        elif name in ("name", "firstname", "givenname"):
            person.add(IdentityField.GIVEN_NAME, child.text, source, spans.get((id(child), "")))
        elif name in ("familyname", "lastname"):
            person.add(IdentityField.FAMILY_NAME, child.text, source, spans.get((id(child), "")))
        elif name in ("birthdate", "dateofbirth"):
            date = child.child("date") or child
            if (iso := birth_date(date.text)) is not None:
                person.add(IdentityField.BIRTH_DATE, iso, source, spans.get((id(date), "")))
        elif name in ("gender", "sex"):
            person.add(IdentityField.SEX, child.text, source, None)
    return person.identity()


def _address(node: Node, person: PersonBuilder, block: str) -> None:
    wanted = ("street", "housenumber", "postboxnumber", "zip", "city", "district", "text")
    parts = [c.text.strip() for c in node.children if c.name in wanted]
    person.add(IdentityField.ADDRESS, " ".join(p for p in parts if p), f"KMEHR {block}/address", None)


def _telecom_field(node: Node, number: Node) -> IdentityField:
    kinds = {c.text.strip().lower() for c in node.all("cd") if c.attrs.get("S", "").upper() == "CD-TELECOM"}
    return IdentityField.EMAIL if "email" in kinds or "@" in number.text else IdentityField.PHONE
