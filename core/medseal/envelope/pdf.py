"""The password envelope: AES-256 encrypted PDFs (PDF 2.0, standard security handler revision 6).

Every recipient can open these with what they already have (any PDF reader asks for the password); RC4 and
40/128-bit handlers are never written. Two kinds of envelope, both marked in the document catalogue with
``/MedsealEnvelope << /V 1 /Kind /Message|/Pdf ... >>`` (the key is visible without the password, which lets
``medseal.recognise`` see that a message is already protected):

``message.pdf`` (:func:`build_message_pdf`)
    The body as real text pages (Courier, WinAnsiEncoding, wrapped at 80 columns and paginated; a monospaced
    font needs no font metrics and keeps plain-text mail layout), and as embedded files: ``body.txt`` (the
    exact body, UTF-8) and ``body.html`` (when there is an HTML body). Every other file is embedded unchanged,
    name-tree key ``NNNN name`` (``NNNN`` its position in the original message), ``/UF`` its original name and
    ``/Subtype`` its MIME type (lower case, without parameters). Characters Courier cannot show are
    approximated (``ő`` -> ``o``) or shown as ``?``, with a note pointing at ``body.txt``, where nothing is lost.

A re-encrypted PDF (:func:`encrypt_pdf`)
    An attached PDF rewritten with encryption, its original name and position in the marker. Only PDFs that
    pypdf reads strictly, that are not already encrypted and not digitally signed (rewriting would break the
    signature) are re-encrypted; :func:`seal` embeds any other PDF unchanged in ``message.pdf`` instead, so it
    arrives byte for byte.

Integrity. PDF encryption (AES-CBC) detects neither tampering nor truncation, so each envelope ends, after
``%%EOF``, with one comment line ``%MEDSEAL-MAC-V1 <hex>``: HMAC-SHA256 over every byte before it, under
``HMAC-SHA256(file key, "medseal/pdf-mac/v1")``. PDF readers ignore it; :func:`open_pdf` checks it before
reading any content and turns a wrong password, a missing or wrong MAC, or anything unreadable into the one
:class:`~medseal.errors.DecryptionError`.

All randomness (file key, salts, IVs, file IDs) comes from :func:`medseal.crypto.backend.get_backend` through
:mod:`medseal.envelope._pypdf_bridge`; no dates are written, so a deterministic backend gives byte-identical
envelopes.
"""

from __future__ import annotations

import hmac
import re
import textwrap
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from io import BytesIO
from typing import Literal

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from medseal.crypto.backend import get_backend
from medseal.envelope import _pypdf_bridge
from medseal.errors import DecryptionError, InputError
from medseal.model import Attachment

ENVELOPE_NAME = "message.pdf"
BODY_TEXT = "body.txt"
BODY_HTML = "body.html"
PDF_HEADER = "%PDF-2.0"
MAC_PREFIX = b"%MEDSEAL-MAC-V1 "
MARKER = "/MedsealEnvelope"
_MAC_LABEL = b"medseal/pdf-mac/v1"
_MAC_LINE = re.compile(rb"\n%MEDSEAL-MAC-V1 ([0-9a-f]{64})\n\Z")
_POSITION_KEY = re.compile(r"\A(\d{4,}) ")

