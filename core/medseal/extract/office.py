"""Office documents: OOXML (docx, xlsx, pptx and their macro/template forms) and OpenDocument (odt, ods, odp).

Both are zip packages, read through :mod:`medseal.extract.archive` (zip-bomb guards, one decompression budget).
An interceptor can open every member of the package, so every member is read — not a list of the parts we
expect, which would miss the one we did not think of:

- **Every XML member** (body, headers and footers, foot- and endnotes, comments and threaded comments,
  ``people.xml``, ``docProps/core.xml``, ``app.xml``, ``custom.xml``, ``meta.xml``, ``styles.xml``, charts,
  the glossary document, slide masters, layouts and notes, ``workbook.xml`` with its sheet names, pivot
  caches, every ``.rels`` with its hyperlink targets, custom XML...) gives all its character data and all its
  attribute values. Character data flows as a reader sees it: the runs of one paragraph are joined without
  separators (Word splits ``Du`` + ``pont`` across runs), paragraphs, rows and other elements end a line, tabs
  and cells become tabs; an element that is not a known text run (``<dc:creator>``, ``<vt:lpwstr>``) is
  written ``creator: value``. Attribute values follow the part's text, one element a line
  (``sheet name=Dupont Marie sheetId=1``), without repeats and without Word's revision ids.
- **Numbers** stored as numbers — a national number in a spreadsheet cell (``<v>85073003328</v>``,
  ``<v>8.5073003328E10</v>``, a pivot cache's ``<n v="..."/>``) — are written as their integer digits. The
  ``<v>`` of a shared-string cell is an index into ``sharedStrings.xml`` (read on its own) and is left out.
- **Every other member** goes through the general reader: embedded documents (a docx in a pptx, an
  ``altChunk`` HTML or RTF part) are read recursively with the same limits; images follow the image rule of
  :mod:`medseal.extract.media` (a photo in a report makes the document unreadable); embedded OLE objects,
  macros (``vbaProject.bin``) and unknown binaries are unreadable. Embedded fonts (``.odttf``, ``.fntdata``,
  ``.ttf``/``.otf`` under ``fonts/``) are the only binaries skipped: they hold glyphs, not text. The package's
  own thumbnail (``Thumbnails/thumbnail.png``, ``docProps/thumbnail.jpeg``), a small rendering of the first
  page, is held to the image rule's pixel size only.

Password-protected OOXML files are not zips but OLE containers: :mod:`medseal.extract` refuses those.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Callable

from medseal.errors import UnreadableAttachment
from medseal.extract.archive import read_member
from medseal.extract.limits import Budget
from medseal.extract.markup import local_name, parse_xml
from medseal.extract.media import image_text

__all__ = ["number_text", "office_kind", "office_to_text", "part_text"]

#: Elements whose character data is inline text: runs of one paragraph join without separators.
_INLINE = frozenset(
    {
        "t", "delText", "instrText", "delInstrText", "v", "r", "span", "a", "s", "ins", "del", "hyperlink",
        "smartTag", "fldSimple", "sdtContent", "bookmarkStart", "bookmarkEnd", "proofErr", "ruby", "rt",
        "rubyBase", "note-citation", "sequence", "date", "time", "page-number", "author-name",
    }
)
_BLOCKS = frozenset(
    {"p", "h", "tr", "si", "c", "row", "txBody", "table-row", "is", "comment", "note", "annotation", "item"}
)
_TABS = frozenset({"tab", "tc", "table-cell"})
_NEWLINES = frozenset({"br", "cr", "line-break"})
#: Attributes that are layout codes, never text: Word's revision and paragraph ids (hex), cell references.
_NOISE_ATTRIBUTES = frozenset(
    {"rsidR", "rsidRPr", "rsidRDefault", "rsidP", "rsidDel", "rsidSect", "rsidTr", "paraId", "textId", "rsid"}
    | {"r", "s", "t", "spans", "dyDescent"}  # spreadsheet cell and row references, style and type codes
)
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)[eE][-+]?\d+|[-+]?\d+\.0+")
_FONTS = re.compile(r"(^|/)fonts?/[^/]+\.(odttf|fntdata|ttf|otf)$|\.(odttf|fntdata)$", re.I)
_THUMBNAIL = re.compile(r"^(Thumbnails/thumbnail|docProps/thumbnail)\.(png|jpe?g|gif|bmp)$", re.I)
_XML_EXTENSIONS = frozenset({".xml", ".rels", ".vml"})


def number_text(value: str) -> str:
    """A number written in exponent form or with a zero fraction, as its integer digits:
    ``8.5073003328E10`` -> ``85073003328`` (how a spreadsheet stores a national number typed as a number)."""
    text = value.strip()
    if not _NUMBER.fullmatch(text):
        return value
    try:
        number = float(text)
    except ValueError:
        return value
    if number.is_integer() and abs(number) < 1e17:
        return str(int(number))
    return value


class _PartText:
    """Parser target gathering the text and the attribute values of one XML part of an office package."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.attributes: dict[str, None] = {}
        self.stack: list[tuple[str, bool]] = []  # (local name, has written its label)
        self.shared_cell = False  # xlsx: this cell's <v> is an index into sharedStrings.xml

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        local = local_name(tag)
        if local == "c":
            self.shared_cell = attrs.get("t") == "s"
        if local == "s":  # ODF <text:s text:c="n"/>: n spaces
            count = next((v for k, v in attrs.items() if local_name(k) == "c"), "1")
            self.parts.append(" " * min(int(count) if count.isdigit() else 1, 100))
        if local in _TABS:
            self.parts.append("\t")
        elif local in _NEWLINES:
            self.parts.append("\n")
        said = [
            f"{local_name(k)}={number_text(v).strip()}"
            for k, v in attrs.items()
            if v.strip() and local_name(k) not in _NOISE_ATTRIBUTES
        ]
        if said:
            self.attributes[f"{local} {' '.join(said)}"] = None
        self.stack.append((local, False))

    def end(self, _tag: str) -> None:
        local, labelled = self.stack.pop()
        if local in _BLOCKS or labelled:
            self.parts.append("\n")

    def data(self, text: str) -> None:
        if not self.stack or not text.strip():
            if self.stack and self.stack[-1][0] in _INLINE | _BLOCKS:
                self.parts.append(text)  # spaces inside a run or a paragraph are text too
            return
        local, labelled = self.stack[-1]
        if local == "v":
            if self.shared_cell:
                return
            text = number_text(text)
        elif local not in _INLINE and local not in _BLOCKS and not labelled:
            self.parts.append(f"\n{local}: ")
            self.stack[-1] = (local, True)
        self.parts.append(text)

    def close(self) -> None:
        return None


