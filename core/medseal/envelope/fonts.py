"""The letter's font: DejaVu Sans, one small embedded TrueType font per group of scripts.

``message.pdf`` is read by patients with whatever they have (a phone, a browser), so its text must carry
its own font: a proportional Unicode font (DejaVu Sans: Latin with its extensions, Greek, Cyrillic,
Arabic), embedded as a ``/Type0`` font with ``/Identity-H`` encoding and a ``/ToUnicode`` map, so that the
text is real text (searchable, selectable, read aloud, extracted exactly by ``pdftotext``).

Why groups instead of a per-message subset. PDF encryption leaves every number of a font's dictionaries in
clear, the ``/W`` widths array and the font file's ``/Length1`` included; a subset cut for each message would
let an interceptor read which characters a letter uses. The font is therefore cut once, at development time
(``tests/envelope/make_fonts.py``), into fixed groups (``latin``, ``latin-extended``, ``greek``,
``cyrillic``, ``arabic``) embedded whole: the skeleton of ``message.pdf`` tells only which groups the
letter needs (``latin`` is always there), and adds 30 KB (``latin``) to 12-27 KB per further group.

A character no group holds (an emoji, a CJK ideograph) is drawn as the replacement glyph ``U+FFFD`` and its
real value kept in the content stream as ``/ActualText``, which text extraction (poppler, pdf.js) reports.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

from medseal.envelope import _pypdf_bridge

REPLACEMENT = "\ufffd"
#: The group every letter embeds (it holds the replacement glyph).
BASE_GROUP = "latin"
_TAGS = {"latin": "MSLATN", "latin-extended": "MSLEXT", "greek": "MSGREK", "cyrillic": "MSCYRL", "arabic": "MSARAB"}


@dataclass(frozen=True)
class Glyph:
    """One character as drawn: its font group, glyph id and advance width (thousandths of an em)."""

    group: str
    gid: int
    width: int
    actual: str = ""  # the character it stands for when drawn as the replacement glyph


@dataclass(frozen=True)
class FontGroup:
    name: str
    resource: str  # the page resource name, ``/F1``...
    glyphs: dict[str, tuple[int, int]]
    meta: dict[str, Any]


def _data_dir() -> Any:
    return resources.files("medseal").joinpath("data", "fonts")


@cache
def groups() -> dict[str, FontGroup]:
    """Every font group, in the order of ``letter-fonts.json`` (the base group first)."""
    meta = json.loads(_data_dir().joinpath("letter-fonts.json").read_text(encoding="utf-8"))
    out = {}
    for index, (name, group) in enumerate(meta["groups"].items(), start=1):
        glyphs = {chr(int(code)): (gid, width) for code, (gid, width) in group["glyphs"].items()}
        out[name] = FontGroup(name, f"/F{index}", glyphs, group)
    return out


@cache
def _index() -> dict[str, tuple[str, int, int]]:
    table: dict[str, tuple[str, int, int]] = {}
    for group in groups().values():
        for char, (gid, width) in group.glyphs.items():
            table.setdefault(char, (group.name, gid, width))
    return table


def glyph(char: str) -> Glyph | None:
    """How ``char`` is drawn; None for what takes no room (control and format characters)."""
    found = _index().get(char)
    if found is not None:
        return Glyph(*found)
    category = unicodedata.category(char)
    if category in ("Cc", "Cf", "Zl", "Zp") or "\ud800" <= char <= "\udfff":
        return None
    if category == "Mn":  # a combining mark no group has: attached to its letter, it is dropped
        return None
    group, gid, width = _index()[REPLACEMENT]
    return Glyph(group, gid, width, actual=char)


def text_width(text: str, size: float) -> float:
    """The advance of ``text`` at ``size`` points (characters that take no room count zero)."""
    total = 0
    for char in text:
        g = glyph(char)
        if g is not None:
            total += g.width
    return total * size / 1000


def _widths(group: FontGroup) -> ArrayObject:
    """``/W`` as runs of consecutive glyph ids (the whole group: the same array in every letter)."""
    by_gid = sorted({gid: width for gid, width in group.glyphs.values()}.items())
    out = ArrayObject()
    run: list[int] = []
    start = previous = -2
    for gid, width in by_gid:
        if gid != previous + 1:
            if run:
                out += [NumberObject(start), ArrayObject(NumberObject(w) for w in run)]
            start, run = gid, []
        run.append(width)
        previous = gid
    if run:
        out += [NumberObject(start), ArrayObject(NumberObject(w) for w in run)]
    return out


def _hex4(value: int) -> str:
    return f"{value:04X}"


def _unicode_hex(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()


def _logical(char: str) -> str:
    """What a glyph stands for in extracted text. An Arabic presentation form (an initial beh) is its letter
    (``U+0628``); a ligature of several letters (lam-alef) is its letters in *visual* order (alef, lam), like
    every glyph of a right-to-left word in the content stream: readers (poppler, pdf.js) put the extracted
    characters of a right-to-left run back in logical order, a ligature's included."""
    if "\ufb50" <= char <= "\ufdff" or "\ufe70" <= char <= "\ufeff":
        letters = unicodedata.normalize("NFKC", char)
        if letters.strip():
            return letters[::-1]
    return char


