"""Text of markup: HTML (tags stripped, entities decoded, scripts and styles dropped) and XML.

XML — KMEHR messages in particular — gives every text node *and* every attribute value, one element per line:
``<id S="ID-PATIENT" SV="1.0">85073003328</id>`` reads ``ID-PATIENT 1.0`` then ``85073003328``.

XML is read with the stdlib's expat and no document type at all: a ``<!DOCTYPE`` (the only place where
entities, the "billion laughs" expansion and external references can be declared) makes the attachment
unreadable rather than expanded. This is what defusedxml does, in the three lines expat needs for it.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import NoReturn
from xml.parsers import expat

from medseal.errors import UnreadableAttachment
from medseal.extract.plain import decode_text

_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "caption", "dd", "div", "dl", "dt",
        "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
        "header", "hr", "li", "main", "nav", "ol", "option", "p", "pre", "section", "table", "title",
        "tr", "ul"
    }
)
_CELL_TAGS = frozenset({"td", "th"})
_HIDDEN_TAGS = frozenset({"script", "style"})
_TEXT_ATTRIBUTES = frozenset({"alt", "title", "value", "placeholder", "aria-label"})


class _HTMLText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN_TAGS:
            self.hidden += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
        elif tag in _CELL_TAGS:
            self.parts.append("\t")
        said = [value for name, value in attrs if name in _TEXT_ATTRIBUTES and value and value.strip()]
        if said:
            self.parts.append(" " + " ".join(said) + " ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HIDDEN_TAGS:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


_TAG = re.compile(r"<[^>]*>")
_BLANK_LINES = re.compile(r"[ \t\r\f\v]*\n[\s]*\n")


def html_to_text(html: str) -> str:
    """The text a reader sees in ``html``: inline tags vanish (``<b>85.07.30</b>-033.28`` stays one string),
    block tags become line breaks, ``alt``/``title`` attributes are kept, scripts and styles dropped."""
    parser = _HTMLText()
    try:
        parser.feed(html)
        parser.close()
        text = "".join(parser.parts)
    except (AssertionError, ValueError, IndexError):  # html.parser's rare internal errors on broken markup
        text = _TAG.sub(" ", html)
    return _BLANK_LINES.sub("\n\n", text.replace("\xa0", " ")).strip()


def html_bytes_to_text(data: bytes) -> str:
    """Decode an HTML file (BOM, ``<meta charset>``, UTF-8, Windows-1252) and return its text."""
    head = data[:2048].lower()
    match = re.search(rb"""charset\s*=\s*["']?([a-z0-9_.:-]+)""", head)
    charset = match.group(1).decode("ascii") if match else None
    return html_to_text(decode_text(data, charset))


def _refuse_doctype(*_args: object) -> NoReturn:
    raise UnreadableAttachment("XML with a document type declaration (entities are refused)")


def new_xml_parser(namespaces: bool = False) -> expat.XMLParserType:
    """An expat parser that refuses any ``<!DOCTYPE>``, entity declaration or external reference."""
    parser = expat.ParserCreate(namespace_separator=" ") if namespaces else expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_doctype
    parser.UnparsedEntityDeclHandler = _refuse_doctype
    parser.ExternalEntityRefHandler = _refuse_doctype
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    return parser


def parse_xml(parser: expat.XMLParserType, data: bytes) -> None:
    """Feed ``data`` to ``parser``; malformed XML is an unreadable attachment."""
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise UnreadableAttachment(f"malformed XML ({expat.ErrorString(exc.code)})") from None


def xml_to_text(data: bytes) -> str:
    """Every attribute value and text node of an XML document, one element per line."""
    parts: list[str] = []

    def start(_name: str, attrs: dict[str, str]) -> None:
        values = [v for v in attrs.values() if v.strip()]
        parts.append("\n" + " ".join(values) + "\n" if values else "\n")

    def end(_name: str) -> None:
        parts.append("\n")

    parser = new_xml_parser()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = parts.append
    parse_xml(parser, data)
    lines = (line.strip() for line in "".join(parts).splitlines())
    return "\n".join(line for line in lines if line)