# A4 in points; Courier's glyphs are 0.6 em wide, so 80 columns of 10 pt fit between 2 cm margins.
_PAGE_W, _PAGE_H, _MARGIN = 595.28, 841.89, 56.0
_SIZE, _TITLE_SIZE, _LEADING = 10, 12, 13
_COLUMNS, _TITLE_COLUMNS = 80, 66
_LINES_PER_PAGE = int((_PAGE_H - 2 * _MARGIN) // _LEADING)
_FONTS = {"/F1": "/Courier", "/F2": "/Courier-Bold"}


class NotReencryptable(InputError):
    """This PDF is not re-encrypted as a PDF (already encrypted, signed or not strictly readable)."""

    message = "this PDF cannot be re-encrypted as a PDF; it travels inside message.pdf instead"


@dataclass(frozen=True)
class PageLabels:
    """The few sentences ``message.pdf`` prints besides the body (pass the user's language)."""

    attachments: str = "Attached files (open them from the attachments panel of your PDF reader):"
    lossy: str = "Some characters cannot be shown on these pages; the exact text is in the attached body.txt."


@dataclass(frozen=True)
class OpenedPdf:
    """What an envelope holds. ``kind`` ``"message"``: the body and the embedded files. ``kind`` ``"pdf"``:
    ``attachments`` is the one decrypted PDF under its original name. ``positions`` gives each attachment's
    place in the original message (``None`` when unknown). ``decrypted_pdf`` is the document without
    encryption (rewritten by pypdf: same content, other bytes)."""

    kind: Literal["message", "pdf"]
    body_text: str | None
    body_html: str | None
    attachments: tuple[Attachment, ...]
    positions: tuple[int | None, ...]
    decrypted_pdf: bytes


@dataclass(frozen=True)
class Unsealed:
    """The content of a set of envelopes, attachments back in their original order."""

    body_text: str | None
    body_html: str | None
    attachments: tuple[Attachment, ...]


# -- text pages -------------------------------------------------------------------------------------------


#: Letters and signs without a decomposition that have an obvious WinAnsi stand-in.
_STAND_INS = str.maketrans(
    {
        "Ł": "L",
        "ł": "l",
        "Đ": "D",
        "đ": "d",
        "Ħ": "H",
        "ħ": "h",
        "ı": "i",
        "Ŋ": "N",
        "ŋ": "n",
        "Ŧ": "T",
        "ŧ": "t",
        "\u2010": "-",
        "\u2011": "-",
        "\u2212": "-",
        "\u2044": "/",
        "\u2192": "->",
        "\u2190": "<-",
    }
)


#: Every character WinAnsiEncoding shows as itself, plus tab and newline.
_SHOWN_AS_IS = frozenset(
    c for c in bytes(range(256)).decode("cp1252", "ignore") if unicodedata.category(c)[0] != "C"
) | frozenset("\t\n")


def displayable(text: str) -> tuple[str, bool]:
    """``text`` reduced to what Courier with WinAnsiEncoding can show, and whether anything was lost."""
    text = unicodedata.normalize("NFC", text)
    if set(text) <= _SHOWN_AS_IS:
        return text, False
    out: list[str] = []
    lossy = False
    for char in text:
        category = unicodedata.category(char)
        if char in _SHOWN_AS_IS:
            out.append(char)
        elif category == "Cf":  # zero-width and other invisible format characters
            continue
        elif category.startswith("C"):
            out.append("?")
            lossy = True
        else:
            lossy = True
            parts = unicodedata.normalize("NFKD", char.translate(_STAND_INS))
            approx = "".join(c for c in parts if c in _SHOWN_AS_IS and c not in "\t\n")
            out.append(approx or "?")
    return "".join(out), lossy


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for raw in text.splitlines() or [""]:
        line = raw.expandtabs(8)
        if not line.strip():
            lines.append("")
            continue
        indent = line[: len(line) - len(line.lstrip(" >"))]
        lines += textwrap.wrap(
            line,
            width,
            subsequent_indent=indent if len(indent) <= width // 2 else "",
            break_long_words=True,
            break_on_hyphens=False,
        ) or [""]
    return lines


class _HtmlText(HTMLParser):
    _BREAKS = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head", "title"):
            self._skip += 1
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head", "title"):
            self._skip = max(0, self._skip - 1)
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(" ".join(data.split()) if data.strip() else (" " if data else ""))


def html_to_text(html: str) -> str:
    """A rough plain-text view of an HTML body, for the pages only (``body.html`` keeps the original)."""
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.strip() for line in text.splitlines())).strip()


Line = tuple[str, str]  # (font resource, text)


def _layout(title: str, body: str, attachment_names: Sequence[str], labels: PageLabels) -> list[list[Line]]:
    """Pages of ``(font, text)`` lines."""
    shown_title, lossy_title = displayable(title)
    shown_body, lossy_body = displayable(body)
    lines: list[Line] = [("/F2", line) for line in _wrap(shown_title, _TITLE_COLUMNS)] if shown_title else []
    if lines:
        lines.append(("/F1", ""))
    lossy = lossy_title or lossy_body
    names = [displayable(name)[0] or "?" for name in attachment_names]
    if lossy:
        lines += [("/F1", line) for line in _wrap(displayable(labels.lossy)[0], _COLUMNS)]
        lines.append(("/F1", ""))
    lines += [("/F1", line) for line in _wrap(shown_body, _COLUMNS)]
    if names:
        lines.append(("/F1", ""))
        lines += [("/F1", line) for line in _wrap(displayable(labels.attachments)[0], _COLUMNS)]
        lines += [("/F1", line) for name in names for line in _wrap(f"- {name}", _COLUMNS)]
    return [lines[i : i + _LINES_PER_PAGE] for i in range(0, len(lines), _LINES_PER_PAGE)] or [[]]