def to_unicode_cmap(group: FontGroup) -> bytes:
    """The ``/ToUnicode`` CMap of ``group``: glyph id -> character (UTF-16BE), in blocks of 100."""
    pairs = sorted((gid, _logical(char)) for char, (gid, _) in group.glyphs.items())
    first: dict[int, str] = {}
    for gid, char in pairs:
        first.setdefault(gid, char)
    unique = sorted(first.items())
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        "<0000> <FFFF>",
        "endcodespacerange",
    ]
    for i in range(0, len(unique), 100):
        chunk = unique[i : i + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines += [f"<{_hex4(gid)}> <{_unicode_hex(char)}>" for gid, char in chunk]
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines).encode("ascii")


def _stream(data: bytes, **entries: Any) -> StreamObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    for key, value in entries.items():
        stream[NameObject("/" + key)] = value
    return stream.flate_encode()


def font_dictionary(writer: Any, group: FontGroup) -> Any:
    """The ``/Type0`` font of ``group`` added to ``writer``; returns its indirect reference."""
    meta = group.meta
    name = NameObject(f"/{_TAGS[group.name]}+DejaVuSans")
    program = _data_dir().joinpath(meta["file"]).read_bytes()
    font_file = _stream(program, Length1=NumberObject(len(program)))
    descriptor = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/FontDescriptor"),
            NameObject("/FontName"): name,
            NameObject("/Flags"): NumberObject(32),
            NameObject("/FontBBox"): ArrayObject(NumberObject(v) for v in meta["bbox"]),
            NameObject("/ItalicAngle"): NumberObject(0),
            NameObject("/Ascent"): NumberObject(meta["ascent"]),
            NameObject("/Descent"): NumberObject(meta["descent"]),
            NameObject("/CapHeight"): NumberObject(meta["cap_height"]),
            NameObject("/StemV"): NumberObject(80),
            NameObject("/FontFile2"): _pypdf_bridge.add_object(writer, font_file),
        }
    )
    cid_font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/CIDFontType2"),
            NameObject("/BaseFont"): name,
            NameObject("/CIDSystemInfo"): DictionaryObject(
                {
                    NameObject("/Registry"): TextStringObject("Adobe"),
                    NameObject("/Ordering"): TextStringObject("Identity"),
                    NameObject("/Supplement"): NumberObject(0),
                }
            ),
            NameObject("/FontDescriptor"): _pypdf_bridge.add_object(writer, descriptor),
            NameObject("/DW"): NumberObject(meta["notdef_width"]),
            NameObject("/W"): _widths(group),
            NameObject("/CIDToGIDMap"): NameObject("/Identity"),
        }
    )
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type0"),
            NameObject("/BaseFont"): name,
            NameObject("/Encoding"): NameObject("/Identity-H"),
            NameObject("/DescendantFonts"): ArrayObject([_pypdf_bridge.add_object(writer, cid_font)]),
            NameObject("/ToUnicode"): _pypdf_bridge.add_object(writer, _stream(to_unicode_cmap(group))),
        }
    )
    return _pypdf_bridge.add_object(writer, font)
