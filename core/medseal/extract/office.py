"""Office documents: OOXML (docx, and xlsx/pptx alike) and OpenDocument (odt, and ods/odp alike).

Both are zip packages of XML parts, read through :mod:`medseal.extract.archive` (zip-bomb guards) and the
DOCTYPE-refusing expat of :mod:`medseal.extract.markup`. Text is gathered per paragraph: the runs of one
paragraph are joined without separators (Word splits ``Du`` + ``pont`` across runs), paragraphs and cells end
with a line break, tabs and breaks are kept. Headers, footers, notes and comments are read too (a recipient
sees them); ``mc:Fallback`` copies of text boxes are skipped so text is not counted twice.

Password-protected OOXML files are not zips but OLE containers: :mod:`medseal.extract` refuses those.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

from medseal.errors import UnreadableAttachment
from medseal.extract.archive import find_member, read_member
from medseal.extract.limits import Budget
from medseal.extract.markup import new_xml_parser, parse_xml, xml_to_text

_OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"


@dataclass(frozen=True)
class _Vocabulary:
    """What the element names of one family mean for text (local names, namespace ignored)."""

    text: frozenset[str]  # elements whose character data is text (empty: any character data inside `block`)
    block: frozenset[str]  # elements that end a line
    tab: frozenset[str]
    newline: frozenset[str]
    skip: frozenset[str]  # subtrees whose text is a duplicate or not shown


_OOXML = _Vocabulary(
    text=frozenset({"t", "delText", "instrText", "v"}),
    block=frozenset({"p", "tr", "si", "c", "row", "txBody"}),
    tab=frozenset({"tab", "tc"}),
    newline=frozenset({"br", "cr"}),
    skip=frozenset({"Fallback", "rPh"}),
)
_ODF = _Vocabulary(
    text=frozenset(),
    block=frozenset({"p", "h", "table-row"}),
    tab=frozenset({"tab", "table-cell"}),
    newline=frozenset({"line-break"}),
    skip=frozenset({"tracked-changes"}),
)


def _local(name: str) -> str:
    return name.rpartition(" ")[2]


class _Collector:
    """Expat handlers gathering the text of one XML part of an office package."""

    def __init__(self, vocab: _Vocabulary) -> None:
        self.vocab = vocab
        self.parts: list[str] = []
        self.in_text = 0  # depth inside elements whose character data counts
        self.skipping = 0  # depth inside a skipped subtree
        self.shared_cell = False  # xlsx: this cell's <v> is an index into sharedStrings.xml, not a value
        self.in_value = False
        self.cells: list[tuple[int, str]] = []  # ODF: (position in parts, office:value) of open cells

    def counts(self, local: str) -> bool:
        vocab = self.vocab
        return local in vocab.text or (not vocab.text and local in vocab.block)

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if self.skipping or local in self.vocab.skip:
            self.skipping += 1
            return
        if local == "c":
            self.shared_cell = attrs.get("t") == "s"
        elif local == "v":
            self.in_value = True
        elif local == "s" and self.vocab is _ODF:
            count = attrs.get(f"{_TEXT_NS} c", "1")
            self.parts.append(" " * min(int(count) if count.isdigit() else 1, 100))
        elif local == "table-cell":
            self.cells.append((len(self.parts), attrs.get(f"{_OFFICE_NS} value", "")))
        if local in self.vocab.tab:
            self.parts.append("\t")
        elif local in self.vocab.newline:
            self.parts.append("\n")
        if self.counts(local):
            self.in_text += 1

    def end(self, name: str) -> None:
        if self.skipping:
            self.skipping -= 1
            return
        local = _local(name)
        if local == "v":
            self.in_value = False
        elif local == "table-cell" and self.cells:
            # a number may be displayed rounded ("8,51E+10"): keep its exact value when it is not shown
            at, value = self.cells.pop()
            if value and value not in "".join(self.parts[at:]):
                self.parts.append(" " + value)
        if self.counts(local):
            self.in_text -= 1
        if local in self.vocab.block:
            self.parts.append("\n")

    def data(self, text: str) -> None:
        if self.in_text > 0 and not self.skipping and not (self.in_value and self.shared_cell):
            self.parts.append(text)


def _part_text(data: bytes, vocab: _Vocabulary) -> str:
    """Text of one XML part of an office package, following ``vocab``."""
    collector = _Collector(vocab)
    parser = new_xml_parser(namespaces=True)
    parser.StartElementHandler = collector.start
    parser.EndElementHandler = collector.end
    parser.CharacterDataHandler = collector.data
    parse_xml(parser, data)
    lines = "".join(collector.parts).splitlines()
    return "\n".join(line.rstrip() for line in lines if line.strip())


_OOXML_PARTS = re.compile(
    r"(word/(document|header\d*|footer\d*|footnotes|endnotes|comments)\.xml"
    r"|xl/(sharedStrings|worksheets/sheet\d+|comments\d*)\.xml"
    r"|ppt/(slides/slide\d+|notesSlides/notesSlide\d+|comments/comment\d+)\.xml)"
)
_ODF_PARTS = ("content.xml", "styles.xml")
_PROPERTIES = ("docProps/core.xml", "meta.xml")


def office_kind(archive: zipfile.ZipFile) -> str | None:
    """``ooxml`` or ``odf`` when the zip is an office package, else None."""
    names = set(archive.namelist())
    if "[Content_Types].xml" in names and any(_OOXML_PARTS.fullmatch(n) for n in names):
        return "ooxml"
    if "content.xml" in names and ("mimetype" in names or "META-INF/manifest.xml" in names):
        return "odf"
    return None


_PART_ORDER = ("document", "sharedStrings", "sheet", "slide", "header", "footer", "footnotes", "endnotes")


def _reading_order(name: str) -> tuple[int, tuple[object, ...]]:
    """Body first, then headers, footers, notes and comments; ``sheet10`` after ``sheet9``."""
    stem = name.rsplit("/", 1)[-1]
    rank = next((i for i, prefix in enumerate(_PART_ORDER) if stem.startswith(prefix)), len(_PART_ORDER))
    return rank, tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name))


def _members(archive: zipfile.ZipFile, kind: str) -> Iterable[zipfile.ZipInfo]:
    if kind == "ooxml":
        chosen = sorted((n for n in archive.namelist() if _OOXML_PARTS.fullmatch(n)), key=_reading_order)
    else:
        chosen = [n for n in _ODF_PARTS if find_member(archive, n)]
    return [archive.getinfo(n) for n in chosen]


def office_to_text(archive: zipfile.ZipFile, kind: str, budget: Budget) -> str:
    """Text of an OOXML or ODF package: body, headers and footers, notes, comments, then the title etc."""
    vocab = _OOXML if kind == "ooxml" else _ODF
    texts = [_part_text(read_member(archive, m, budget), vocab) for m in _members(archive, kind)]
    for name in _PROPERTIES:
        if (member := find_member(archive, name)) is not None:
            texts.append(xml_to_text(read_member(archive, member, budget)))
    if not texts:
        raise UnreadableAttachment("office document without content")
    return "\n".join(t for t in texts if t)