def _content_stream(lines: Sequence[tuple[str, str]]) -> bytes:
    ops = [f"BT {_LEADING} TL {_MARGIN:.2f} {_PAGE_H - _MARGIN - _TITLE_SIZE:.2f} Td"]
    font = ""
    for line_font, text in lines:
        if line_font != font:
            font = line_font
            ops.append(f"{font} {_TITLE_SIZE if font == '/F2' else _SIZE} Tf")
        ops.append(f"<{text.encode('cp1252').hex()}> Tj T*")
    ops.append("ET")
    return "\n".join(ops).encode("ascii")


def _font_resources() -> DictionaryObject:
    fonts = DictionaryObject()
    for key, base in _FONTS.items():
        fonts[NameObject(key)] = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject(base),
                NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
            }
        )
    return DictionaryObject({NameObject("/Font"): fonts})


def _add_pages(writer: PdfWriter, pages: Sequence[Sequence[tuple[str, str]]]) -> None:
    for lines in pages:
        page = writer.add_blank_page(_PAGE_W, _PAGE_H)
        page[NameObject("/Resources")] = _font_resources()
        stream = DecodedStreamObject()
        stream.set_data(_content_stream(lines))
        page.replace_contents(stream.flate_encode())


# -- writing ----------------------------------------------------------------------------------------------


def _mime_name(content_type: str) -> NameObject:
    bare = content_type.split(";")[0].strip().lower() or "application/octet-stream"
    return NameObject("/" + bare)


def _embed(writer: PdfWriter, key: str, filename: str, content_type: str, data: bytes) -> None:
    embedded = writer.add_attachment(key, data)
    embedded.alternative_name = TextStringObject(filename)
    embedded.subtype = _mime_name(content_type)
    embedded.size = NumberObject(len(data))


def _marker(kind: str, **strings: str | int) -> DictionaryObject:
    marker = DictionaryObject({NameObject("/V"): NumberObject(1), NameObject("/Kind"): NameObject(kind)})
    for key, value in strings.items():
        name = NameObject("/" + key)
        marker[name] = NumberObject(value) if isinstance(value, int) else TextStringObject(value)
    return marker


def _mac_key(file_key: bytes) -> bytes:
    return get_backend().hmac_sha256(file_key, _MAC_LABEL)


def _finish(writer: PdfWriter, password: str) -> bytes:
    """Encrypt (AES-256, R6), serialise, and append the MAC line."""
    writer.pdf_header = PDF_HEADER
    writer.encrypt(password, algorithm="AES-256")
    buffer = BytesIO()
    writer.write(buffer)
    pdf = buffer.getvalue()
    mac = get_backend().hmac_sha256(_mac_key(_pypdf_bridge.file_key(writer)), pdf)
    return b"".join((pdf, MAC_PREFIX, mac.hex().encode("ascii"), b"\n"))


def build_message_pdf(
    body_text: str | None,
    attachments: Sequence[Attachment],
    password: str,
    title: str = "",
    *,
    body_html: str | None = None,
    positions: Sequence[int] | None = None,
    labels: PageLabels | None = None,
) -> bytes:
    """``message.pdf``: the body as pages and as ``body.txt``/``body.html``; ``attachments`` embedded as-is.

    ``positions`` are the attachments' places in the original message (default: their order here).
    """
    if not password:
        raise ValueError("an envelope needs a password")
    places = list(positions) if positions is not None else list(range(len(attachments)))
    if len(places) != len(attachments):
        raise ValueError("one position per attachment")
    _pypdf_bridge.install()
    shown = body_text if body_text is not None else html_to_text(body_html or "")
    writer = PdfWriter()
    _add_pages(writer, _layout(title, shown, [a.filename for a in attachments], labels or PageLabels()))
    if body_text is not None:
        _embed(writer, BODY_TEXT, BODY_TEXT, "text/plain", body_text.encode("utf-8"))
    if body_html is not None:
        _embed(writer, BODY_HTML, BODY_HTML, "text/html", body_html.encode("utf-8"))
    for place, attachment in zip(places, attachments, strict=True):
        _embed(
            writer,
            f"{place:04d} {attachment.filename}",
            attachment.filename,
            attachment.content_type,
            attachment.data,
        )
    if attachments:
        writer.root_object[NameObject("/PageMode")] = NameObject("/UseAttachments")
    writer.root_object[NameObject(MARKER)] = _marker("/Message")
    if title:
        writer.add_metadata({"/Title": title})
    return _finish(writer, password)


def _is_signed(reader: PdfReader) -> bool:
    root = reader.root_object
    form = root.get("/AcroForm")
    form = form.get_object() if form is not None else None
    flags = form.get("/SigFlags", 0) if isinstance(form, DictionaryObject) else 0
    return "/Perms" in root or bool(int(flags) & 1)


