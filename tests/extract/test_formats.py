"""The readers added for "every part is read": iCalendar/vCard, RTF destinations, HTML's hidden parts, XML
lines, image metadata, and the limits and refusals that keep them fail-closed."""

from __future__ import annotations

import base64
import struct
import zlib

import pypdf
import pytest
from fixtures.documents import docx_with, make_pdf_content, make_png, ooxml_package, page_content
from hypothesis import given
from hypothesis import strategies as st

from medseal import _pypdf_compat
from medseal.errors import UnreadableAttachment
from medseal.extract import Limits, extract_text
from medseal.extract.markup import html_to_text, xml_to_text
from medseal.extract.office import number_text
from medseal.model import Attachment


def text_or_reason(attachment: Attachment, limits: Limits = Limits()) -> str:  # noqa: B008 - frozen
    try:
        return extract_text(attachment, limits)
    except UnreadableAttachment as exc:
        assert exc.reason
        return exc.reason


# --- iCalendar and vCard ---------------------------------------------------------------------------------------


def test_card_lines_are_unfolded_decoded_and_labelled() -> None:
    card = (
        "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:H=E9l=E8ne;Exemple\r\n"
        "NOTE:ligne un\\nligne deux\\, fin\r\nX-LONG:abc\r\n def\r\nEND:VCARD\r\n"
    )
    lines = extract_text(Attachment("c.vcf", "text/vcard", card.encode("ascii"))).splitlines()
    assert "N: Hélène;Exemple" in lines
    assert "NOTE: ligne un" in lines and "ligne deux, fin" in lines
    assert "X-LONG: abcdef" in lines


def test_a_card_photo_follows_the_image_rule() -> None:
    def card(photo: bytes) -> bytes:
        encoded = base64.b64encode(photo).decode("ascii")
        folded = "\r\n ".join(encoded[i : i + 70] for i in range(0, len(encoded), 70))
        return f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\nPHOTO;ENCODING=b;TYPE=PNG:{folded}\r\nEND:VCARD\r\n".encode()

    logo = make_png(40, 40, text={"Comment": "Dr Exemple"})
    assert "Dr Exemple" in extract_text(Attachment("c.vcf", "text/vcard", card(logo)))
    with pytest.raises(UnreadableAttachment, match="a photo or a scan"):
        extract_text(Attachment("c.vcf", "text/vcard", card(make_png(640, 480, noise=True))))


@given(st.text(max_size=300))
def test_any_calendar_text_gives_text_or_unreadable(body: str) -> None:
    data = ("BEGIN:VCALENDAR\r\n" + body).encode("utf-8", errors="replace")
    assert isinstance(text_or_reason(Attachment("a.ics", "text/calendar", data)), str)


# --- RTF -------------------------------------------------------------------------------------------------------


def test_rtf_with_an_embedded_object_or_a_large_picture_is_unreadable() -> None:
    obj = b"{\\rtf1 Texte{\\object\\objemb{\\*\\objdata 01050000020000000b000000}}}"
    with pytest.raises(UnreadableAttachment, match="embedded object"):
        extract_text(Attachment("a.rtf", "application/rtf", obj))
    picture = b"{\\rtf1 Texte{\\pict\\pngblip " + b"ab" * 30_000 + b"}}"
    with pytest.raises(UnreadableAttachment, match="picture"):
        extract_text(Attachment("a.rtf", "application/rtf", picture))
    small = b"{\\rtf1 Texte{\\pict\\pngblip " + b"ab" * 100 + b"} fin}"
    assert "Texte" in extract_text(Attachment("a.rtf", "application/rtf", small))


# --- HTML and XML ----------------------------------------------------------------------------------------------


def test_visible_html_text_keeps_its_offsets_when_everything_is_asked() -> None:
    html = '<p>Bonjour <!-- X --><span data-id="42">Madame</span></p><script>var a = "b";</script>'
    visible = html_to_text(html)
    everything = html_to_text(html, everything=True)
    assert visible == "Bonjour Madame"
    assert everything.startswith(visible)
    for part in ("X", "span data-id=42", 'var a = "b";'):
        assert part in everything.splitlines()


def test_xml_lines_name_what_each_value_is() -> None:
    text = xml_to_text(b'<a><patient niss="85073003328"><nom>Dupont</nom></patient><b/></a>')
    assert text.splitlines() == ["patient niss=85073003328", "nom: Dupont"]


# --- office ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "digits"),
    [("8.5073003328E10", "85073003328"), ("85073003328", "85073003328"), ("85073003328.0", "85073003328"),
     ("1.5", "1.5"), ("Version 2.0", "Version 2.0"), ("1E400", "1E400")],
)
def test_numbers_stored_as_numbers_become_their_digits(written: str, digits: str) -> None:
    assert number_text(written) == digits


def test_office_members_that_are_not_xml_go_through_the_general_reader() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)
    with pytest.raises(UnreadableAttachment, match="legacy"):
        extract_text(Attachment("a.docx", "", docx_with("word/embeddings/oleObject1.bin", ole)))
    photo = make_png(800, 600, noise=True)
    with pytest.raises(UnreadableAttachment, match="a photo or a scan"):
        extract_text(Attachment("a.docx", "", docx_with("word/media/image1.png", photo)))
    logo = make_png(100, 40)
    assert "Compte rendu" in extract_text(Attachment("a.docx", "", docx_with("word/media/image1.png", logo)))
    font = bytes(range(256)) * 40  # an obfuscated embedded font: glyphs, not text
    assert "Compte rendu" in extract_text(Attachment("a.docx", "", docx_with("word/fonts/font1.odttf", font)))


