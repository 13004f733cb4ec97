"""The body of a letter as blocks of styled text, read from the HTML mail (or the plain-text one).

What a doctor's mail program writes is kept as far as a letter needs it: paragraphs and line breaks,
headings, bold and italic, links (their address kept for the PDF link), bulleted and numbered lists (nested),
simple tables (rows of cells, no spans), quotations and preformatted text. Everything else is read as
text: styles, classes and fonts are ignored, ``<script>``/``<style>``/``<head>`` are not shown, images in
the HTML are named by their ``alt`` text. The stdlib ``html.parser`` is lenient, so any HTML gives blocks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser

_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0]+")
_HIDDEN = frozenset({"script", "style", "head", "title", "template", "noscript", "xml", "o:p"})
_BLOCKS = frozenset(
    {
        "p",
        "div",
        "section",
        "article",
        "header",
        "footer",
        "address",
        "center",
        "main",
        "aside",
        "form",
        "dl",
        "dt",
        "dd",
        "figure",
        "figcaption",
        "body",
        "html",
        "nav",
    }
)
_HEADINGS = {f"h{n}": n for n in range(1, 7)}


@dataclass(frozen=True)
class Style:
    bold: bool = False
    italic: bool = False
    href: str = ""
    mono: bool = False


@dataclass(frozen=True)
class Run:
    """Text in one style; ``"\\n"`` alone is a forced line break."""

    text: str
    style: Style = Style()


@dataclass
class Block:
    """One block of the letter. ``kind``: ``p`` (paragraph), ``h`` (heading, ``level`` 1-6), ``li`` (list
    item, ``level`` its depth from 1, ``marker`` its bullet or number), ``pre``, ``quote``, ``table``
    (``rows`` of cells, each a list of runs; ``header`` when the first row is made of ``<th>``), ``hr``."""

    kind: str
    runs: list[Run] = field(default_factory=list)
    level: int = 0
    marker: str = ""
    rows: list[list[list[Run]]] = field(default_factory=list)
    header: bool = False

    def text(self) -> str:
        cells = [run.text for row in self.rows for cell in row for run in cell]
        return "".join(run.text for run in self.runs) + " ".join(cells)


def _safe_href(href: str) -> str:
    href = href.strip()
    return href if re.match(r"(?i)\A(https?:|mailto:|tel:)", href) and len(href) < 2000 else ""


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.current: Block | None = None
        self.styles: list[tuple[str, Style]] = [("", Style())]
        self.hidden = 0
        self.lists: list[list[int | str]] = []  # per open list: [kind, counter]
        self.quote = 0
        self.pre = 0
        self.table: Block | None = None
        self.row: list[list[Run]] | None = None
        self.cell: list[Run] | None = None
        self.first_row_header = True

    # -- blocks --
    def _close(self) -> None:
        if self.current is not None and any(r.text.strip() for r in self.current.runs):
            while self.current.runs and self.current.runs[-1].text == "\n":
                self.current.runs.pop()
            self.blocks.append(self.current)
        self.current = None

    def _open(self, kind: str, **values: int | str) -> None:
        self._close()
        if kind == "p" and self.quote:
            kind = "quote"
        if kind == "p" and self.pre:
            kind = "pre"
        self.current = Block(kind, **values)  # type: ignore[arg-type]

    def _target(self) -> list[Run]:
        if self.cell is not None:
            return self.cell
        if self.current is None:
            self._open("li" if self.lists else "p", level=len(self.lists))
        assert self.current is not None
        return self.current.runs

    @property
    def style(self) -> Style:
        return self.styles[-1][1]

    def _push(self, tag: str, **changes: bool | str) -> None:
        self.styles.append((tag, replace(self.style, **changes)))  # type: ignore[arg-type]

    def _pop(self, tag: str) -> None:
        for i in range(len(self.styles) - 1, 0, -1):
            if self.styles[i][0] == tag:
                del self.styles[i:]
                return

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag in _HIDDEN:
            self.hidden += 1
        elif self.hidden:
            return
        elif tag in ("b", "strong"):
            self._push(tag, bold=True)
        elif tag in ("i", "em", "cite", "var"):
            self._push(tag, italic=True)
        elif tag in ("code", "tt", "kbd", "samp"):
            self._push(tag, mono=True)
        elif tag == "a":
            self._push(tag, href=_safe_href(values.get("href", "")))
        elif tag == "br":
            self._target().append(Run("\n", self.style))
        elif tag == "img" and values.get("alt", "").strip():
            self._target().append(Run(f"[{values['alt'].strip()}]", self.style))
        elif tag in _HEADINGS and self.cell is None:
            self._open("h", level=_HEADINGS[tag])
            self._push(tag, bold=True)
        elif tag in ("ul", "ol", "menu"):
            self._close()
            self.lists.append([tag, 0])
        elif tag == "li":
            depth = max(1, len(self.lists))
            marker = "•" if depth == 1 else "◦"
            if self.lists and self.lists[-1][0] == "ol":
                self.lists[-1][1] = int(self.lists[-1][1]) + 1
                marker = f"{self.lists[-1][1]}."
            self._open("li", level=depth, marker=marker)
        elif tag == "blockquote":
            self._close()
            self.quote += 1
        elif tag == "pre":
            self._close()
            self.pre += 1
            self._open("pre")
        elif tag == "hr":
            self._close()
            self.blocks.append(Block("hr"))
        elif tag == "table" and self.table is None:
            self._close()
            self.table = Block("table")
            self.first_row_header = True
        elif tag == "tr" and self.table is not None:
            self.row = []
            self.table.rows.append(self.row)
        elif tag in ("td", "th") and self.table is not None:
            if self.row is None:
                self.row = []
                self.table.rows.append(self.row)
            if tag == "td":
                self.first_row_header = self.first_row_header and len(self.table.rows) > 1
            self.cell = []
            self.row.append(self.cell)
            if tag == "th":
                self._push(tag, bold=True)
        elif tag in _BLOCKS or tag == "p":
            self._open("li" if (self.lists and tag != "p") else "p", level=len(self.lists))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in ("br", "img", "hr"):
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif self.hidden:
            return
        elif tag in ("b", "strong", "i", "em", "cite", "var", "code", "tt", "kbd", "samp", "a", "th"):
            self._pop(tag)
            if tag == "th":
                self.cell = None
        elif tag in _HEADINGS:
            self._pop(tag)
            self._close()
        elif tag in ("ul", "ol", "menu"):
            self._close()
            if self.lists:
                self.lists.pop()
        elif tag == "blockquote":
            self._close()
            self.quote = max(0, self.quote - 1)
        elif tag == "pre":
            self._close()
            self.pre = max(0, self.pre - 1)
        elif tag == "td":
            self.cell = None
        elif tag == "tr":
            self.row = self.cell = None
        elif tag == "table" and self.table is not None:
            self.cell = self.row = None
            table, self.table = self.table, None
            table.rows = [row for row in table.rows if row]
            table.header = bool(table.rows) and self.first_row_header and len(table.rows) > 1
            if any(run.text.strip() for row in table.rows for cell in row for run in cell):
                self.blocks.append(table)
        elif tag in _BLOCKS or tag in ("p", "li"):
            self._close()

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        if self.pre and self.cell is None:
            for i, line in enumerate(data.split("\n")):
                if i:
                    self._target().append(Run("\n", self.style))
                if line:
                    self._target().append(Run(line.replace("\t", "    "), replace(self.style, mono=True)))
            return
        text = _SPACES.sub(" ", data)
        if not text.strip() and (self.current is None and self.cell is None):
            return
        self._target().append(Run(text, self.style))

    def finish(self) -> list[Block]:
        self.close()
        self._close()
        if self.table is not None:
            self.handle_endtag("table")
        return self.blocks


def from_html(html: str) -> list[Block]:
    """The blocks of an HTML body."""
    reader = _Reader()
    try:
        reader.feed(html)
        return reader.finish()
    except (AssertionError, ValueError):  # html.parser's few hard errors: keep what was read
        return reader.blocks


def from_text(text: str) -> list[Block]:
    """The blocks of a plain-text body: paragraphs at blank lines, its line breaks kept."""
    blocks = []
    for paragraph in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        if not paragraph.strip():
            continue
        runs: list[Run] = []
        for i, line in enumerate(paragraph.strip("\n").split("\n")):
            if i:
                runs.append(Run("\n"))
            runs.append(Run(line.replace("\t", "    ")))
        blocks.append(Block("p", runs))
    return blocks
