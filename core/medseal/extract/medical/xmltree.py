"""A small element tree for XML medical files, built with the same hardened expat parser as every other XML
reader (no document type, no entities): namespaces resolved, element text and attributes kept."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from medseal.extract.markup import parse_xml
from medseal.extract.medical._build import TextBuilder


@dataclass
class Node:
    """One element: its namespace and local name, attributes (local names), text and children."""

    ns: str
    name: str
    attrs: dict[str, str]
    children: list[Node] = field(default_factory=list)
    chunks: list[str] = field(default_factory=list, repr=False)

    @property
    def text(self) -> str:
        return "".join(self.chunks)

    def child(self, name: str) -> Node | None:
        return next((c for c in self.children if c.name == name), None)

    def all(self, name: str) -> list[Node]:
        return [c for c in self.children if c.name == name]

    def iter(self) -> Iterator[Node]:
        """This element and every element under it, in document order."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))


def _split(qualified: str) -> tuple[str, str]:
    """``{namespace}local`` (ElementTree's form) -> (namespace, local)."""
    if qualified.startswith("{"):
        ns, _, local = qualified[1:].partition("}")
        return ns, local
    return "", qualified


class _TreeBuilder:
    """The parser target (ElementTree's protocol) that builds the :class:`Node` tree."""

    def __init__(self) -> None:
        self.root = Node("", "", {})
        self.stack = [self.root]

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        ns, local = _split(tag)
        node = Node(ns, local, {_split(k)[1]: v for k, v in attrs.items()})
        self.stack[-1].children.append(node)
        self.stack.append(node)

    def end(self, _tag: str) -> None:
        self.stack.pop()

    def data(self, text: str) -> None:
        self.stack[-1].chunks.append(text)

    def close(self) -> Node:
        return self.root


def parse_tree(data: bytes) -> Node:
    """The root element of ``data``; raises UnreadableAttachment for malformed XML or a DOCTYPE."""
    builder = _TreeBuilder()
    parse_xml(data, builder)
    return builder.root.children[0]


Spans = dict[tuple[int, str], tuple[int, int]]


def write_tree(builder: TextBuilder, root: Node) -> Spans:
    """Every text node and attribute value of ``root`` as ``element: text`` / ``element attribute: value``
    lines (the element names help the detectors: ``birthdate: 1985-07-30``). Returns the span of each value,
    keyed by ``(id(node), "")`` for an element's text and ``(id(node), attribute)`` for an attribute."""
    spans: Spans = {}
    for node in root.iter():
        for attr, value in node.attrs.items():
            span = builder.line(f"{node.name} {attr}", value)
            if span is not None:
                spans[(id(node), attr)] = span
        span = builder.line(node.name, node.text)
        if span is not None:
            spans[(id(node), "")] = span
    return spans
