"""Text extraction for attachments, with hard limits on size and decompression.

:func:`extract_text` is the entry point. What an attachment is, is decided by its bytes
(:func:`detect_kind`, through the one sniffer :mod:`.sniff`): a name or a declared type only chooses between
text formats that the bytes leave open (an HTML fragment named ``.html``, a ``.vcf`` without its
``BEGIN:``). The reader for that kind then returns *everything* an interceptor could read in it:
:mod:`.pdf` (pages, metadata, outlines, annotations, form fields, embedded files), :mod:`.office` (every
member of a docx/xlsx/pptx/odt/ods/odp package), :mod:`.markup` (HTML with its comments, attributes and
scripts; XML), :mod:`.cards` (iCalendar, vCard), :mod:`.rtf`, :mod:`.hl7`, :mod:`.media` (images),
:mod:`.plain`. Attached messages (:func:`is_message`) are the caller's: it parses them with
:func:`medseal.parse.parse_message` and scans them like the outer one.

Whatever cannot be read completely raises :class:`~medseal.errors.UnreadableAttachment` (fail closed: the
scan reports it and protect puts it inside the envelope): images other than small decorative ones (see
:mod:`.media`), audio and video, legacy ``.doc``/``.xls``/``.ppt``, Outlook ``.msg`` and password-protected
Office files (OLE containers), encrypted PDFs and zips, archive types other than zip, signed S/MIME data that
carries its content, corrupt files, anything over a :class:`Limits` bound, and any other binary.

Nothing to read: a detached CMS signature (``.p7s`` whose bytes really are one), CMS enveloped data and
OpenPGP encrypted messages or signatures — ciphertext and signatures carry nothing in clear. A ``.p7s`` that
is in fact a text is read as a text.

Zip archives are opened and every member is read the same way (nested up to ``max_nesting`` levels, sharing
one decompression budget); member names are part of the text, since they too can name a patient.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable

from medseal.errors import UnreadableAttachment
from medseal.extract.limits import Budget, Limits, check_text
from medseal.extract.markup import html_to_text
from medseal.extract.pdf import ENCRYPTED_PDF
from medseal.extract.plain import decode_text
from medseal.extract.sniff import is_pdf, sniff
from medseal.model import Attachment

__all__ = [
    "ENCRYPTED_PDF",
    "MESSAGE_TYPES",
    "TEXT_KINDS",
    "Limits",
    "detect_kind",
    "extension_for",
    "extract_text",
    "html_to_text",
    "is_message",
    "is_pdf",
]

MESSAGE_TYPES = frozenset({"message/rfc822", "message/global"})

#: Kinds of data that read as text: the name or the declared type may choose among them.
TEXT_KINDS = frozenset({"text", "html", "xml", "hl7", "rtf", "card", "mime"})

#: What a file name or a declared type says about a text (never about a binary: the bytes decide those).
_DECLARED_EXTENSIONS = {
    "htm": "html", "html": "html", "xhtml": "html", "mht": "mime", "mhtml": "mime", "eml": "mime",
    "xml": "xml", "kmehr": "xml", "svg": "xml", "xsd": "xml",
    "hl7": "hl7", "er7": "hl7",
    "ics": "card", "ical": "card", "ifb": "card", "vcf": "card", "vcard": "card",
    "txt": "text", "csv": "text", "tsv": "text", "log": "text", "md": "text", "json": "text", "ini": "text",
}
_DECLARED_TYPES = {
    "text/html": "html", "application/xhtml+xml": "html",
    "text/xml": "xml", "application/xml": "xml", "image/svg+xml": "xml",
    "application/hl7-v2": "hl7", "x-application/hl7-v2+er7": "hl7", "application/edi-hl7": "hl7",
    "text/x-hl7": "hl7",
    "text/calendar": "card", "text/vcard": "card", "text/x-vcard": "card", "text/directory": "card",
    "application/json": "text", "text/csv": "text", "text/plain": "text",
    "message/rfc822": "mime", "message/global": "mime",
}

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


def detect_kind(filename: str, content_type: str, data: bytes) -> str:
    """What the attachment is, by its bytes (:func:`medseal.extract.sniff.sniff`): pdf, zip, image, media,
    archive, binary, signature, encrypted, signed-content, or a text kind (text, html, xml, hl7, rtf, card,
    mime). For a text, the declared type may choose: an HTML fragment named ``.html`` is HTML, a ``.eml`` is a
    message; it never turns a text into media or a binary into a text (a text named ``.png`` is a text)."""
    kind = sniff(data)
    if kind not in TEXT_KINDS:
        return kind
    ctype = content_type.split(";", 1)[0].strip().lower()
    declared = _DECLARED_EXTENSIONS.get(_extension(filename)) or _DECLARED_TYPES.get(ctype)
    if kind == "xml" and declared == "text":
        return "text"  # a .csv or .txt that happens to start with "<": its literal text holds everything
    if kind != "text" or declared is None:
        return kind
    if declared in ("html", "mime", "card"):
        return declared
    return "text"  # a .xml that is not XML, an .hl7 without MSH: read literally


_REASONS = {
    "media": "audio or video file (its content cannot be checked)",
    "archive": "compressed archive type that cannot be read (only zip is supported)",
    "binary": "unsupported file type (legacy or password-protected Office document, Outlook .msg, or an "
    "unknown binary)",
    "signed-content": "signed S/MIME data with its content inside (cannot be read)",
}


class _Reader:
    """One attachment's extraction: the limits, the shared decompression budget, the nesting depth."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.budget = Budget(limits)

    def read(self, filename: str, content_type: str, data: bytes, depth: int) -> str:
        limits = self.limits
        if len(data) > limits.max_attachment_bytes:
            raise UnreadableAttachment(f"over the size limit ({limits.max_attachment_bytes // 2**20} MB)")
        if depth > limits.max_nesting:
            raise UnreadableAttachment("archives or attached messages nested too deeply")
        if not data:
            return ""
        kind = detect_kind(filename, content_type, data)
        handler = self.handlers.get(kind)
        if handler is None:
            raise UnreadableAttachment(_REASONS.get(kind, "unsupported file type"))
        return check_text(handler(data, depth), limits)

    def nested(self, depth: int) -> Callable[[str, bytes], str]:
        """The general reader one nesting level down, for what a document embeds."""
        return lambda name, data: self.read(name, "", data, depth + 1)

    @property
    def handlers(self) -> dict[str, Callable[[bytes, int], str]]:
        return {
            "pdf": self._pdf,
            "zip": self._zip,
            "image": self._image,
            "rtf": _rtf,
            "html": _html,
            "xml": _xml,
            "hl7": _hl7,
            "card": self._card,
            "text": _text,
            "signature": _nothing,
            "encrypted": _nothing,
            "mime": self._message,
        }

    def _pdf(self, data: bytes, depth: int) -> str:
        from medseal.extract.pdf import pdf_to_text

        nested = self.nested(depth)

        def embedded(name: str, content: bytes) -> str:  # inflated by pypdf: counts against the budget
            self.budget.spend(len(content))
            return nested(name, content)

        return pdf_to_text(data, self.limits, embedded)

    def _image(self, data: bytes, _depth: int) -> str:
        from medseal.extract.media import image_text

        return image_text(data, self.budget)

    def _card(self, data: bytes, depth: int) -> str:
        from medseal.extract.cards import card_to_text

        return card_to_text(data, self.nested(depth))

    def _zip(self, data: bytes, depth: int) -> str:
        from medseal.extract.archive import open_zip, read_member
        from medseal.extract.office import office_kind, office_to_text

        archive = open_zip(data, self.budget)
        if office_kind(archive) is not None:
            return office_to_text(archive, self.budget, self.nested(depth))
        parts = []
        for member in archive.infolist():
            parts.append(member.filename)
            if member.is_dir():
                continue
            content = read_member(archive, member, self.budget)
            parts.append(self.read(member.filename, "", content, depth + 1))
        return "\n".join(p for p in parts if p)

    def _message(self, data: bytes, depth: int) -> str:
        """An e-mail inside an archive: its headers, bodies and attachments, as text."""
        from medseal.errors import InputError
        from medseal.parse import parse_message

        try:
            message = parse_message(data)
        except InputError:
            return self.read("message.txt", "text/plain", data, depth)
        parts = [message.subject, message.sender, message.sender_name, *message.to, *message.cc, *message.bcc]
        parts += [message.text_body or "", html_to_text(message.html_body or "", everything=True)]
        for item in message.attachments:  # attached messages come back here through read(): depth-checked
            parts += [item.filename, self.read(item.filename, item.content_type, item.data, depth + 1)]
        return "\n".join(p for p in parts if p)


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


def extract_text(attachment: Attachment, limits: Limits = Limits()) -> str:  # noqa: B008 - frozen, immutable
    """The text of ``attachment`` for scanning: everything an interceptor could read in it. Raises
    UnreadableAttachment (with a reason a user can act on) when it cannot be read completely."""
    return _Reader(limits).read(attachment.filename, attachment.content_type, attachment.data, 0)
