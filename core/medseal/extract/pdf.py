"""PDF text, fast enough to scan at the moment of sending.

pypdf reads the document (cross-reference table, page tree, decryption, stream filters with its own
decompression limits) and decodes the fonts (encodings, ``/ToUnicode`` maps, widths). Its ``extract_text``
then walks the content streams one character at a time, about 1 µs a character: 45 ms for a three-page
report, too slow for a check at send time. So the content streams are read here, with one regular expression
for the tokens and a small text-state machine for positions (``Tm``, ``Td``, ``cm``, ``q``/``Q``, form
XObjects), which places line breaks and word spaces from the same geometry pypdf uses, at a fraction of the
cost. Whenever a page holds something this reader does not handle (a Type 3 or vertical font, a string nested
more deeply than three parentheses, a font that pypdf cannot model), that page goes to pypdf's
``extract_text`` instead: slower, never less complete.

Also read (:func:`document_text`), since a recipient's viewer shows them or a tool extracts them: every
string of every object reachable from the trailer (document information, outlines, annotations and their
authors, form field names and values, named destinations, link and JavaScript actions), XMP metadata and
embedded files (through the general reader, with the same limits). A picture larger than a logo (a scanned
page, a photo) makes the PDF unreadable: its pixels cannot be checked.

Refused with :class:`UnreadableAttachment`: a PDF that needs a password (``"encrypted PDF"``; one with an
empty user password opens in any viewer and is read), more pages than the limit, or one pypdf cannot parse.
"""

from __future__ import annotations

import io
import math
import re
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from medseal.errors import UnreadableAttachment
from medseal.extract.limits import Limits, check_text

ENCRYPTED_PDF = "encrypted PDF"

_WS = b"\x00\t\n\x0c\r "
_TOKEN = re.compile(
    rb"[\x00\t\n\x0c\r ]*+(?:"
    rb"(\((?:[^()\\]++|\\.|\((?:[^()\\]++|\\.|\((?:[^()\\]++|\\.)*+\))*+\))*+\))"  # 1 string, 3 levels deep
    rb"|(<[0-9A-Fa-f\x00\t\n\x0c\r ]*+>)"  # 2 hex string
    rb"|(/[^\x00\t\n\x0c\r /\[\]()<>{}%]*+)"  # 3 name
    rb"|([-+]?(?:\d++\.?\d*+|\.\d++))"  # 4 number
    rb"|(<<|>>|\[|\]|\{|\})"  # 5 delimiter
    rb"|(%[^\r\n]*+)"  # 6 comment
    rb"|([^\x00\t\n\x0c\r /\[\]()<>{}%]++)"  # 7 operator
    rb"|(.)"  # 8 anything else (an unbalanced parenthesis...): not a stream this reader understands
    rb")",
    re.S,
)
#: Inline image data is binary: cut from ``BI`` through ``ID <data> EI`` before tokenizing.
_INLINE_IMAGE = re.compile(
    rb"(?<![^\x00\t\n\x0c\r ])BI[\x00\t\n\x0c\r ].*?[\x00\t\n\x0c\r ]ID[\x00\t\n\x0c\r ].*?"
    rb"[\x00\t\n\x0c\r ]EI(?=[\x00\t\n\x0c\r /\[\]<(%]|$)",
    re.S,
)
_ESCAPE = re.compile(rb"\\(?:([0-7]{1,3})|(\r\n|\r|\n)|(.))", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}

#: A gap over SPACE_GAP x the font size is a word space; a vertical move over LINE_GAP x it, a line break.
SPACE_GAP = 0.15
LINE_GAP = 0.5
_MAX_FORM_DEPTH = 8

Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


class _Fallback(Exception):
    """This page needs pypdf's own extraction."""


def _mul(m: Matrix, n: Matrix) -> Matrix:
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s, e * p + f * r + t, e * q + f * s + u)


def _unescape(raw: bytes) -> bytes:
    if b"\\" not in raw:
        return raw

    def one(match: re.Match[bytes]) -> bytes:
        octal, newline, char = match.groups()
        if octal is not None:
            return bytes([int(octal, 8) & 0xFF])
        if newline is not None:
            return b""
        return _ESCAPES.get(char, char)

    return _ESCAPE.sub(one, raw)


def _hex(raw: bytes) -> bytes:
    digits = bytes(c for c in raw[1:-1] if c not in _WS)
    return bytes.fromhex((digits + b"0" if len(digits) % 2 else digits).decode("ascii"))


