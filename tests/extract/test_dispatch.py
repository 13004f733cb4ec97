"""What extract_text does with each kind of attachment, its limits, archives and arbitrary bytes."""

from __future__ import annotations

import base64
import gzip
import io
import zipfile

import pytest
from fixtures.documents import make_bmp, make_docx, make_jpeg, make_pdf, make_png, make_zip
from hypothesis import given
from hypothesis import strategies as st

from medseal.errors import UnreadableAttachment
from medseal.extract import Limits, detect_kind, extension_for, extract_text, is_message
from medseal.model import Attachment


def text_or_reason(attachment: Attachment) -> str:
    """The text, or the reason it is unreadable: any other exception fails the test."""
    try:
        return extract_text(attachment)
    except UnreadableAttachment as exc:
        assert exc.reason
        return exc.reason


def _der(tag: int, content: bytes) -> bytes:
    assert len(content) < 0x10000
    size = bytes([len(content)]) if len(content) < 0x80 else b"\x82" + len(content).to_bytes(2, "big")
    return bytes([tag]) + size + content


SIGNED_DATA = bytes.fromhex("06092a864886f70d010702")
DATA = bytes.fromhex("06092a864886f70d010701")
ENVELOPED = bytes.fromhex("06092a864886f70d010703")


def cms_signed(content: bytes | None) -> bytes:
    """A CMS ContentInfo holding SignedData (RFC 5652), detached (``content`` None) or with its content."""
    encap = DATA + (_der(0xA0, _der(0x04, content)) if content is not None else b"")
    signed = _der(0x02, b"\x01") + _der(0x31, b"") + _der(0x30, encap) + _der(0x31, bytes(80))
    return _der(0x30, SIGNED_DATA + _der(0xA0, _der(0x30, signed)))


def cms_enveloped() -> bytes:
    return _der(0x30, ENVELOPED + _der(0xA0, _der(0x30, _der(0x02, b"\x00") + bytes(60))))


PEM = b"-----BEGIN PKCS7-----\n" + base64.encodebytes(cms_signed(None)) + b"-----END PKCS7-----\n"


@pytest.mark.parametrize(
    ("name", "ctype", "data"),
    [
        ("smime.p7s", "application/pkcs7-signature", cms_signed(None)),
        ("smime.p7s", "application/pkcs7-signature", PEM),
        ("signature.bin", "application/octet-stream", cms_signed(None)),
        ("smime.p7m", "application/pkcs7-mime", cms_enveloped()),
    ],
    ids=["der-signature", "pem-signature", "signature-without-name", "enveloped"],
)
def test_real_signatures_and_encrypted_parts_have_nothing_to_read(name: str, ctype: str, data: bytes) -> None:
    assert extract_text(Attachment(name, ctype, data)) == ""


@pytest.mark.parametrize(
    ("name", "ctype", "data", "kind"),
    [
        ("scan.png", "image/png", b"Mme Exemple 60.02.01-123.45", "text"),
        ("smime.p7s", "application/pkcs7-signature", b"Mme Exemple 60.02.01-123.45", "text"),
        ("photo.jpg", "image/jpeg", b"Mme Exemple", "text"),
        ("a.bmp", "image/bmp", b"BM Mme Exemple", "text"),
        ("a.mp3", "audio/mpeg", b"ID3 Mme Exemple", "text"),
        ("a.gif", "image/gif", b"GIF89a Mme Exemple", "text"),
        ("notes.txt", "text/plain", make_pdf(["x"]), "pdf"),
        ("logo.bin", "application/octet-stream", make_png(20, 10), "image"),
        ("logo.txt", "text/plain", make_bmp(20, 10), "image"),
        ("x.p7s", "text/plain", make_jpeg(20, 10), "image"),
        ("a.txt", "text/plain", b"ID3\x04\x00\x00\x00\x00\x00\x10" + bytes(32), "media"),
        ("x", "", b"\x89PNG\r\n\x1a\n" + bytes(200), "binary"),
        ("x.p7s", "application/pkcs7-signature", cms_signed(b"Mme Exemple"), "signed-content"),
        ("x.p7s", "application/pkcs7-signature", bytes(range(256)), "binary"),
    ],
    ids=[
        "text-named-png", "text-named-p7s", "text-named-jpg", "text-starting-bm", "text-starting-id3",
        "text-starting-gif8", "pdf-named-txt", "real-png", "real-bmp-named-txt", "real-jpeg-named-p7s",
        "real-id3", "fake-png-binary", "signed-with-content", "binary-named-p7s",
    ],
)
def test_content_decides_the_kind(name: str, ctype: str, data: bytes, kind: str) -> None:
    assert detect_kind(name, ctype, data) == kind