def encrypt_pdf(pdf_bytes: bytes, password: str, *, name: str = "", position: int | None = None) -> bytes:
    """``pdf_bytes`` rewritten as an AES-256 encrypted PDF recording its original ``name`` and ``position``.

    Raises :class:`NotReencryptable` for a PDF that is already encrypted, digitally signed, or that pypdf
    cannot read strictly; such a PDF should travel unchanged inside ``message.pdf`` (:func:`seal` does so).
    """
    if not password:
        raise ValueError("an envelope needs a password")
    _pypdf_bridge.install()
    try:
        reader = PdfReader(BytesIO(pdf_bytes), strict=True)
        if reader.is_encrypted or _is_signed(reader):
            raise NotReencryptable()
        header = reader.pdf_header
        writer = PdfWriter(clone_from=reader)
        root = writer.root_object
        if MARKER in root:
            del root[MARKER]
        fields: dict[str, str | int] = {"Name": name, "Header": header}
        if position is not None:
            fields["Position"] = position
        root[NameObject(MARKER)] = _marker("/Pdf", **fields)
        return _finish(writer, password)
    except NotReencryptable:
        raise
    except Exception:  # anything pypdf cannot rewrite faithfully
        raise NotReencryptable() from None


def _looks_like_pdf(attachment: Attachment) -> bool:
    return attachment.data[:1024].lstrip().startswith(b"%PDF-") or (
        attachment.content_type.lower().startswith("application/pdf") and b"%PDF-" in attachment.data[:1024]
    )


def _pdf_name(name: str) -> str:
    name = name.strip() or "document.pdf"
    return name if name.lower().endswith(".pdf") else name + ".pdf"


def _unique(names: Sequence[str]) -> list[str]:
    seen: set[str] = set()
    unique = []
    for name in names:
        stem, dot, ext = name.rpartition(".")
        candidate, n = name, 1
        while candidate.lower() in seen:
            n += 1
            candidate = f"{stem} ({n}).{ext}" if dot else f"{name} ({n})"
        seen.add(candidate.lower())
        unique.append(candidate)
    return unique


def seal(
    body_text: str | None,
    body_html: str | None,
    attachments: Sequence[Attachment],
    password: str,
    *,
    title: str = "",
    outer_names: Sequence[str] | None = None,
    labels: PageLabels | None = None,
) -> tuple[Attachment, ...]:
    """The whole password envelope of one message: ``message.pdf`` first, then each re-encrypted PDF.

    ``outer_names`` (default: the original names) are the names the re-encrypted PDFs travel under, e.g.
    pseudonymised; inside, every file keeps its original name and position. Names are made unique
    (``message.pdf`` is reserved) and end in ``.pdf``.
    """
    outer = list(outer_names) if outer_names is not None else [a.filename for a in attachments]
    if len(outer) != len(attachments):
        raise ValueError("one outer name per attachment")
    _pypdf_bridge.install()
    with _pypdf_bridge.one_password_hash():
        return _seal(body_text, body_html, attachments, password, title, outer, labels)


def _seal(
    body_text: str | None,
    body_html: str | None,
    attachments: Sequence[Attachment],
    password: str,
    title: str,
    outer: Sequence[str],
    labels: PageLabels | None,
) -> tuple[Attachment, ...]:
    embedded: list[Attachment] = []
    places: list[int] = []
    sealed: list[tuple[str, bytes]] = []
    for place, attachment in enumerate(attachments):
        if _looks_like_pdf(attachment):
            try:
                data = encrypt_pdf(attachment.data, password, name=attachment.filename, position=place)
            except NotReencryptable:
                pass
            else:
                sealed.append((_pdf_name(outer[place]), data))
                continue
        embedded.append(attachment)
        places.append(place)
    message = build_message_pdf(
        body_text, embedded, password, title, body_html=body_html, positions=places, labels=labels
    )
    names = _unique([ENVELOPE_NAME] + [name for name, _ in sealed])
    datas = [message] + [data for _, data in sealed]
    return tuple(Attachment(name, "application/pdf", data) for name, data in zip(names, datas, strict=True))


# -- opening ----------------------------------------------------------------------------------------------


def is_envelope(data: bytes) -> bool:
    """True when ``data`` ends like a medseal envelope (its MAC line); says nothing of its validity."""
    return data.startswith(b"%PDF-") and _MAC_LINE.search(data[-200:]) is not None


def _split_mac(data: bytes) -> tuple[bytes, bytes]:
    tail = data[-200:]
    match = _MAC_LINE.search(tail) if data.startswith(b"%PDF-") else None
    if match is None:
        raise DecryptionError()
    end = len(data) - len(tail) + match.start() + 1  # keep the PDF's own final newline
    return data[:end], bytes.fromhex(match.group(1).decode("ascii"))