class _Font:
    """What the reader needs of one font: bytes -> text, and the advance of those bytes (in 1/1000 em)."""

    def __init__(self, font_dict: Any) -> None:
        try:
            self._load(font_dict)
        except _Fallback:
            raise
        except Exception as exc:  # a malformed font, or a pypdf whose font model changed: pypdf decides
            raise _Fallback from exc

    def _load(self, font_dict: Any) -> None:
        from medseal._pypdf_compat import font_model  # pypdf's own font model (encodings, ToUnicode, widths)

        if font_dict.get("/Subtype") == "/Type3" or str(font_dict.get("/Encoding", "")).endswith("-V"):
            raise _Fallback
        font = font_model(font_dict)
        if not font.interpretable:
            raise _Fallback
        encoding = font.encoding
        mapping: dict[int, str] = {
            ord(k): v for k, v in font.character_map.items() if isinstance(k, str) and len(k) == 1
        }
        self.simple = isinstance(encoding, dict)
        self.codec = "latin-1"
        if isinstance(encoding, dict):  # one table: byte -> encoding's char -> ToUnicode's text
            self.translation: dict[int, str] = {}
            for code in range(256):
                char: str = encoding.get(code, chr(code))
                self.translation[code] = mapping.get(ord(char), char) if len(char) == 1 else char
        else:
            self.codec = encoding
            self.translation = mapping
        widths = font.character_widths
        default = float(widths.get("default", 500))
        self.widths: defaultdict[str, float] = defaultdict(lambda: default)
        self.widths.update({k: float(v) for k, v in widths.items() if isinstance(k, str) and k != "default"})
        self.widths[font.space_char] = float(font.space_width)

    def decode(self, raw: bytes) -> tuple[str, float, int, int]:
        """Text, advance (1/1000 em), glyph count and single-byte spaces (for ``Tw``) of ``raw``.

        The same two steps as pypdf: the font's encoding, then its ``/ToUnicode`` map; widths are looked up
        by the code before the ``/ToUnicode`` step, as pypdf does.
        """
        if self.simple:
            codes = raw.decode("latin-1")
            spaces = raw.count(32)
        else:
            try:
                codes = raw.decode(self.codec, "surrogatepass")
            except UnicodeDecodeError:
                codes = raw.decode(self.codec, "replace")
            spaces = 0
        advance = sum(map(self.widths.__getitem__, codes))
        return codes.translate(self.translation), advance, len(codes), spaces


