"""Text extraction for attachments, with hard limits on size and decompression.

:func:`extract_text` decides what an attachment is from its bytes first (``%PDF``, ``PK`` zip, OLE, RTF,
image and archive signatures, an HL7 ``MSH`` header, XML/HTML openings), then from its file extension and
declared content type, and hands it to the reader for that format: :mod:`.pdf`, :mod:`.office` (docx, xlsx,
pptx, odt, ods, odp), :mod:`.markup` (html, xml incl. KMEHR), :mod:`.hl7`, :mod:`.rtf`, :mod:`.plain` (txt,
csv and any other text). Attached messages (:func:`is_message`) are the caller's: it parses them with
:func:`medseal.parse.parse_message` and scans them like the outer one.

What cannot be read, and why the choice:

- **Images, audio and video** return ``""``. There is no text in them to scan without OCR; when a message
  has findings, ``protect`` encrypts every attachment anyway, images included.
- **Signatures, keys and already-encrypted parts** (``.p7s``, ``.asc``, ``application/pkcs7-mime``, PGP)
  return ``""``: nothing in them travels in clear.
- **Documents we cannot read raise** :class:`~medseal.errors.UnreadableAttachment`: legacy ``.doc``/``.xls``/
  ``.ppt`` and password-protected Office files (both OLE containers), encrypted PDFs and zips, archive types
  other than zip (gz, 7z, rar…), corrupt files, anything over a :class:`Limits` bound, and any other binary
  we cannot identify (it could be a DICOM image or a database export with patient data in it). Fail closed:
  the scan reports an ``unreadable_attachment`` finding instead of a silent pass.
- **Zip archives** are opened and every member is read the same way (nested up to ``max_nesting`` levels,
  sharing one decompression budget); member names are part of the text, since they too can name a patient.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable

from medseal.errors import UnreadableAttachment
from medseal.extract.limits import Budget, Limits, check_text
from medseal.extract.markup import html_to_text
from medseal.extract.pdf import ENCRYPTED_PDF
from medseal.extract.plain import decode_text, looks_like_text
from medseal.model import Attachment, AttachmentContent, MedicalDocument

__all__ = [
    "ENCRYPTED_PDF",
    "MESSAGE_TYPES",
    "Limits",
    "detect_kind",
    "extension_for",
    "extract_document",
    "extract_text",
    "html_to_text",
    "is_message",
]

MESSAGE_TYPES = frozenset({"message/rfc822", "message/global"})

_EXTENSIONS = {
    "pdf": "pdf",
    "docx": "office", "docm": "office", "dotx": "office", "xlsx": "office", "xlsm": "office",
    "pptx": "office", "odt": "office", "ott": "office", "ods": "office", "odp": "office",
    "doc": "legacy", "dot": "legacy", "xls": "legacy", "ppt": "legacy", "wpd": "legacy", "pages": "legacy",
    "htm": "html", "html": "html", "xhtml": "html", "mht": "mime", "mhtml": "mime",
    "xml": "xml", "kmehr": "xml", "svg": "xml", "xsd": "xml",
    "hl7": "hl7", "er7": "hl7",
    "rtf": "rtf",
    "txt": "text", "csv": "text", "tsv": "text", "log": "text", "md": "text", "json": "text", "ics": "text",
    "vcf": "text", "ini": "text", "eml": "mime", "asc": "none", "p7s": "none", "p7m": "none", "sig": "none",
    "gpg": "none", "pgp": "none",
    "zip": "zip",
    "gz": "archive", "tgz": "archive", "tar": "archive", "7z": "archive", "rar": "archive", "bz2": "archive",
    "xz": "archive", "cab": "archive",
    "jpg": "media", "jpeg": "media", "png": "media", "gif": "media", "bmp": "media", "tif": "media",
    "tiff": "media", "webp": "media", "heic": "media", "heif": "media", "ico": "media", "mp3": "media",
    "wav": "media", "m4a": "media", "ogg": "media", "mp4": "media", "mov": "media", "avi": "media",
}
_CONTENT_TYPES = {
    "application/pdf": "pdf", "application/x-pdf": "pdf",
    "application/msword": "legacy", "application/vnd.ms-excel": "legacy",
    "application/vnd.ms-powerpoint": "legacy",
    "text/html": "html", "application/xhtml+xml": "html",
    "text/xml": "xml", "application/xml": "xml", "image/svg+xml": "xml",
    "application/hl7-v2": "hl7", "x-application/hl7-v2+er7": "hl7", "application/edi-hl7": "hl7",
    "text/x-hl7": "hl7",
    "text/rtf": "rtf", "application/rtf": "rtf",
    "application/zip": "zip", "application/x-zip-compressed": "zip",
    "application/gzip": "archive", "application/x-gzip": "archive", "application/x-tar": "archive",
    "application/x-7z-compressed": "archive", "application/x-rar-compressed": "archive",
    "application/vnd.rar": "archive",
    "application/pkcs7-signature": "none", "application/x-pkcs7-signature": "none",
    "application/pkcs7-mime": "none", "application/x-pkcs7-mime": "none", "application/pgp-signature": "none",
    "application/pgp-encrypted": "none", "application/pgp-keys": "none",
    "application/json": "text", "text/csv": "text", "text/calendar": "text",
    "message/rfc822": "mime", "message/global": "mime",
}
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MEDIA_MAGIC = (
    b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\0", b"MM\0*", b"BM", b"ID3", b"OggS",
    b"\0\0\1\0",
)
_ARCHIVE_MAGIC = (b"\x1f\x8b", b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07", b"BZh", b"\xfd7zXZ\0", b"MSCF")
_XML_START = re.compile(rb"\s*(<\?xml|<[A-Za-z_][\w.:-]*[\s>/])")
_HTML_START = re.compile(rb"\s*(<!doctype\s+html|<html|<head|<body|<meta|<div|<p[\s>])", re.I)

#: Extension for attachments without a file name, by content type (no system mime.types is read).
_DEFAULT_EXTENSIONS = {
    "application/pdf": ".pdf", "text/plain": ".txt", "text/html": ".html", "text/xml": ".xml",
    "application/xml": ".xml", "text/csv": ".csv", "text/calendar": ".ics", "text/rtf": ".rtf",
    "application/rtf": ".rtf", "application/zip": ".zip", "image/jpeg": ".jpg", "image/png": ".png",
    "image/gif": ".gif", "image/tiff": ".tif", "image/bmp": ".bmp", "image/webp": ".webp",
    "message/rfc822": ".eml", "message/global": ".eml", "application/msword": ".doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.oasis.opendocument.text": ".odt", "application/vnd.ms-excel": ".xls",
    "application/pkcs7-signature": ".p7s", "application/pkcs7-mime": ".p7m", "text/x-vcard": ".vcf",
    "text/vcard": ".vcf", "application/json": ".json",
}


def extension_for(content_type: str) -> str:
    """A file extension for ``content_type`` (``.bin`` when unknown)."""
    ctype = content_type.split(";", 1)[0].strip().lower()
    if ctype in _DEFAULT_EXTENSIONS:
        return _DEFAULT_EXTENSIONS[ctype]
    if ctype.startswith("text/"):
        return ".txt"
    return ".bin"


def is_message(attachment: Attachment) -> bool:
    """True for an attached e-mail (``message/rfc822`` or an ``.eml`` file): parse it and scan it whole."""
    ctype = attachment.content_type.split(";", 1)[0].strip().lower()
    return ctype in MESSAGE_TYPES or attachment.filename.lower().endswith(".eml")


def _extension(filename: str) -> str:
    return posixpath.splitext(filename.replace("\\", "/").lower())[1].lstrip(".")


def _magic(data: bytes) -> str | None:
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(_OLE):
        return "legacy"
    if head.lstrip()[:5] == b"{\\rtf":
        return "rtf"
    if head.startswith(_MEDIA_MAGIC) or head[4:12] in (b"ftypheic", b"ftypmif1", b"ftypisom", b"ftypmp42"):
        return "media"
    if head.startswith(b"RIFF") and head[8:12] in (b"WEBP", b"WAVE", b"AVI "):
        return "media"
    if head.startswith(_ARCHIVE_MAGIC) or head[257:262] == b"ustar":
        return "archive"
    if head.startswith((b"-----BEGIN PGP", b"-----BEGIN PKCS7")):
        return "none"
    return None


def _sniff_text(data: bytes) -> str:
    """The text kind of data that looks like text: hl7, html, xml or plain text."""
    from medseal.extract.hl7 import is_hl7

    head = data[:1024].lstrip(b"\xef\xbb\xbf")
    if is_hl7(head.decode("latin-1")):
        return "hl7"
    if _HTML_START.match(head):
        return "html"
    if _XML_START.match(head):
        return "xml"
    return "text"


def detect_kind(filename: str, content_type: str, data: bytes) -> str:
    """What the attachment is: pdf, zip, office, legacy, rtf, html, xml, hl7, text, media, none, archive,
    binary. The bytes win over the name and the declared type (a PDF named ``.txt`` is read as a PDF)."""
    magic = _magic(data)
    if magic == "zip":
        return "zip"  # office packages are told apart by their members
    if magic is not None:
        return magic
    ctype = content_type.split(";", 1)[0].strip().lower()
    declared = _EXTENSIONS.get(_extension(filename)) or _CONTENT_TYPES.get(ctype)
    if declared is None and ctype.startswith(("image/", "audio/", "video/")):
        declared = "media"
    if declared in ("media", "none", "legacy", "archive"):
        return declared
    if declared in ("pdf", "office", "zip"):
        return declared  # without the right signature: the reader will call it corrupt
    if not looks_like_text(data):
        return "binary"
    sniffed = _sniff_text(data)
    if declared in ("html", "xml", "rtf", "mime") or (declared == "hl7" and sniffed != "hl7"):
        return declared
    if declared == "text" and sniffed == "xml":
        return "text"  # a .txt or .csv that happens to start with "<": keep it literal
    return sniffed


class _Reader:
    """One attachment's extraction: the limits, the shared decompression budget, the nesting depth."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.budget = Budget(limits)
        self.medical: list[MedicalDocument] = []  # structured medical files met, in reading order

    def read(self, filename: str, content_type: str, data: bytes, depth: int) -> str:
        limits = self.limits
        if len(data) > limits.max_attachment_bytes:
            raise UnreadableAttachment(f"over the size limit ({limits.max_attachment_bytes // 2**20} MB)")
        if depth > limits.max_nesting:
            raise UnreadableAttachment("archives or attached messages nested too deeply")
        if not data:
            return ""
        from medseal.extract.medical import read_medical  # medical formats first, by content only

        if (medical := read_medical(data)) is not None:
            self.medical.append(medical)
            return check_text(medical.text, limits)
        kind = detect_kind(filename, content_type, data)
        handler = self.handlers.get(kind)
        if handler is None:
            raise UnreadableAttachment(_REASONS.get(kind, "unsupported file type"))
        return check_text(handler(data, depth), limits)

    @property
    def handlers(self) -> dict[str, Callable[[bytes, int], str]]:
        return {
            "pdf": self._pdf,
            "zip": self._zip,
            "office": self._zip,
            "rtf": _rtf,
            "html": _html,
            "xml": _xml,
            "hl7": _hl7,
            "text": _text,
            "media": _nothing,
            "none": _nothing,
            "mime": self._message,
        }

    def _pdf(self, data: bytes, _depth: int) -> str:
        from medseal.extract.pdf import pdf_to_text

        return pdf_to_text(data, self.limits)

    def _zip(self, data: bytes, depth: int) -> str:
        from medseal.extract.archive import open_zip, read_member
        from medseal.extract.office import office_kind, office_to_text

        archive = open_zip(data, self.budget)
        office = office_kind(archive)
        if office is not None:
            return office_to_text(archive, office, self.budget)
        parts = []
        for member in archive.infolist():
            parts.append(member.filename)
            if member.is_dir():
                continue
            content = read_member(archive, member, self.budget)
            parts.append(self.read(member.filename, "", content, depth + 1))
        return "\n".join(p for p in parts if p)

    def _message(self, data: bytes, depth: int) -> str:
        """An e-mail inside an archive: its subject, bodies and attachments, as text."""
        from medseal.errors import InputError
        from medseal.parse import parse_message

        try:
            message = parse_message(data)
        except InputError:
            return self.read("message.txt", "text/plain", data, depth)
        parts = [message.subject, message.text_body or "", html_to_text(message.html_body or "")]
        for item in message.attachments:  # attached messages come back here through read(): depth-checked
            parts += [item.filename, self.read(item.filename, item.content_type, item.data, depth + 1)]
        return "\n".join(p for p in parts if p)


