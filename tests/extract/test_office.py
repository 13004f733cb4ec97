"""Office documents (docx, xlsx, odt, ods) and the zip guards they go through."""

from __future__ import annotations

import pytest
from fixtures.documents import make_docx, make_ods, make_odt, make_xlsx, make_zip, make_zip_bomb

from medseal.errors import UnreadableAttachment
from medseal.extract import Limits, extract_text
from medseal.model import Attachment

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def docx(data: bytes, name: str = "lettre.docx") -> Attachment:
    return Attachment(name, DOCX, data)


def test_docx_paragraphs_runs_header_and_footer() -> None:
    data = make_docx(
        ["Concerne :", ["Mme ", "Jeanne ", "Ex", "em", "ple"], "NISS 60.02.01-123.45"],
        header="Cabinet médical Exemple",
        footer="Page 1",
    )
    assert extract_text(docx(data)).splitlines()[:5] == [
        "Concerne :",
        "Mme Jeanne Exemple",
        "NISS 60.02.01-123.45",
        "Cabinet médical Exemple",
        "Page 1",
    ]


def test_docx_tabs_breaks_tables_and_fallback_copies() -> None:
    body = (
        "<w:p><w:r><w:t>Nom</w:t><w:tab/><w:t>Exemple</w:t><w:br/><w:t>Jeanne</w:t></w:r></w:p>"
        "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>A1</w:t></w:r></w:p></w:tc>"
        "<w:tc><w:p><w:r><w:t>B1</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
        "<w:p><mc:AlternateContent><mc:Choice Requires='wps'><w:r><w:t>encadré</w:t></w:r></mc:Choice>"
        "<mc:Fallback><w:r><w:t>encadré</w:t></w:r></mc:Fallback></mc:AlternateContent></w:p>"
        "<w:p><w:del><w:r><w:delText>supprimé mais présent</w:delText></w:r></w:del></w:p>"
    )
    text = extract_text(docx(make_docx([], body_xml=body)))
    assert text.split("\n")[:2] == ["Nom\tExemple", "Jeanne"]
    assert "A1" in text and "B1" in text
    assert text.count("encadré") == 2  # the Fallback copy is in the file too: an interceptor reads it
    assert "supprimé mais présent" in text


def test_docx_with_doctype_is_refused() -> None:
    bomb = make_zip(
        {
            "[Content_Types].xml": b"<Types/>",
            "word/document.xml": b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "boom">]><d>&x;</d>',
        }
    )
    with pytest.raises(UnreadableAttachment, match="document type"):
        extract_text(docx(bomb))


def test_xlsx_values_and_shared_strings() -> None:
    data = make_xlsx(["Nom", "Exemple Jeanne"], [["Nom", 60020112345.0], ["Exemple Jeanne", 1.5]])
    text = extract_text(Attachment("liste.xlsx", "application/octet-stream", data))
    assert text.splitlines()[:4] == ["Nom", "Exemple Jeanne", "60020112345", "1.5"]
    assert "sheet name=S" in text.splitlines()


def test_odt_heading_paragraphs_spaces_and_footer() -> None:
    extra = (
        '<text:p>NISS<text:s text:c="2"/>60.02.01-123.45<text:line-break/>'
        "<text:span>suite</text:span></text:p>"
    )
    data = make_odt(["Mme Jeanne Exemple"], heading="Rapport", footer="Dr Exemple", body_xml=extra)
    text = extract_text(Attachment("rapport.odt", "application/vnd.oasis.opendocument.text", data))
    assert text.splitlines()[:5] == [
        "Rapport",
        "Mme Jeanne Exemple",
        "NISS  60.02.01-123.45",
        "suite",
        "Dr Exemple",
    ]


def test_ods_keeps_exact_numbers_hidden_by_rounding() -> None:
    data = make_ods([("8,51E+10", "85073003328"), ("42", "42"), ("Exemple", None)])
    text = extract_text(Attachment("liste.ods", "", data))
    assert "85073003328" in text
    assert "Exemple" in text


def test_zip_bomb_in_a_docx_is_unreadable() -> None:
    bomb = make_zip_bomb(128 * 2**20)  # past the 100 MB default budget
    assert len(bomb) < 2**20
    with pytest.raises(UnreadableAttachment):
        extract_text(docx(bomb))


def test_compression_ratio_guard_below_the_total_limit() -> None:
    bomb = make_zip_bomb(8 * 2**20, member="data.bin")
    with pytest.raises(UnreadableAttachment, match="zip bomb"):
        extract_text(Attachment("x.zip", "application/zip", bomb))


def test_encrypted_zip_and_corrupt_docx_are_unreadable() -> None:
    with pytest.raises(UnreadableAttachment, match="encrypted"):
        extract_text(Attachment("a.zip", "application/zip", make_zip({"a.txt": b"x"}, encrypted_flag=True)))
    with pytest.raises(UnreadableAttachment, match="corrupt"):
        extract_text(docx(make_docx(["bonjour"])[:200]))
    # a text named .docx is a text: read as what it is
    assert extract_text(docx(b"not a zip at all, though named .docx")) == "not a zip at all, though named .docx"


def test_password_protected_or_legacy_office_files_are_unreadable() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    for name in ("protected.docx", "ancien.doc", "tableau.xls"):
        with pytest.raises(UnreadableAttachment, match="legacy or password-protected"):  # an OLE container
            extract_text(Attachment(name, "application/octet-stream", ole))


def test_members_larger_than_declared_are_cut_off() -> None:
    data = bytearray(make_zip({"notes.txt": b"a" * 5000}))
    # shrink the declared size in both headers: the member now inflates past what it claims
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.index(signature)
        data[at + offset : at + offset + 4] = (100).to_bytes(4, "little")
    with pytest.raises(UnreadableAttachment):
        extract_text(Attachment("a.zip", "application/zip", bytes(data)))


def test_limits_apply_to_office_text() -> None:
    data = make_docx(["x" * 500])
    with pytest.raises(UnreadableAttachment, match="too much text"):
        extract_text(docx(data), Limits(max_text_chars=100))