class _PageReader:
    """The text-state machine over one page's content streams."""

    def __init__(self, fonts: dict[int, _Font], budget: list[int]) -> None:
        self.fonts = fonts
        self.budget = budget  # content bytes left for this document, shared with form XObjects
        self.out: list[str] = []
        self.last: tuple[float, float] | None = None
        self.ctm: Matrix = _IDENTITY
        self.tm: Matrix = _IDENTITY
        self.tlm: Matrix = _IDENTITY
        self.font: _Font | None = None
        self.size = 0.0
        self.char_spacing = 0.0
        self.word_spacing = 0.0
        self.scale = 1.0
        self.leading = 0.0
        self.stack: list[tuple[Any, ...]] = []
        self.forms: list[int] = []

    # --- resources
    def _font(self, resources: Any, name: str) -> _Font:
        try:
            ref = resources["/Font"].raw_get(name)
        except (KeyError, TypeError, AttributeError):
            raise _Fallback from None
        key = getattr(ref, "idnum", None) or id(ref)
        font = self.fonts.get(key)
        if font is None:
            font = self.fonts[key] = _Font(ref.get_object())
        return font

    # --- text output
    def _show(self, raw: bytes) -> None:
        font = self.font
        if font is None:
            raise _Fallback
        text, advance, glyphs, spaces = font.decode(raw)
        m = _mul(self.tm, self.ctm)
        self._place(m, text)
        tx = advance / 1000.0 * self.size + self.char_spacing * glyphs + self.word_spacing * spaces
        tx *= self.scale
        a, b, c, d, e, f = self.tm
        self.tm = (a, b, c, d, e + tx * a, f + tx * b)
        end = _mul(self.tm, self.ctm)
        self.last = (end[4], end[5])

    def _place(self, m: Matrix, text: str) -> None:
        out = self.out
        if self.last is not None and text:
            a, b, c, d, x, y = m
            along_len = math.hypot(a, b) or 1.0
            across_len = math.hypot(c, d) or along_len
            size = abs(self.size) * across_len or 1.0
            dx, dy = x - self.last[0], y - self.last[1]
            along = (dx * a + dy * b) / along_len
            across = (dx * c + dy * d) / across_len
            tail = out[-1][-1:] if out else "\n"
            if abs(across) > LINE_GAP * size:
                if tail != "\n":
                    out.append("\n")
            elif (along > SPACE_GAP * size or along < -size) and not (tail.isspace() or text[:1].isspace()):
                out.append(" ")
        out.append(text)

    def _move(self, tx: float, ty: float) -> None:
        a, b, c, d, e, f = self.tlm
        self.tlm = (a, b, c, d, e + tx * a + ty * c, f + tx * b + ty * d)
        self.tm = self.tlm

    # --- the interpreter
    def run(self, data: bytes, resources: Any) -> None:
        """Interpret one content stream (raises _Fallback on anything it does not handle)."""
        self.budget[0] -= len(data)
        if self.budget[0] < 0:
            raise UnreadableAttachment("PDF content over the limit")
        try:
            self._run(data, resources)
        except (IndexError, TypeError, ValueError, ZeroDivisionError, OverflowError, KeyError):
            raise _Fallback from None

    def _run(self, data: bytes, resources: Any) -> None:
        if b"BI" in data and b"ID" in data:
            data = _INLINE_IMAGE.sub(b" ", data)
        handlers = self.handlers
        operands: list[Any] = []
        arrays: list[list[Any]] = []
        # findall runs the tokenizer in C: one tuple of groups a token, every byte accounted for
        for string, hexstring, name, number, delimiter, _comment, op, junk in _TOKEN.findall(data):
            if op:
                handler = handlers.get(op)
                if handler is not None:
                    handler(operands, resources)
                operands.clear()
                continue
            value: Any
            if number:
                value = float(number)
            elif string:
                value = _unescape(string[1:-1])
            elif name:
                value = name.decode("latin-1")
            elif hexstring:
                value = _hex(hexstring)
            elif delimiter:
                if delimiter in (b"[", b"<<"):
                    arrays.append([])
                elif delimiter in (b"]", b">>") and arrays:
                    value = arrays.pop()
                    (arrays[-1] if arrays else operands).append(value)
                continue
            elif junk:
                raise _Fallback
            else:
                continue
            (arrays[-1] if arrays else operands).append(value)

    @property
    def handlers(self) -> dict[bytes, Callable[[list[Any], Any], None]]:
        return {
            b"Tj": self._op_tj,
            b"TJ": self._op_tj_array,
            b"Td": self._op_td,
            b"TD": self._op_td_leading,
            b"Tm": self._op_tm,
            b"T*": self._op_next_line,
            b"'": self._op_quote,
            b'"': self._op_double_quote,
            b"Tf": self._op_tf,
            b"BT": self._op_bt,
            b"Tc": self._op_tc,
            b"Tw": self._op_tw,
            b"Tz": self._op_tz,
            b"TL": self._op_tl,
            b"cm": self._op_cm,
            b"q": self._op_save,
            b"Q": self._op_restore,
            b"Do": self._op_do,
        }

    def _op_tj(self, operands: list[Any], _resources: Any) -> None:
        self._show(operands[-1])

    def _op_tj_array(self, operands: list[Any], _resources: Any) -> None:
        for item in operands[-1]:
            if isinstance(item, bytes):
                self._show(item)
            elif isinstance(item, float):
                tx = -item / 1000.0 * self.size * self.scale
                a, b, c, d, e, f = self.tm
                self.tm = (a, b, c, d, e + tx * a, f + tx * b)

    def _op_td(self, operands: list[Any], _resources: Any) -> None:
        self._move(operands[-2], operands[-1])

    def _op_td_leading(self, operands: list[Any], _resources: Any) -> None:
        self.leading = -operands[-1]
        self._move(operands[-2], operands[-1])

    def _op_tm(self, operands: list[Any], _resources: Any) -> None:
        a, b, c, d, e, f = (float(v) for v in operands[-6:])
        self.tlm = self.tm = (a, b, c, d, e, f)

    def _op_next_line(self, _operands: list[Any], _resources: Any) -> None:
        self._move(0.0, -self.leading)

    def _op_quote(self, operands: list[Any], _resources: Any) -> None:
        self._move(0.0, -self.leading)
        self._show(operands[-1])

    def _op_double_quote(self, operands: list[Any], _resources: Any) -> None:
        self.word_spacing, self.char_spacing = operands[-3], operands[-2]
        self._op_quote(operands, _resources)

    def _op_tf(self, operands: list[Any], resources: Any) -> None:
        self.font = self._font(resources, operands[-2])
        self.size = float(operands[-1])

    def _op_bt(self, _operands: list[Any], _resources: Any) -> None:
        self.tm = self.tlm = _IDENTITY

    def _op_tc(self, operands: list[Any], _resources: Any) -> None:
        self.char_spacing = float(operands[-1])

    def _op_tw(self, operands: list[Any], _resources: Any) -> None:
        self.word_spacing = float(operands[-1])

    def _op_tz(self, operands: list[Any], _resources: Any) -> None:
        self.scale = float(operands[-1]) / 100.0

    def _op_tl(self, operands: list[Any], _resources: Any) -> None:
        self.leading = float(operands[-1])

    def _op_cm(self, operands: list[Any], _resources: Any) -> None:
        a, b, c, d, e, f = (float(v) for v in operands[-6:])
        self.ctm = _mul((a, b, c, d, e, f), self.ctm)

    def _op_save(self, _operands: list[Any], _resources: Any) -> None:
        self.stack.append(self._state())

    def _op_restore(self, _operands: list[Any], _resources: Any) -> None:
        if self.stack:
            self._restore(self.stack.pop())

    def _op_do(self, operands: list[Any], resources: Any) -> None:
        self._form(resources, operands[-1])

    def _state(self) -> tuple[Any, ...]:
        return self.ctm, self.font, self.size, self.char_spacing, self.word_spacing, self.scale, self.leading

    def _restore(self, state: tuple[Any, ...]) -> None:
        self.ctm, self.font, self.size, self.char_spacing, self.word_spacing, self.scale, self.leading = state

    def _form(self, resources: Any, name: str) -> None:
        try:
            ref = resources["/XObject"].raw_get(name)
        except (KeyError, TypeError, AttributeError):
            return
        form = ref.get_object()
        if form.get("/Subtype") != "/Form":
            return
        key = getattr(ref, "idnum", None) or id(form)
        if key in self.forms or len(self.forms) >= _MAX_FORM_DEPTH:
            return
        self.forms.append(key)
        saved = self._state()
        matrix = form.get("/Matrix")
        if matrix is not None and len(matrix) == 6:
            a, b, c, d, e, f = (float(v) for v in matrix)
            self.ctm = _mul((a, b, c, d, e, f), self.ctm)
        self.run(form.get_data(), form.get("/Resources") or resources)
        self._restore(saved)
        self.forms.pop()


