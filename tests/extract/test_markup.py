"""HTML and XML (KMEHR) text, and the refusal of document types (entity expansion, external entities)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medseal.errors import UnreadableAttachment
from medseal.extract import extract_text
from medseal.extract.markup import html_to_text, xml_to_text
from medseal.model import Attachment

KMEHR = b"""<?xml version="1.0" encoding="UTF-8"?>
<kmehrmessage xmlns="http://www.ehealth.fgov.be/standards/kmehr/schema/v1">
  <header><standard><cd S="CD-STANDARD" SV="1.26">20161201</cd></standard></header>
  <folder>
    <id S="ID-KMEHR" SV="1.0">1</id>
    <patient>
      <id S="ID-PATIENT" SV="1.0">60020112345</id>
      <firstname>Jeanne</firstname>
      <familyname>Exemple</familyname>
      <birthdate><date>1960-02-01</date></birthdate>
      <sex><cd S="CD-SEX" SV="1.1">female</cd></sex>
    </patient>
    <transaction><item><content>
      <text L="fr">Suivi tension &amp; glyc&#233;mie</text>
    </content></item></transaction>
  </folder>
</kmehrmessage>"""


def test_html_drops_tags_scripts_and_styles_and_decodes_entities() -> None:
    html = (
        "<html><head><title>Résultats</title><style>p{color:red}</style><script>var n='x';</script></head>"
        "<body><p>NISS&nbsp;: <b>60.02.01</b>-123.45</p><div>Mme&#32;J. Exemple &amp; fils</div>"
        "<img alt='photo de Jeanne'><table><tr><td>A</td><td>B</td></tr></table></body></html>"
    )
    lines = [line.strip() for line in html_to_text(html).splitlines() if line.strip()]
    assert lines == [
        "Résultats",
        "NISS : 60.02.01-123.45",
        "Mme J. Exemple & fils",
        "photo de Jeanne",
        "A\tB",
    ]


def test_html_attachment_uses_its_meta_charset() -> None:
    data = '<html><head><meta charset="windows-1252"></head><body>Hélène</body></html>'.encode("cp1252")
    assert extract_text(Attachment("lettre.html", "text/html", data)).startswith("Hélène")


def test_broken_html_still_gives_its_text() -> None:
    assert "Exemple" in html_to_text("<p <b>Jeanne <i>Exemple</p></b></div><!-- unterminated")


def test_kmehr_text_nodes_and_attribute_values() -> None:
    lines = extract_text(Attachment("sumehr.xml", "text/xml", KMEHR)).splitlines()
    assert "id S=ID-PATIENT SV=1.0: 60020112345" in lines  # a value on one line with what it is
    for expected in ("firstname: Jeanne", "familyname: Exemple", "date: 1960-02-01"):
        assert expected in lines
    assert "text L=fr: Suivi tension & glycémie" in lines


def test_xml_is_sniffed_without_a_name() -> None:
    assert "60020112345" in extract_text(Attachment("attachment-1.bin", "application/octet-stream", KMEHR))


@pytest.mark.parametrize(
    "document",
    [
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><l>&b;</l>',
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY e SYSTEM "file:///etc/passwd">]><l>&e;</l>',
        b'<?xml version="1.0"?><!DOCTYPE l SYSTEM "http://example.invalid/l.dtd"><l/>',
    ],
    ids=["billion-laughs", "external-entity", "external-dtd"],
)
def test_document_types_are_refused(document: bytes) -> None:
    with pytest.raises(UnreadableAttachment, match="document type"):
        extract_text(Attachment("a.xml", "application/xml", document))


def test_malformed_xml_is_unreadable() -> None:
    with pytest.raises(UnreadableAttachment, match="malformed XML"):
        xml_to_text(b"<a><b>unclosed</a>")


@given(st.text(max_size=300))
def test_html_to_text_never_raises(html: str) -> None:
    assert isinstance(html_to_text(html), str)