def test_embedded_documents_share_the_nesting_limit() -> None:
    data = docx_with("word/document2.xml", "<x/>")
    for _ in range(4):
        data = ooxml_package("word/document.xml", {"word/document.xml": "<d/>", "word/embeddings/e.docx": data})
    assert extract_text(Attachment("a.docx", "", data), Limits(max_nesting=4)) is not None
    with pytest.raises(UnreadableAttachment, match="nested"):
        extract_text(Attachment("a.docx", "", data), Limits(max_nesting=3))


# --- images ----------------------------------------------------------------------------------------------------


def _ztxt_png(payload: bytes) -> bytes:
    png = make_png(20, 20)
    chunk_data = b"Comment\0\0" + zlib.compress(payload, 9)
    crc = struct.pack(">I", zlib.crc32(b"zTXt" + chunk_data))
    chunk = struct.pack(">I", len(chunk_data)) + b"zTXt" + chunk_data + crc
    at = png.index(b"IDAT") - 4
    return png[:at] + chunk + png[at:]


def test_compressed_png_text_is_read_within_the_decompression_budget() -> None:
    assert "Dr Exemple" in extract_text(Attachment("l.png", "image/png", _ztxt_png(b"Dr Exemple")))
    bomb = _ztxt_png(b"A" * 5_000_000)
    assert len(bomb) < 24 * 1024
    with pytest.raises(UnreadableAttachment, match="decompression limit"):
        extract_text(Attachment("l.png", "image/png", bomb), Limits(max_uncompressed_bytes=1_000_000))


@given(st.binary(max_size=600), st.sampled_from([b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF89a", b"BM", b"ID3"]))
def test_any_bytes_after_a_media_signature_give_text_or_unreadable(tail: bytes, head: bytes) -> None:
    assert isinstance(text_or_reason(Attachment("x.png", "image/png", head + tail)), str)


# --- PDF -------------------------------------------------------------------------------------------------------


def test_a_pdf_whose_page_is_a_picture_is_unreadable() -> None:
    scan = make_pdf_content([b"q 595 0 0 842 0 0 cm /Scan Do Q"], images={"Scan": (1240, 1754, bytes(1240 * 1754 * 3))})
    with pytest.raises(UnreadableAttachment, match="a scan or a photo"):
        extract_text(Attachment("scan.pdf", "application/pdf", scan))
    logo = make_pdf_content([page_content("Rapport")], images={"Logo": (120, 40, bytes(120 * 40 * 3))})
    assert "Rapport" in extract_text(Attachment("r.pdf", "application/pdf", logo))


def test_a_pdf_embedding_what_cannot_be_read_is_unreadable() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)
    data = make_pdf_content([page_content("Rapport")], embedded={"ancien.doc": ole})
    with pytest.raises(UnreadableAttachment, match="legacy"):
        extract_text(Attachment("r.pdf", "application/pdf", data))


def test_pypdf_private_api_is_gated_on_the_checked_releases(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _pypdf_compat.supported(), f"pypdf {pypdf.__version__}: check the font model, then add it to SUPPORTED"
    monkeypatch.setattr(pypdf, "__version__", "99.0.0")
    assert not _pypdf_compat.supported()
    with pytest.raises(_pypdf_compat.UnsupportedPypdf):
        _pypdf_compat.font_model({})
    # the PDF reader then falls back to pypdf's public extract_text: still read
    data = make_pdf_content([page_content("Mme Exemple")])
    assert "Mme Exemple" in extract_text(Attachment("r.pdf", "application/pdf", data))


def test_a_document_thumbnail_is_held_to_the_pixel_rule_only() -> None:
    from fixtures.documents import odf_with

    rendering = make_png(181, 256, noise=True)  # heavier than a logo, but a thumbnail's size in pixels
    assert len(rendering) > 24 * 1024
    assert "Compte rendu" in extract_text(Attachment("a.odt", "", odf_with({"Thumbnails/thumbnail.png": rendering})))
    large = make_png(1000, 1400)
    with pytest.raises(UnreadableAttachment, match="a photo or a scan"):
        extract_text(Attachment("a.odt", "", odf_with({"Thumbnails/thumbnail.png": large})))
    with pytest.raises(UnreadableAttachment, match="a photo or a scan"):
        extract_text(Attachment("a.odt", "", odf_with({"Pictures/photo.png": rendering})))


def test_files_embedded_in_a_pdf_count_against_the_decompression_budget() -> None:
    data = make_pdf_content([page_content("Rapport")], embedded={"a.txt": b"x" * 300_000})
    assert "Rapport" in extract_text(Attachment("r.pdf", "application/pdf", data))
    with pytest.raises(UnreadableAttachment, match="decompression limit"):
        extract_text(Attachment("r.pdf", "application/pdf", data), Limits(max_uncompressed_bytes=200_000))
