"""What an attachment really is, decided by its bytes: the one content sniffer of medseal.

A file name or a declared content type is a claim; an interceptor reads the bytes. So the bytes decide:

1. :mod:`filetype` (a maintained, pure-Python table of magic numbers) names binary formats: images, audio,
   video, archives, fonts, executables, DICOM...
2. A magic number is only a start: a text that happens to begin with ``BM``, ``ID3`` or ``GIF8`` is text.
   Media counts as media only when its header really decodes (:func:`medseal.extract.media.image_info`
   checks a PNG's ``IHDR`` chunk and CRC, a BMP's declared size, a JPEG's frame header; :func:`_is_id3`
   an ID3 tag's version and sync-safe size). Otherwise the sniffing goes on as if there were no magic.
3. PDF (``%PDF-`` anywhere in the first KiB, as viewers accept it), zip packages, CMS (S/MIME) and OpenPGP
   structures are recognised here too, each by one function (:func:`is_pdf`, :func:`cms_kind`,
   :func:`pgp_kind`).
4. What is left and reads as text is told apart by its opening: HL7 v2 ``MSH|``, RTF ``{\\rtf``, vCard and
   iCalendar ``BEGIN:``, HTML, XML, else plain text. What is neither is ``binary`` (unreadable).

Kinds returned by :func:`sniff`: ``pdf``, ``zip``, ``image``, ``media`` (audio/video), ``archive``,
``binary``, ``signature`` (a detached CMS signature or an OpenPGP signature: nothing to read), ``encrypted``
(CMS enveloped data or an OpenPGP encrypted message: ciphertext), ``signed-content`` (CMS signed data with
the signed content inside), ``rtf``, ``hl7``, ``card``, ``html``, ``xml``, ``text``.
"""

from __future__ import annotations

import base64
import binascii
import re

import filetype

from medseal.extract.plain import looks_like_text

__all__ = ["cms_kind", "is_pdf", "pgp_kind", "sniff", "sniff_text"]

_ARCHIVES = frozenset(
    {
        "application/x-tar", "application/x-rar-compressed", "application/gzip", "application/x-bzip2",
        "application/x-7z-compressed", "application/vnd.ms-cab-compressed", "application/x-xz",
        "application/x-unix-archive", "application/x-compress", "application/x-lzop", "application/x-lzip",
        "application/x-lz4", "application/zstd", "application/x-brotli", "application/x-rpm",
        "application/x-deb",
    }
)
_ZIPS = frozenset({"zip", "docx", "xlsx", "pptx", "odt", "ods", "odp", "epub"})
_XML_START = re.compile(rb"\s*(<\?xml|<[A-Za-z_][\w.:-]*[\s>/])")
_HTML_START = re.compile(rb"\s*(<!doctype\s+html|<html|<head|<body|<meta|<div|<p[\s>]|<!--)", re.I)
_CARD_START = re.compile(rb"\s*BEGIN:(VCALENDAR|VCARD)\r?\n", re.I)
_PGP_ARMOR = re.compile(rb"-----BEGIN PGP (MESSAGE|SIGNATURE)-----\r?\n(.*?)-----END PGP \1-----", re.S)
_PEM_CMS = re.compile(rb"-----BEGIN (PKCS7|CMS)-----\r?\n(.*?)-----END \1-----", re.S)

# CMS content types (RFC 5652, RFC 5083)
_SIGNED_DATA = bytes.fromhex("2a864886f70d010702")
_ENVELOPED_DATA = bytes.fromhex("2a864886f70d010703")
_AUTH_ENVELOPED_DATA = bytes.fromhex("2a864886f70d0109100117")


def is_pdf(data: bytes) -> bool:
    """True when ``data`` carries a PDF header (``%PDF-``, allowed anywhere in the first KiB)."""
    return b"%PDF-" in data[:1024]


def _is_id3(data: bytes) -> bool:
    """An ID3v2 tag header: ``ID3``, version 2-4, a revision, flags with no undefined bit, sync-safe size."""
    if len(data) < 10 or not data.startswith(b"ID3"):
        return False
    major, revision, flags = data[3], data[4], data[5]
    return 2 <= major <= 4 and revision < 0xFF and not flags & 0x0F and all(b < 0x80 for b in data[6:10])


def _der_item(data: bytes, at: int) -> tuple[int, int, int] | None:
    """(tag, start of content, end of content) of the DER/BER item at ``at``; None when malformed.

    An indefinite length (BER) gives ``end == -1``: the caller reads the content up to its end-of-contents."""
    if at + 2 > len(data):
        return None
    tag, first = data[at], data[at + 1]
    at += 2
    if first < 0x80:
        return tag, at, at + first if at + first <= len(data) else -2
    count = first & 0x7F
    if count == 0:
        return (tag, at, -1) if tag & 0x20 else None
    if count > 4 or at + count > len(data):
        return None
    length = int.from_bytes(data[at : at + count], "big")
    at += count
    return (tag, at, at + length) if at + length <= len(data) else None