def _text(value: object) -> str:
    return str(value) if isinstance(value, str) else ""


def _decrypted_copy(reader: PdfReader, header: str) -> bytes:
    writer = PdfWriter(clone_from=reader)
    if MARKER in writer.root_object:
        del writer.root_object[MARKER]
    if header:
        writer.pdf_header = header
    buffer = BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _open(data: bytes, password: str, want_pdf: bool) -> OpenedPdf:
    signed, mac = _split_mac(data)
    reader = PdfReader(BytesIO(signed), strict=False, password=password)  # wrong password: an exception
    if not reader.is_encrypted:
        raise DecryptionError()
    encrypt = reader.trailer["/Encrypt"].get_object()
    if not isinstance(encrypt, DictionaryObject):
        raise DecryptionError()
    if int(encrypt.get("/V", 0)) != 5 or int(encrypt.get("/R", 0)) != 6:
        raise DecryptionError()
    expected = get_backend().hmac_sha256(_mac_key(_pypdf_bridge.file_key(reader)), signed)
    if not hmac.compare_digest(expected, mac):
        raise DecryptionError()
    marker = reader.root_object.get(MARKER)
    marker = marker.get_object() if marker is not None else None
    if not isinstance(marker, DictionaryObject) or marker.get("/V") != 1:
        raise DecryptionError()
    if marker.get("/Kind") == "/Pdf":
        position = marker.get("/Position")
        decrypted = _decrypted_copy(reader, _text(marker.get("/Header")))
        attachment = Attachment(_text(marker.get("/Name")), "application/pdf", decrypted)
        place = int(position) if isinstance(position, int) else None
        return OpenedPdf("pdf", None, None, (attachment,), (place,), decrypted)
    if marker.get("/Kind") != "/Message":
        raise DecryptionError()
    body_text = body_html = None
    attachments: list[Attachment] = []
    positions: list[int | None] = []
    for embedded in reader.attachment_list:
        content = embedded.content
        if embedded.name == BODY_TEXT:
            body_text = content.decode("utf-8")
        elif embedded.name == BODY_HTML:
            body_html = content.decode("utf-8")
        else:
            match = _POSITION_KEY.match(embedded.name)
            subtype = (embedded.subtype or "/application/octet-stream").removeprefix("/")
            name = embedded.alternative_name
            attachments.append(Attachment(name if name is not None else embedded.name, subtype, content))
            positions.append(int(match.group(1)) if match else None)
    decrypted = _decrypted_copy(reader, "") if want_pdf else b""
    return OpenedPdf("message", body_text, body_html, tuple(attachments), tuple(positions), decrypted)


def open_pdf(pdf_bytes: bytes, password: str, *, want_pdf: bool = True) -> OpenedPdf:
    """Open one envelope. Wrong password, tampered, truncated or foreign file: :class:`DecryptionError`.

    ``want_pdf=False`` skips rewriting a ``message.pdf`` without encryption (``decrypted_pdf`` is then empty).
    """
    _pypdf_bridge.install()
    try:
        return _open(pdf_bytes, password, want_pdf)
    except DecryptionError:
        raise
    except Exception:  # whatever pypdf makes of a damaged file, the user sees one error
        raise DecryptionError() from None


def unseal(envelopes: Sequence[Attachment], password: str) -> Unsealed:
    """Open every envelope of one message (one ``message.pdf``, any number of re-encrypted PDFs).

    A re-encrypted PDF without a recorded name (made by :func:`encrypt_pdf` without ``name``) comes back under
    the name it travelled under.
    """
    opened = [(part, open_pdf(part.data, password, want_pdf=False)) for part in envelopes]
    messages = [o for _, o in opened if o.kind == "message"]
    if len(messages) > 1:
        raise DecryptionError("a protected message holds one message.pdf")
    body_text = messages[0].body_text if messages else None
    body_html = messages[0].body_html if messages else None
    placed: list[tuple[int | None, Attachment]] = []
    for part, o in opened:
        for place, attachment in zip(o.positions, o.attachments, strict=True):
            if o.kind == "pdf" and not attachment.filename:
                attachment = Attachment(part.filename, attachment.content_type, attachment.data)
            placed.append((place, attachment))
    # known positions first, in order; files without one keep their arrival order after them
    ordered = sorted(range(len(placed)), key=lambda i: (placed[i][0] is None, placed[i][0] or 0, i))
    return Unsealed(body_text, body_html, tuple(placed[i][1] for i in ordered))
