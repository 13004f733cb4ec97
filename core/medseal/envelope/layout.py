"""Blocks of styled text set on A4 pages: line breaking, pagination, and the PDF drawing operators.

A :class:`Canvas` is the letter being typeset: it keeps the pages' content (PDF operators), the link areas
and the *structure* (one element per paragraph, heading, list item, table cell... with the marked-content ids
of its text on each page), from which :mod:`medseal.envelope.letter` writes a tagged PDF. Text is drawn with
the letter fonts (:mod:`medseal.envelope.fonts`); bold is the regular font filled and stroked, italic the
regular font slanted, so one font per script group serves every style.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from medseal.envelope import arabic, fonts
from medseal.envelope.images import Image
from medseal.envelope.richtext import Block, Run, Style

PAGE_W, PAGE_H = 595.28, 841.89  # A4
MARGIN = 56.0  # 2 cm
BOTTOM = 64.0  # the footer lives below
TEXT_W = PAGE_W - 2 * MARGIN
BODY_SIZE = 10.5
_LEADING = 1.38
_HEADING_SIZES = {1: 16.0, 2: 14.0, 3: 12.5, 4: 11.5, 5: 11.0, 6: 10.5}
_LINK = "0 0.2 0.6"
_GREY = "0.35 0.35 0.35"
_SLANT = 0.2
_TOKEN = re.compile(r"\n| +|[^ \n]+")


@dataclass(frozen=True)
class Piece:
    """A word or a space of one style, ready to draw (``shown``: the glyphs' text in drawing order)."""

    text: str
    style: Style
    size: float
    width: float
    shown: str
    rtl: bool = False


@dataclass
class Element:
    """One node of the structure tree: ``tag`` a standard structure type (``P``, ``H1``, ``L``, ``LI``,
    ``Table``, ``TR``, ``TH``, ``TD``, ``Figure``...), ``parent`` its index (None: the document),
    ``marks`` its (page, marked-content id) pairs, ``alt`` an alternate description."""

    tag: str
    parent: int | None = None
    marks: list[tuple[int, int]] = field(default_factory=list)
    alt: str = ""


@dataclass(frozen=True)
class LinkArea:
    page: int
    rect: tuple[float, float, float, float]
    href: str


@dataclass
class Page:
    ops: list[str] = field(default_factory=list)
    mcid: int = 0
    image: str = ""  # the resource name of a full-page image, if any


def _pieces(runs: Sequence[Run], size: float) -> list[Piece | None]:
    """Runs cut into words and spaces; ``None`` is a forced line break."""
    out: list[Piece | None] = []
    for run in runs:
        for token in _TOKEN.findall(run.text):
            if token == "\n":
                out.append(None)
                continue
            rtl = arabic.is_rtl(token)
            shown = arabic.visual(token) if rtl else token
            out.append(Piece(token, run.style, size, fonts.text_width(shown, size), shown, rtl))
    return out


def _split_word(piece: Piece, width: float) -> list[Piece]:
    """A word wider than the line, cut into pieces that fit."""
    parts: list[Piece] = []
    current = ""
    for char in piece.text:
        if current and fonts.text_width(current + char, piece.size) > width:
            parts.append(Piece(current, piece.style, piece.size, fonts.text_width(current, piece.size), current))
            current = ""
        current += char
    parts.append(Piece(current, piece.style, piece.size, fonts.text_width(current, piece.size), current))
    return parts


def break_lines(runs: Sequence[Run], size: float, width: float) -> list[list[Piece]]:
    """Greedy line breaking at spaces; spaces at a line's ends are dropped, RTL words put in visual order."""
    lines: list[list[Piece]] = [[]]
    used = 0.0
    for piece in _pieces(runs, size):
        if piece is None:
            lines.append([])
            used = 0.0
            continue
        if not piece.text.strip():
            if lines[-1]:
                lines[-1].append(piece)
                used += piece.width
            continue
        chunks = [piece] if piece.width <= width else _split_word(piece, width)
        for chunk in chunks:
            if used + chunk.width > width and any(p.text.strip() for p in lines[-1]):
                lines.append([])
                used = 0.0
            lines[-1].append(chunk)
            used += chunk.width
    return [_visual_order(_trim(line)) for line in lines]


def _trim(line: list[Piece]) -> list[Piece]:
    while line and not line[-1].text.strip():
        line.pop()
    while line and not line[0].text.strip():
        line.pop(0)
    return line


def _visual_order(line: list[Piece]) -> list[Piece]:
    """Consecutive right-to-left words (and the spaces between them) reversed."""
    out: list[Piece] = []
    i = 0
    while i < len(line):
        if not line[i].rtl:
            out.append(line[i])
            i += 1
            continue
        j = i
        while j + 1 < len(line) and (
            line[j + 1].rtl or (not line[j + 1].text.strip() and j + 2 < len(line) and line[j + 2].rtl)
        ):
            j += 1
        out.extend(reversed(line[i : j + 1]))
        i = j + 1
    return out


def _pdf_string(text: str) -> str:
    """A text string as a PDF hex string (UTF-16BE with its byte order mark)."""
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


def _glyph_ops(piece: Piece) -> list[str]:
    """The ``Tf``/``Tj`` operators that draw ``piece`` (the font changes with the script group)."""
    ops: list[str] = []
    group = ""
    codes: list[str] = []

    def flush() -> None:
        if codes:
            ops.append(f"<{''.join(codes)}> Tj")
            codes.clear()

    for char in piece.shown:
        g = fonts.glyph(char)
        if g is None:
            continue
        if g.group != group:
            flush()
            group = g.group
            ops.append(f"{fonts.groups()[group].resource} {piece.size:.2f} Tf")
        if g.actual:
            flush()
            ops.append(f"/Span << /ActualText {_pdf_string(g.actual)} >> BDC <{g.gid:04X}> Tj EMC")
        else:
            codes.append(f"{g.gid:04X}")
    flush()
    return ops  # a right-to-left word in visual order: readers reverse its extracted text (fonts._logical)


class Canvas:
    """The pages of one letter, filled top to bottom."""

    def __init__(self) -> None:
        self.pages: list[Page] = []
        self.links: list[LinkArea] = []
        self.elements: list[Element] = []
        self.y = 0.0
        self.current = 0  # the page drawn on
        self.pictures = 0  # full-page images so far (their resources are /Im1, /Im2...)
        self.new_page()

    # -- pages and structure --
    def new_page(self) -> None:
        self.pages.append(Page())
        self.current = len(self.pages) - 1
        self.y = PAGE_H - MARGIN

    @property
    def page(self) -> Page:
        return self.pages[self.current]

    def element(self, tag: str, parent: int | None = None, alt: str = "") -> int:
        self.elements.append(Element(tag, parent, alt=alt))
        return len(self.elements) - 1

    def _begin(self, element: int, tag: str) -> None:
        page = self.page
        self.elements[element].marks.append((self.current, page.mcid))
        page.ops.append(f"/{tag} << /MCID {page.mcid} >> BDC")
        page.mcid += 1

    def _end(self) -> None:
        self.page.ops.append("EMC")

    def room(self, height: float) -> None:
        """Start a new page unless ``height`` points are left above the bottom margin."""
        if self.y - height < BOTTOM and self.y < PAGE_H - MARGIN - 1:
            self.new_page()

    # -- drawing --
    def draw_line(self, line: Sequence[Piece], x: float, baseline: float, color: str = "0 0 0") -> None:
        ops = self.page.ops
        for piece in line:  # spaces are drawn too: readers then find the word breaks without guessing
            if piece.text:
                style = piece.style
                fill = _LINK if style.href else color
                skew = f"{_SLANT:.2f}" if style.italic else "0"
                ops.append(f"BT {fill} rg {fill} RG 1 0 {skew} 1 {x:.2f} {baseline:.2f} Tm")
                if style.bold:
                    ops.append(f"2 Tr {piece.size * 0.035:.3f} w")
                ops += _glyph_ops(piece)
                ops.append("0 Tr ET" if style.bold else "ET")
                if style.href:
                    ops.append(
                        f"{_LINK} RG 0.5 w {x:.2f} {baseline - 1.5:.2f} m {x + piece.width:.2f} "
                        f"{baseline - 1.5:.2f} l S"
                    )
                    rect = (x, baseline - 3, x + piece.width, baseline + piece.size)
                    self._link(LinkArea(self.current, rect, style.href))
            x += piece.width

    def _link(self, area: LinkArea) -> None:
        """One link area per link and line: a word that continues the previous area widens it."""
        last = self.links[-1] if self.links else None
        same_line = last is not None and (last.page, last.href, last.rect[1]) == (area.page, area.href, area.rect[1])
        if last is not None and same_line and abs(last.rect[2] - area.rect[0]) < 0.01:
            self.links[-1] = LinkArea(area.page, (last.rect[0], *area.rect[1:]), area.href)
            return
        self.links.append(area)

    def paragraph(
        self,
        runs: Sequence[Run],
        element: int,
        tag: str,
        *,
        size: float = BODY_SIZE,
        indent: float = 0,
        width: float = TEXT_W,
        after: float = 6.0,
        color: str = "0 0 0",
        marker: str = "",
    ) -> None:
        """``runs`` as wrapped lines at the cursor (a new page when the next line does not fit)."""
        leading = size * _LEADING
        lines = break_lines(runs, size, width - indent)
        open_here = False
        for n, line in enumerate(lines):
            if self.y - leading < BOTTOM:
                if open_here:
                    self._end()
                    open_here = False
                self.new_page()
            if not open_here:
                self._begin(element, tag)
                open_here = True
            baseline = self.y - size
            if marker and n == 0:
                mark = _pieces([Run(marker)], size)
                self.draw_line([p for p in mark if p is not None], MARGIN + indent - 14, baseline, color)
            self.draw_line(line, MARGIN + indent, baseline, color)
            self.y -= leading
        if open_here:
            self._end()
        self.y -= after

    def rule(self, after: float = 10.0) -> None:
        self.page.ops.append(
            f"/Artifact BMC {_GREY} RG 0.6 w {MARGIN:.2f} {self.y:.2f} m {PAGE_W - MARGIN:.2f} {self.y:.2f} l S EMC"
        )
        self.y -= after

    # -- blocks --
    def blocks(self, blocks: Sequence[Block], parent: int | None) -> None:
        list_element: int | None = None
        for block in blocks:
            if block.kind != "li":
                list_element = None
            if block.kind == "h":
                level = min(max(block.level, 1), 6)
                size = _HEADING_SIZES[level]
                self.room(size * 3)
                self.y -= 4
                tag = f"H{level}"
                self.paragraph(block.runs, self.element(tag, parent), tag, size=size, after=4)
            elif block.kind == "li":
                if list_element is None:
                    list_element = self.element("L", parent)
                indent = 18.0 * max(block.level, 1)
                self.paragraph(
                    block.runs, self.element("LI", list_element), "LI", indent=indent, after=2, marker=block.marker
                )
            elif block.kind == "quote":
                self.paragraph(block.runs, self.element("BlockQuote", parent), "BlockQuote", indent=18, color=_GREY)
            elif block.kind == "pre":
                self.paragraph(block.runs, self.element("P", parent), "P", size=9.5)
            elif block.kind == "hr":
                self.rule()
            elif block.kind == "table":
                self.table(block, parent)
            else:
                self.paragraph(block.runs, self.element("P", parent), "P")

    def table(self, block: Block, parent: int | None) -> None:
        columns = max(len(row) for row in block.rows)
        size, pad = BODY_SIZE - 0.5, 4.0
        natural = [0.0] * columns
        for row in block.rows:
            for i, cell in enumerate(row):
                natural[i] = max(natural[i], fonts.text_width("".join(r.text for r in cell), size) + 2 * pad + 1)
        total = sum(natural)
        widths = natural if total <= TEXT_W else [max(TEXT_W * w / total, 36.0) for w in natural]
        scale = min(1.0, TEXT_W / sum(widths))
        widths = [w * scale for w in widths]
        leading = size * _LEADING
        table = self.element("Table", parent)
        for r, row in enumerate(block.rows):
            cells = [break_lines(cell, size, widths[i] - 2 * pad) for i, cell in enumerate(row)]
            height = max(len(lines) for lines in cells) * leading + 2 * pad
            if height > PAGE_H - MARGIN - BOTTOM:  # a row longer than a page: its cells as paragraphs
                for cell in row:
                    self.paragraph(cell, self.element("P", parent), "P")
                continue
            self.room(height)
            tr = self.element("TR", table)
            top, x = self.y, MARGIN
            header = block.header and r == 0
            for i, lines in enumerate(cells):
                if header:
                    self.page.ops.append(
                        f"/Artifact BMC 0.92 0.92 0.92 rg {x:.2f} {top - height:.2f} "
                        f"{widths[i]:.2f} {height:.2f} re f EMC"
                    )
                tag = "TH" if header else "TD"
                self._begin(self.element(tag, tr), tag)
                baseline = top - pad - size
                for line in lines:
                    self.draw_line(line, x + pad, baseline)
                    baseline -= leading
                self._end()
                x += widths[i]
            self.page.ops.append(f"/Artifact BMC {_GREY} RG 0.4 w")
            x = MARGIN
            for i in range(len(row)):
                self.page.ops.append(f"{x:.2f} {top - height:.2f} {widths[i]:.2f} {height:.2f} re S")
                x += widths[i]
            self.page.ops.append("EMC")
            self.y = top - height
        self.y -= 8

    def picture_page(self, picture: Image, name: str, caption_size: float) -> None:
        """A page of its own for ``picture``: its file name on top, the image scaled to fit below, centred
        (a figure whose alternate description is the file name)."""
        self.new_page()
        self.pictures += 1
        resource = f"/Im{self.pictures}"
        self.page.image = resource
        figure = self.element("Figure", None, alt=name)
        caption = self.element("Caption", figure)
        self.paragraph([Run(name)], caption, "Caption", size=caption_size, color=_GREY, after=8)
        box_w, box_h = TEXT_W, self.y - BOTTOM
        scale = min(box_w / picture.width, box_h / picture.height)
        width, height = picture.width * scale, picture.height * scale
        x, y = MARGIN + (box_w - width) / 2, self.y - height
        self._begin(figure, "Figure")
        self.page.ops.append(f"q {width:.2f} 0 0 {height:.2f} {x:.2f} {y:.2f} cm {resource} Do Q")
        self._end()
        self.y = y

    def footer(self, text: str) -> None:
        """The same small grey line at the foot of every page, ``{page}`` and ``{pages}`` filled in."""
        total = len(self.pages)
        for n, page in enumerate(self.pages, start=1):
            line = [p for p in _pieces([Run(text.format(page=n, pages=total))], 8.0) if p is not None]
            width = sum(p.width for p in line)
            self.current = n - 1
            page.ops.append("/Artifact BMC")
            self.draw_line(line, PAGE_W - MARGIN - width, BOTTOM - 28, _GREY)
            page.ops.append("EMC")
        self.current = total - 1