@pytest.mark.parametrize(
    ("name", "ctype", "data", "reason"),
    [
        ("photo.png", "image/png", make_png(640, 480, noise=True), "a photo or a scan"),
        ("scan.bmp", "image/bmp", make_bmp(1240, 1754), "a photo or a scan"),
        ("photo.jpg", "image/jpeg", make_jpeg(2000, 1500, filler=30_000), "a photo or a scan"),
        ("banner.png", "image/png", make_png(1000, 20), "a photo or a scan"),
        ("fake.png", "image/png", b"\x89PNG\r\n\x1a\n" + bytes(200), "unsupported file type"),
        ("photo.webp", "image/webp", b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(40), "format whose content"),
        ("voice.mp3", "audio/mpeg", b"ID3\x04\x00\x00\x00\x00\x00\x10" + bytes(300), "audio or video"),
        ("smime.p7m", "application/pkcs7-mime", cms_signed(b"Mme Exemple"), "signed S/MIME"),
        ("smime.p7s", "application/pkcs7-signature", bytes(range(256)), "unsupported file type"),
    ],
    ids=["photo", "scan", "large-jpeg", "wide-banner", "corrupt-png", "webp", "audio", "signed-content", "fake-p7s"],
)
def test_images_audio_and_unvouched_signatures_are_unreadable(
    name: str, ctype: str, data: bytes, reason: str
) -> None:
    with pytest.raises(UnreadableAttachment, match=reason):
        extract_text(Attachment(name, ctype, data))


def test_small_logo_passes_and_its_metadata_is_read() -> None:
    assert extract_text(Attachment("logo.png", "image/png", make_png(200, 60))) == ""
    assert extract_text(Attachment("logo.bmp", "image/bmp", make_bmp(40, 40))) == ""
    assert extract_text(Attachment("logo.jpg", "image/jpeg", make_jpeg(120, 40, filler=2000))) == ""
    tagged = make_png(200, 60, text={"Author": "Dr Exemple"})
    assert "Dr Exemple" in extract_text(Attachment("logo.png", "image/png", tagged))


def test_a_small_but_heavy_image_is_not_decorative() -> None:
    noisy = make_png(150, 150, noise=True)  # 22,500 px but ~67 KB: a photo thumbnail, not a logo
    assert len(noisy) > 24 * 1024
    with pytest.raises(UnreadableAttachment, match="a photo or a scan"):
        extract_text(Attachment("x.png", "image/png", noisy))


@pytest.mark.parametrize(
    ("name", "ctype", "data", "reason"),
    [
        ("dossier.tar.gz", "application/gzip", gzip.compress(b"secret"), "archive type"),
        ("x.7z", "application/octet-stream", b"7z\xbc\xaf\x27\x1c" + bytes(40), "archive type"),
        ("image.dcm", "application/dicom", bytes(128) + b"DICM" + bytes(range(256)), "unsupported file type"),
        ("data.bin", "application/octet-stream", bytes(range(256)) * 4, "unsupported file type"),
        ("fake.pdf", "application/pdf", b"%PDF-1.7 this is not a pdf", "corrupt PDF"),
    ],
    ids=["gzip", "7z", "dicom", "unknown-binary", "fake-pdf"],
)
def test_what_cannot_be_read_is_unreadable(name: str, ctype: str, data: bytes, reason: str) -> None:
    with pytest.raises(UnreadableAttachment, match=reason):
        extract_text(Attachment(name, ctype, data))


def test_unknown_type_that_is_text_is_read() -> None:
    attachment = Attachment("attachment-2.bin", "application/octet-stream", "Mme Exemple, née…".encode())
    assert extract_text(attachment) == "Mme Exemple, née…"


def test_size_limit_before_anything_is_read() -> None:
    with pytest.raises(UnreadableAttachment, match="size limit"):
        extract_text(Attachment("a.txt", "text/plain", b"x" * 2000), Limits(max_attachment_bytes=1000))


def test_text_limit() -> None:
    with pytest.raises(UnreadableAttachment, match="too much text"):
        extract_text(Attachment("a.txt", "text/plain", b"x" * 2000), Limits(max_text_chars=1000))


def test_zip_members_and_their_names_are_read() -> None:
    archive = make_zip(
        {
            "dossier/exemple_jeanne.pdf": make_pdf(["compte rendu"]),
            "dossier/notes.txt": b"NISS 60.02.01-123.45",
            "dossier/lettre.docx": make_docx(["Chère Madame Exemple"]),
            "dossier/logo.png": make_png(40, 20),
        }
    )
    text = extract_text(Attachment("dossier.zip", "application/zip", archive))
    for part in (
        "exemple_jeanne.pdf",
        "compte rendu",
        "NISS 60.02.01-123.45",
        "Chère Madame Exemple",
        "logo.png",
    ):
        assert part in text


