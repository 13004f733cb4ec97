"""The password envelope: AES-256 encrypted PDFs (PDF 2.0, standard security handler revision 6).

Every recipient can open these with what they already have (any PDF reader asks for the password); RC4 and
40/128-bit handlers are never written. Two kinds of envelope, both marked in the document catalogue with
``/MedsealEnvelope << /V 1 /Kind /Message|/Pdf ... >>`` (the key is visible without the password, which lets
``medseal.recognise`` see that a message is already protected):

``message.pdf`` (:func:`build_message_pdf`)
    A letter (:mod:`medseal.envelope.letter`): the practice, the writer, the date, the original subject, the
    body with its HTML structure in an embedded Unicode font (real, tagged text), the list of what is
    enclosed and how to open it, and every JPEG/PNG attachment drawn as a page. The exact body also travels
    as embedded files: ``body.txt`` (UTF-8) and ``body.html`` (when there is an HTML body). Every file is
    embedded unchanged, name-tree key ``NNNN name`` (``NNNN`` its position in the original message), ``/UF``
    its original name and ``/Subtype`` its MIME type (lower case, without parameters; a name, so in clear: a
    type that is not well known is written ``application/octet-stream`` and kept in the encrypted ``/Desc``).

A re-encrypted PDF (:func:`encrypt_pdf`)
    An attached PDF rewritten with encryption, its original name and position in the marker: it stays a PDF,
    which phones and webmails show directly (they rarely show files embedded in a PDF). What an interceptor
    still reads of it is its object skeleton: PDF encryption covers strings and streams only, so every name
    (``/Type /Page``, but also a custom key ``/Vandermeersch``), number and the structure travel in clear
    (and the trailer's ``/ID``, which is replaced by a fresh one). Only PDFs whose skeleton is neutral
    (:mod:`medseal.envelope.skeleton`: PDF vocabulary, resource and font names, short numbers), that pypdf
    reads strictly, that are not already encrypted and not digitally signed (rewriting would break the
    signature) are re-encrypted; :func:`seal` embeds any other PDF unchanged in ``message.pdf`` instead, so
    it arrives byte for byte and entirely inside encrypted streams. Embedding is the fallback because it is
    the one form in which nothing of the file is left in clear.

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
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import Literal

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from medseal.crypto.backend import get_backend
from medseal.envelope import _pypdf_bridge, images, letter
from medseal.envelope.letter import Enclosure, LetterHead
from medseal.envelope.skeleton import clear_skeleton_problem, neutral_mime_types
from medseal.errors import DecryptionError, InputError
from medseal.extract import is_pdf
from medseal.i18n import t
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
_OCTET_STREAM = "application/octet-stream"


class NotReencryptable(InputError):
    """This PDF is not re-encrypted as a PDF (already encrypted, signed or not strictly readable)."""

    message = "this PDF cannot be re-encrypted as a PDF; it travels inside message.pdf instead"


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


# -- WinAnsi text (the standard fonts' encoding, used by the access-code cards) ------------------------


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



# -- writing ----------------------------------------------------------------------------------------------


def _embed(writer: PdfWriter, key: str, filename: str, content_type: str, data: bytes) -> None:
    """One embedded file. Its ``/Subtype`` is a name, which PDF encryption leaves in clear: a type that is
    not well known (``application/x-dupont``) is written ``application/octet-stream``, and kept exactly in
    the ``/Desc`` string, which is encrypted."""
    embedded = writer.add_attachment(key, data)
    embedded.alternative_name = TextStringObject(filename)
    bare = content_type.split(";")[0].strip().lower() or _OCTET_STREAM
    if bare in neutral_mime_types():
        embedded.subtype = NameObject("/" + bare)
    else:
        embedded.subtype = NameObject("/" + _OCTET_STREAM)
        embedded.description = TextStringObject(bare)
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
    head: LetterHead | None = None,
) -> bytes:
    """``message.pdf``: the letter (``title``, the original subject, and the body as pages, see
    :mod:`medseal.envelope.letter`), the body as ``body.txt``/``body.html``, ``attachments`` embedded as-is
    (JPEG and PNG ones also drawn as pages).

    ``positions`` are the attachments' places in the original message (default: their order here).
    """
    if not password:
        raise ValueError("an envelope needs a password")
    places = list(positions) if positions is not None else list(range(len(attachments)))
    if len(places) != len(attachments):
        raise ValueError("one position per attachment")
    _pypdf_bridge.install()
    head = head or LetterHead()
    enclosures = [Enclosure(a.filename or "—", images.picture(a.data)) for a in attachments]
    canvas = letter.typeset(head, title, letter.body_blocks(body_text, body_html), enclosures)
    writer = PdfWriter()
    pictures = [e.picture for e in enclosures if e.picture is not None]
    letter.write_pages(writer, canvas, pictures, head.language)
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
    if any(e.picture is None for e in enclosures):
        writer.root_object[NameObject("/PageMode")] = NameObject("/UseAttachments")
    writer.root_object[NameObject(MARKER)] = _marker("/Message")
    writer.add_metadata({"/Title": title.strip() or t("notice.pdf_title", head.language)})
    return _finish(writer, password)


def _is_signed(reader: PdfReader) -> bool:
    root = reader.root_object
    form = root.get("/AcroForm")
    form = form.get_object() if form is not None else None
    flags = form.get("/SigFlags", 0) if isinstance(form, DictionaryObject) else 0
    return "/Perms" in root or bool(int(flags) & 1)


def encrypt_pdf(pdf_bytes: bytes, password: str, *, name: str = "", position: int | None = None) -> bytes:
    """``pdf_bytes`` rewritten as an AES-256 encrypted PDF recording its original ``name`` and ``position``.

    Raises :class:`NotReencryptable` for a PDF that is already encrypted, digitally signed, that pypdf
    cannot read strictly, or whose clear skeleton is not neutral (a name or a number that encryption would
    leave readable, see :mod:`medseal.envelope.skeleton`); such a PDF should travel unchanged inside
    ``message.pdf`` (:func:`seal` does so).
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
        if clear_skeleton_problem(writer._objects) is not None:
            raise NotReencryptable()
        writer._ID = None  # the source's file identifier is a clear string: encrypt() makes a fresh one
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
    head: LetterHead | None = None,
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
        return _seal(body_text, body_html, attachments, password, title, outer, head)


def _seal(
    body_text: str | None,
    body_html: str | None,
    attachments: Sequence[Attachment],
    password: str,
    title: str,
    outer: Sequence[str],
    head: LetterHead | None,
) -> tuple[Attachment, ...]:
    embedded: list[Attachment] = []
    places: list[int] = []
    sealed: list[tuple[str, bytes]] = []
    for place, attachment in enumerate(attachments):
        if is_pdf(attachment.data):
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
        body_text, embedded, password, title, body_html=body_html, positions=places, head=head
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
            subtype = (embedded.subtype or "/" + _OCTET_STREAM).removeprefix("/")
            if subtype == _OCTET_STREAM and embedded.description:
                subtype = embedded.description
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