def _content(page: Any) -> bytes:
    contents = page.get("/Contents")
    if contents is None:
        return b""
    contents = contents.get_object()
    if isinstance(contents, list):
        return b"\n".join(part.get_object().get_data() for part in contents)
    data: bytes = contents.get_data()
    return data


def page_text(page: Any, fonts: dict[int, _Font], budget: list[int]) -> str:
    """Text of one page: the fast reader, or pypdf's ``extract_text`` for what it does not handle."""
    reader = _PageReader(fonts, budget)
    try:
        reader.run(_content(page), page.get("/Resources") or {})
    except UnreadableAttachment:
        raise
    except Exception:  # _Fallback, or anything this reader did not foresee: pypdf reads the page
        text: str = page.extract_text()
        return text
    return "".join(reader.out)


#: Image XObjects larger than this (pixels, or longest side) are a scan or a photo: the PDF is unreadable.
_PICTURE_PIXELS = 90_000
_PICTURE_SIDE = 800
_MAX_OBJECTS = 200_000
_SKIPPED_KEYS = frozenset({"/Parent", "/Font", "/ColorSpace", "/ExtGState", "/Pattern", "/Encrypt", "/ID"})
_STANDARD_INFO = frozenset(
    {"/Title", "/Author", "/Subject", "/Keywords", "/Creator", "/Producer", "/CreationDate", "/ModDate", "/Trapped"}
)
_STRING_KEYS_OF_DICTS = frozenset({"/Info", "/Dests"})  # their keys are text too (custom properties, names)


def _string(value: Any) -> str:
    from pypdf.generic import ByteStringObject

    if isinstance(value, ByteStringObject):
        raw = bytes(value)
        printable = sum(32 <= b < 127 or b in (9, 10, 13) for b in raw)
        return raw.decode("latin-1") if raw and printable >= 0.9 * len(raw) else ""
    return str(value)


