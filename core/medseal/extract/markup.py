"""Text of markup: HTML (the one HTML-to-text converter of medseal) and XML.

**HTML** — :func:`html_to_text` gives the text a reader sees: inline tags vanish (``<b>85.07.30</b>-033.28``
stays one string), block tags become line breaks, cells tabs, entities are decoded, ``alt``/``title``-like
attributes are kept in place; ``<script>``/``<style>`` are not shown. With ``everything=True`` it then adds,
after that visible text (so offsets into it do not move), what an interceptor reads in the source too: the
comments, every attribute value (``data-*``, ``href``, ``content`` of ``<meta>``...), the text of scripts and
styles; hidden elements (``display:none``, ``hidden``), ``<noscript>`` and ``<template>`` are in the visible
text already, since nothing here hides them.

**XML** — :func:`xml_to_text` writes one element a line, its local name first, then its attributes and its
text: ``<id S="ID-PATIENT" SV="1.0">85073003328</id>`` reads ``id S=ID-PATIENT SV=1.0: 85073003328`` and
``<familyname>Dupont</familyname>`` reads ``familyname: Dupont``: a value stays on one line, next to what it
is. XML is parsed by defusedxml's expat parser with document types forbidden: a ``<!DOCTYPE`` (where entities,
the "billion laughs" expansion and external references are declared) makes the attachment unreadable rather
than expanded. :func:`parse_xml` feeds any target (the office reader's too) through the same parser.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Protocol
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from medseal.errors import UnreadableAttachment
from medseal.extract.plain import decode_text

__all__ = ["XmlTarget", "html_bytes_to_text", "html_to_text", "local_name", "parse_xml", "xml_to_text"]

_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "caption", "dd", "div", "dl", "dt",
        "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
        "header", "hr", "li", "main", "nav", "ol", "option", "p", "pre", "section", "table", "title",
        "tr", "ul", "noscript", "template",
    }
)
_CELL_TAGS = frozenset({"td", "th"})
_CODE_TAGS = frozenset({"script", "style"})
_SHOWN_ATTRIBUTES = frozenset({"alt", "title", "value", "placeholder", "aria-label"})


class _HTMLText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden: list[str] = []  # comments, attribute values, script and style text
        self.in_code = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _CODE_TAGS:
            self.in_code += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
        elif tag in _CELL_TAGS:
            self.parts.append("\t")
        shown = [value for name, value in attrs if name in _SHOWN_ATTRIBUTES and value and value.strip()]
        if shown:
            self.parts.append(" " + " ".join(shown) + " ")
        self.hidden += [f"{tag} {name}={value}" for name, value in attrs if value and value.strip()]

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _CODE_TAGS:
            self.hidden += [f"{tag} {name}={value}" for name, value in attrs if value and value.strip()]
        else:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _CODE_TAGS:
            self.in_code = max(0, self.in_code - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.in_code:
            self.hidden.append(data)
        else:
            self.parts.append(data)

    def handle_comment(self, data: str) -> None:
        self.hidden.append(data)

    def unknown_decl(self, data: str) -> None:  # <![CDATA[...]]> and the like
        self.hidden.append(data)


_TAG = re.compile(r"<[^>]*>")
_BLANK_LINES = re.compile(r"[ \t\r\f\v]*\n[\s]*\n")


def html_to_text(html: str, *, everything: bool = False) -> str:
    """The text a reader sees in ``html``; with ``everything``, then also its comments, attribute values,
    scripts and styles (each on lines of their own, after the visible text)."""
    parser = _HTMLText()
    try:
        parser.feed(html)
        parser.close()
        text = "".join(parser.parts)
    except (AssertionError, ValueError, IndexError):  # html.parser's rare internal errors on broken markup
        text = _TAG.sub(" ", html)
        parser.hidden.append(html)
    visible = _BLANK_LINES.sub("\n\n", text.replace("\xa0", " ")).strip()
    if not everything:
        return visible
    lines = (line.strip() for chunk in parser.hidden for line in chunk.replace("\xa0", " ").splitlines())
    extra = "\n".join(dict.fromkeys(line for line in lines if line))
    return f"{visible}\n\n{extra}" if extra else visible


def html_bytes_to_text(data: bytes) -> str:
    """Decode an HTML file (BOM, ``<meta charset>``, UTF-8, Windows-1252) and return everything in it."""
    head = data[:2048].lower()
    match = re.search(rb"""charset\s*=\s*["']?([a-z0-9_.:-]+)""", head)
    charset = match.group(1).decode("ascii") if match else None
    return html_to_text(decode_text(data, charset), everything=True)


def local_name(tag: str) -> str:
    """``{namespace}name`` or ``prefix:name`` -> ``name``."""
    return tag.rpartition("}")[2].rpartition(":")[2]


class XmlTarget(Protocol):
    """What the XML parser calls (ElementTree's parser-target protocol)."""

    def start(self, tag: str, attrs: dict[str, str]) -> None: ...
    def end(self, tag: str) -> None: ...
    def data(self, text: str) -> None: ...
    def close(self) -> object: ...


def parse_xml(data: bytes, target: XmlTarget) -> None:
    """Feed ``data`` to ``target`` through defusedxml; a document type or malformed XML is unreadable."""
    parser = DefusedXMLParser(target=target, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    try:
        parser.feed(data)
        parser.close()
    except DefusedXmlException:
        raise UnreadableAttachment("XML with a document type declaration (entities are refused)") from None
    except ParseError as exc:
        raise UnreadableAttachment(f"malformed XML ({exc})") from None
    except RecursionError:
        raise UnreadableAttachment("XML nested too deeply") from None


class _Lines:
    """``name attr=value: text`` lines, one element a line."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.labelled: list[bool] = []  # per open element: has its line been started?
        self.names: list[str] = []

    def _label(self) -> None:
        if self.labelled and not self.labelled[-1]:
            self.parts.append(f"\n{self.names[-1]}: ")
            self.labelled[-1] = True

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        name = local_name(tag)
        said = [f"{local_name(k)}={v.strip()}" for k, v in attrs.items() if v.strip()]
        if said:
            self.parts.append(f"\n{name} {' '.join(said)}: ")
        self.names.append(name)
        self.labelled.append(bool(said))

    def end(self, _tag: str) -> None:
        self.parts.append("\n")
        self.names.pop()
        self.labelled.pop()

    def data(self, text: str) -> None:
        if text.strip():
            self._label()
            self.parts.append(text)
        elif self.labelled and self.labelled[-1]:
            self.parts.append(text)

    def close(self) -> None:
        return None


def xml_to_text(data: bytes) -> str:
    """Every element name, attribute value and text node of an XML document, one element a line."""
    lines = _Lines()
    parse_xml(data, lines)
    out = (line.strip() for line in "".join(lines.parts).splitlines())
    return "\n".join(line.rstrip(":") if line.endswith(":") else line for line in out if line)