_REASONS = {
    "legacy": "legacy or password-protected Office document, or Outlook .msg file (cannot be read)",
    "archive": "compressed archive type that cannot be read (only zip is supported)",
    "binary": "unsupported file type",
}


def _rtf(data: bytes, _depth: int) -> str:
    from medseal.extract.rtf import rtf_to_text

    return rtf_to_text(data)


def _html(data: bytes, _depth: int) -> str:
    from medseal.extract.markup import html_bytes_to_text

    return html_bytes_to_text(data)


def _xml(data: bytes, _depth: int) -> str:
    from medseal.extract.markup import xml_to_text

    return xml_to_text(data)


def _hl7(data: bytes, _depth: int) -> str:
    from medseal.extract.hl7 import hl7_to_text

    return hl7_to_text(decode_text(data))


def _text(data: bytes, _depth: int) -> str:
    return decode_text(data)


def _nothing(_data: bytes, _depth: int) -> str:
    return ""


def extract_document(attachment: Attachment, limits: Limits = Limits()) -> AttachmentContent:  # noqa: B008
    """The text of ``attachment`` for scanning and the structured medical files in it (the attachment itself
    or members of an archive), their spans pointing into that text; raises UnreadableAttachment (with a
    reason a user can act on) when it cannot be read completely: encrypted, corrupt, over a limit, or a
    document type we cannot read."""
    from medseal.extract.medical import place

    reader = _Reader(limits)
    text = reader.read(attachment.filename, attachment.content_type, attachment.data, 0)
    return AttachmentContent(text, place(reader.medical, text))


def extract_text(attachment: Attachment, limits: Limits = Limits()) -> str:  # noqa: B008 - frozen, immutable
    """The text of ``attachment`` for scanning (see :func:`extract_document`)."""
    return extract_document(attachment, limits).text