def part_text(data: bytes) -> tuple[str, list[str]]:
    """One XML part of an office package: its character data as text, and its attribute lines."""
    target = _PartText()
    parse_xml(data, target)
    lines = [line.rstrip() for line in "".join(target.parts).splitlines() if line.strip()]
    return "\n".join(lines), list(target.attributes)


def office_kind(archive: zipfile.ZipFile) -> str | None:
    """``ooxml`` or ``odf`` when the zip is an office package, else None."""
    names = set(archive.namelist())
    if "[Content_Types].xml" in names:
        return "ooxml"
    if "mimetype" in names or "META-INF/manifest.xml" in names:
        return "odf"
    return None


def _is_xml(name: str, data: bytes) -> bool:
    if posixpath.splitext(name.lower())[1] in _XML_EXTENSIONS:
        return True
    head = data[:200].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<?xml")


_PART_ORDER = (
    "document", "sharedStrings", "sheet", "slide", "content", "header", "footer", "footnotes", "endnotes",
    "comments", "styles", "meta", "core",
)


def _reading_order(name: str) -> tuple[int, tuple[object, ...]]:
    """Body first, then headers, footers, notes, comments, styles and properties, then the rest (as stored);
    ``sheet10`` after ``sheet9``."""
    stem = name.rsplit("/", 1)[-1]
    rank = next((i for i, prefix in enumerate(_PART_ORDER) if stem.startswith(prefix)), len(_PART_ORDER))
    return rank, tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name))


def office_to_text(
    archive: zipfile.ZipFile, budget: Budget, read_other: Callable[[str, bytes], str]
) -> str:
    """Text of every member of an OOXML or ODF package, body first; then the attribute values of every XML
    part, then the member names. ``read_other(name, data)`` reads a member that is not XML (the general
    reader, one nesting level down)."""
    texts: list[str] = []
    attributes: dict[str, None] = {}
    names: list[str] = []
    xml_parts = 0
    members = sorted((m for m in archive.infolist() if not m.is_dir()), key=lambda m: _reading_order(m.filename))
    for member in members:
        names.append(member.filename)
        if _FONTS.search(member.filename):
            continue
        data = read_member(archive, member, budget)
        if not data.strip():
            continue
        if _is_xml(member.filename, data):
            text, said = part_text(data)
            texts.append(text)
            attributes.update(dict.fromkeys(said))
            xml_parts += 1
        elif member.filename == "mimetype":
            names.append(data.decode("latin-1"))
        elif _THUMBNAIL.match(member.filename):
            texts.append(image_text(data, budget, rendering=True))
        else:
            texts.append(read_other(member.filename, data))
    if not xml_parts:
        raise UnreadableAttachment("office document without content")
    return "\n".join(t for t in (*texts, *attributes, *names) if t)