def test_a_zip_holding_an_unreadable_file_is_unreadable() -> None:
    archive = make_zip({"ok.txt": b"ok", "old.doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100)})
    with pytest.raises(UnreadableAttachment, match="legacy"):
        extract_text(Attachment("a.zip", "application/zip", archive))
    with pytest.raises(UnreadableAttachment, match="a photo or a scan"):
        extract_text(Attachment("a.zip", "application/zip", make_zip({"photo.png": make_png(640, 480, noise=True)})))


def test_message_inside_a_zip_is_read_whole() -> None:
    inner = (
        b"From: a@example.be\r\nTo: b@example.be\r\nSubject: Exemple Jeanne\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\ncorps\r\n'
        b"--b\r\nContent-Type: text/plain; name=n.txt\r\n"
        b"Content-Disposition: attachment; filename=n.txt\r\n\r\n"
        b"NISS 60.02.01-123.45\r\n--b--\r\n"
    )
    text = extract_text(Attachment("a.zip", "application/zip", make_zip({"fwd.eml": inner})))
    for part in ("Exemple Jeanne", "corps", "n.txt", "NISS 60.02.01-123.45"):
        assert part in text


def test_nesting_limit() -> None:
    """``max_nesting`` counts the archives around the deepest file (here four)."""
    data = b"profond"
    for level in range(4):
        data = make_zip({f"niveau{level}.zip" if level else "a.txt": data})
    assert "profond" in extract_text(Attachment("a.zip", "", data), Limits(max_nesting=4))
    with pytest.raises(UnreadableAttachment, match="nested"):
        extract_text(Attachment("a.zip", "", data), Limits(max_nesting=3))


def test_member_count_and_shared_decompression_budget() -> None:
    many = make_zip({f"f{i}.txt": b"x" for i in range(20)})
    with pytest.raises(UnreadableAttachment, match="more than 10 files"):
        extract_text(Attachment("a.zip", "", many), Limits(max_zip_members=10))
    # each nested archive fits, all of them together do not
    inner = make_zip({"a.txt": b"y" * 4000})
    outer = make_zip({f"in{i}.zip": inner for i in range(5)})
    assert extract_text(Attachment("a.zip", "", outer), Limits(max_uncompressed_bytes=40_000))
    with pytest.raises(UnreadableAttachment, match="decompression limit"):
        extract_text(Attachment("a.zip", "", outer), Limits(max_uncompressed_bytes=15_000))


def test_detect_kind_prefers_bytes_then_name_then_type() -> None:
    assert detect_kind("a.txt", "text/plain", make_pdf(["x"])) == "pdf"
    assert detect_kind("a.docx", "", make_docx(["x"])) == "zip"
    assert detect_kind("rdv.ics", "text/calendar", b"SUMMARY:x") == "card"
    assert detect_kind("x", "", b"BEGIN:VCARD\r\nFN:x\r\nEND:VCARD\r\n") == "card"
    assert detect_kind("a.xml", "text/xml", b"not xml at all") == "text"
    assert detect_kind("a.p7s", "", b"-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\ntexte") == "text"
    assert detect_kind("page.htm", "application/octet-stream", b"<p>x</p>") == "html"
    assert detect_kind("attachment-1.bin", "text/html", b"<p>x</p>") == "html"
    assert detect_kind("x", "", b"<!DOCTYPE html><html></html>") == "html"
    assert detect_kind("liste.csv", "text/csv", b"<not xml>;1;2") == "text"
    assert detect_kind("a.bin", "", b"MSH|^~\\&|A|B\rPID|1") == "hl7"


def test_is_message_and_extensions() -> None:
    assert is_message(Attachment("attachment-1.eml", "message/rfc822", b""))
    assert is_message(Attachment("Fwd.EML", "application/octet-stream", b""))
    assert not is_message(Attachment("a.txt", "text/plain", b""))
    assert extension_for("application/pdf") == ".pdf"
    assert extension_for("text/x-weird; charset=utf-8") == ".txt"
    assert extension_for("application/x-unknown") == ".bin"


@given(
    st.binary(max_size=2000),
    st.sampled_from(
        ["a.pdf", "a.docx", "a.odt", "a.xml", "a.html", "a.hl7", "a.rtf", "a.zip", "a.txt", "a", "a.eml"]
    ),
    st.sampled_from(["application/octet-stream", "application/pdf", "text/plain", "message/rfc822", ""]),
)
def test_arbitrary_bytes_give_text_or_unreadable(data: bytes, name: str, ctype: str) -> None:
    assert isinstance(text_or_reason(Attachment(name, ctype, data)), str)


@given(st.binary(max_size=400))
def test_arbitrary_bytes_after_a_known_signature(tail: bytes) -> None:
    for head in (b"%PDF-1.7\n", b"PK\x03\x04", b"{\\rtf1 ", b'<?xml version="1.0"?><a>', b"MSH|^~\\&|"):
        assert isinstance(text_or_reason(Attachment("x", "", head + tail)), str)


def test_zip_with_corrupt_member_data() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.txt", b"bonjour " * 200)
    data = bytearray(buf.getvalue())
    data[60:80] = bytes(20)  # inside the deflated data
    with pytest.raises(UnreadableAttachment, match="corrupt"):
        extract_text(Attachment("a.zip", "application/zip", bytes(data)))