def _stream_text(stream: Any, name: str, read_embedded: Callable[[str, bytes], str]) -> str:
    """Text of a stream that is not page content: XMP metadata, an embedded file, JavaScript; images are
    checked against the picture rule; fonts, colour profiles and the like hold no text."""
    kind = stream.get("/Type")
    subtype = stream.get("/Subtype")
    if subtype == "/Image":
        width, height = int(stream.get("/Width", 0) or 0), int(stream.get("/Height", 0) or 0)
        if width * height > _PICTURE_PIXELS or max(width, height) > _PICTURE_SIDE:
            raise UnreadableAttachment(f"PDF with a picture ({width}x{height} px): a scan or a photo cannot be checked")
        return ""
    if kind == "/Metadata" or subtype == "/XML":
        from medseal.extract.markup import xml_to_text

        data = stream.get_data()
        try:
            return xml_to_text(data)
        except UnreadableAttachment:
            return read_embedded("metadata.xml", data)
    if kind == "/EmbeddedFile":  # one not reached through a file specification
        return read_embedded("embedded", stream.get_data())
    if name == "/JS":
        return read_embedded("script.js", stream.get_data())
    return ""


def _embedded_files(filespec: Any, read_embedded: Callable[[str, bytes], str], seen: set[Any]) -> list[str]:
    """The files of a file specification (``/EF``), read through ``read_embedded`` under their own name."""
    from pypdf.generic import IndirectObject

    name = _string(filespec.get("/UF") or filespec.get("/F") or "") or "embedded"
    out = [name]
    for ref in filespec["/EF"].get_object().values():
        if isinstance(ref, IndirectObject):
            seen.add((ref.idnum, ref.generation))
        out.append(read_embedded(name, ref.get_object().get_data()))
    return out


def document_text(reader: Any, read_embedded: Callable[[str, bytes], str]) -> list[str]:
    """Everything in a PDF besides the page text: every string of every object reachable from the trailer
    (document information, outlines, annotations, form field names and values, named destinations, actions),
    the keys of the information and destination dictionaries, XMP metadata, embedded files (read through
    ``read_embedded``) and JavaScript. Page content streams are read by :func:`page_text`, not here."""
    from pypdf.generic import (
        ArrayObject,
        ByteStringObject,
        DictionaryObject,
        IndirectObject,
        NameObject,
        StreamObject,
        TextStringObject,
    )

    out: list[str] = []
    seen: set[tuple[int, int]] = set()
    todo: list[tuple[Any, str]] = [(reader.trailer, "")]
    visited = 0
    while todo:
        value, key = todo.pop()
        if isinstance(value, IndirectObject):
            ident = (value.idnum, value.generation)
            if ident in seen:
                continue
            seen.add(ident)
            value = value.get_object()
        visited += 1
        if visited > _MAX_OBJECTS:
            raise UnreadableAttachment("PDF with too many objects")
        if isinstance(value, (TextStringObject, ByteStringObject)):
            if text := _string(value).strip():
                out.append(text)
        elif isinstance(value, DictionaryObject):
            if isinstance(value, StreamObject):
                out.append(_stream_text(value, key, read_embedded))
            if key in _STRING_KEYS_OF_DICTS:
                out += [k[1:] for k in value if isinstance(k, NameObject) and k not in _STANDARD_INFO]
            if "/EF" in value:
                out += _embedded_files(value, read_embedded, seen)
            todo += [(child, str(k)) for k, child in value.items() if k not in _SKIPPED_KEYS and k != "/EF"]
        elif isinstance(value, ArrayObject):
            todo += [(item, key) for item in value]
    return [t for t in out if t]


def _no_embedded(_name: str, _data: bytes) -> str:
    raise UnreadableAttachment("PDF with an embedded file")


def pdf_to_text(
    data: bytes, limits: Limits, read_embedded: Callable[[str, bytes], str] = _no_embedded
) -> str:
    """Every page's text, then every other string and stream of the document (:func:`document_text`);
    embedded files go to ``read_embedded(name, data)``. Raises UnreadableAttachment."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except Exception:  # e.g. AES without a crypto backend (Pyodide): cannot read
                raise UnreadableAttachment(ENCRYPTED_PDF) from None
            if not opened:
                raise UnreadableAttachment(ENCRYPTED_PDF)
        pages = reader.pages
        count = len(pages)
        if count > limits.max_pdf_pages:
            raise UnreadableAttachment(f"PDF with more than {limits.max_pdf_pages} pages")
        fonts: dict[int, _Font] = {}
        budget = [limits.max_uncompressed_bytes]
        parts: list[str] = []
        chars = 0
        for index in range(count):
            page = pages[index]
            text = page_text(page, fonts, budget)
            parts.append(text)
            chars += len(text)
            if chars > limits.max_text_chars:
                raise UnreadableAttachment("too much text to scan")
        parts += document_text(reader, read_embedded)
    except UnreadableAttachment:
        raise
    except Exception as exc:  # pypdf raises many types on malformed files; all mean "cannot be read"
        raise UnreadableAttachment("corrupt PDF") from exc
    return check_text("\n".join(p for p in parts if p), limits)