def _cms_from_der(der: bytes) -> str | None:
    outer = _der_item(der, 0)
    if outer is None or outer[0] != 0x30 or outer[2] == -2:
        return None
    oid = _der_item(der, outer[1])
    if oid is None or oid[0] != 0x06 or oid[2] < 0:
        return None
    content_type = der[oid[1] : oid[2]]
    if content_type in (_ENVELOPED_DATA, _AUTH_ENVELOPED_DATA):
        return "encrypted"
    if content_type != _SIGNED_DATA:
        return None
    # ContentInfo [0] -> SignedData SEQUENCE { version, digestAlgorithms, encapContentInfo { type, [0] eContent? } }
    explicit = _der_item(der, oid[2])
    if explicit is None or explicit[0] != 0xA0:
        return None
    signed = _der_item(der, explicit[1])
    if signed is None or signed[0] != 0x30:
        return None
    at = signed[1]
    for expected in (0x02, 0x31):  # version INTEGER, digestAlgorithms SET
        item = _der_item(der, at)
        if item is None or item[0] != expected or item[2] < 0:
            return "signed-content"  # cannot vouch for it: treat as carrying content
        at = item[2]
    encap = _der_item(der, at)
    if encap is None or encap[0] != 0x30:
        return "signed-content"
    inner_type = _der_item(der, encap[1])
    if inner_type is None or inner_type[0] != 0x06 or inner_type[2] < 0:
        return "signed-content"
    after = inner_type[2]
    ends = encap[2]
    detached = after == ends if ends >= 0 else der[after : after + 2] == b"\0\0"
    return "signature" if detached else "signed-content"


def cms_kind(data: bytes) -> str | None:
    """``signature`` (detached signed data), ``signed-content`` (signed data carrying its content) or
    ``encrypted`` (enveloped data) when ``data`` is a CMS/PKCS #7 structure in DER, BER or PEM; else None."""
    if data[:1] == b"\x30":
        return _cms_from_der(data)
    match = _PEM_CMS.search(data[:4096] if len(data) > 4096 and b"-----END" not in data[:4096] else data)
    if match is None or data.lstrip()[:11] != b"-----BEGIN ":
        return None
    try:
        der = base64.b64decode(match.group(2), validate=False)
    except (binascii.Error, ValueError):
        return None
    return _cms_from_der(der)


def _pgp_first_tag(packet: bytes) -> int | None:
    if not packet or not packet[0] & 0x80:
        return None
    return packet[0] & 0x3F if packet[0] & 0x40 else (packet[0] >> 2) & 0x0F


def pgp_kind(data: bytes) -> str | None:
    """``encrypted`` for an OpenPGP message whose first packet is an encrypted session key, ``signature`` for
    an armored signature; None otherwise (a clear-signed text or a key block is read as the text it is)."""
    head = data.lstrip()
    if not head.startswith(b"-----BEGIN PGP "):
        return None
    match = _PGP_ARMOR.match(head)
    if match is None:
        return None
    body = match.group(2)
    if b"\n\n" in body or b"\r\n\r\n" in body:  # armor headers end at the first blank line
        body = re.split(rb"\r?\n\r?\n", body, maxsplit=1)[1]
    lines = [line for line in body.split(b"\n") if line.strip() and not line.startswith(b"=")]
    try:
        packet = base64.b64decode(b"".join(lines), validate=False)
    except (binascii.Error, ValueError):
        return None
    tag = _pgp_first_tag(packet)
    if match.group(1) == b"SIGNATURE":
        return "signature" if tag == 2 else None
    return "encrypted" if tag in (1, 3) else None


def sniff_text(data: bytes) -> str:
    """The kind of data that reads as text: hl7, rtf, card, html, xml or text."""
    from medseal.extract.hl7 import is_hl7

    head = data[:1024].lstrip(b"\xef\xbb\xbf")
    if is_hl7(head.decode("latin-1")):
        return "hl7"
    if head.lstrip()[:5] == b"{\\rtf":
        return "rtf"
    if _CARD_START.match(head):
        return "card"
    if _HTML_START.match(head):
        return "html"
    if _XML_START.match(head):
        return "xml"
    return "text"


def _binary_kind(data: bytes) -> str | None:
    """What the magic number says, for the formats whose magic number is enough (validated media aside)."""
    if is_pdf(data):
        return "pdf"
    if data.lstrip()[:5] == b"{\\rtf":
        return "rtf"  # a text format, but \\bin groups may hold raw bytes
    guess = filetype.guess(data[:8192])
    if guess is None:
        return None
    mime, ext = guess.mime, guess.extension
    if ext in _ZIPS:
        return "zip"
    if mime.startswith("image/"):
        from medseal.extract.media import image_info

        return "image" if image_info(data) is not None or mime not in _VALIDATED else None
    if ext == "mp3" and data.startswith(b"ID3"):
        return "media" if _is_id3(data) else None
    if mime.startswith(("audio/", "video/")):
        return "media"
    if mime in _ARCHIVES:
        return "archive"
    return "binary"


#: Image types whose headers :func:`medseal.extract.media.image_info` decodes: their magic number alone is
#: not enough (``BM`` or ``GIF8`` can start a text).
_VALIDATED = frozenset({"image/png", "image/jpeg", "image/gif", "image/bmp", "image/apng"})


def sniff(data: bytes) -> str:
    """What ``data`` is, from its bytes alone (see the module docstring for the kinds)."""
    kind = _binary_kind(data)
    if kind is not None:
        return kind
    signed = cms_kind(data) or pgp_kind(data)
    if signed is not None:
        return signed
    if looks_like_text(data):
        return sniff_text(data)
    return "binary"
