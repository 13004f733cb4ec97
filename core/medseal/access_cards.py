"""The access-code card: one printed page per patient, handed over at the desk, holding their code once.

A patient's access code opens every envelope the practice sends them, so it travels on paper, never by
e-mail. Each page says, in the patient's language, what the code is for and how to use it; the code itself
is printed once, large, in a monospaced font (Courier: ``5`` and ``s`` cannot be confused). The PDF uses the
standard Type 1 fonts with WinAnsiEncoding (no embedded font), is not encrypted (it is the practice's own
file, printed and then deleted) and carries no metadata naming anyone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from io import BytesIO

from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

from medseal.envelope.pdf import displayable
from medseal.i18n import t

_PAGE_W, _PAGE_H, _MARGIN = 595.28, 841.89, 64.0
_FONTS = {"/F1": "/Helvetica", "/F2": "/Helvetica-Bold", "/F3": "/Courier-Bold"}


@dataclass(frozen=True)
class Card:
    """One page: who it is for (as the desk reads it), the code, and the language of the text."""

    holder: str
    code: str = field(repr=False)
    language: str


def _text(font: str, size: float, x: float, y: float, text: str) -> str:
    shown = displayable(text)[0].replace("\n", " ")
    return f"BT {font} {size} Tf {x:.2f} {y:.2f} Td <{shown.encode('cp1252').hex()}> Tj ET"


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width, break_on_hyphens=False) or [""]


def _page_ops(card: Card) -> bytes:
    y = _PAGE_H - _MARGIN - 20
    ops = [_text("/F2", 20, _MARGIN, y, t("card.title", card.language))]
    y -= 34
    ops.append(_text("/F1", 12, _MARGIN, y, t("card.for", card.language, holder=card.holder)))
    y -= 40
    for line in _wrap(t("card.intro", card.language), 80):
        ops.append(_text("/F1", 11, _MARGIN, y, line))
        y -= 16
    y -= 30
    ops.append(_text("/F1", 11, _MARGIN, y, t("card.code_label", card.language)))
    y -= 40
    ops.append(_text("/F3", 26, _MARGIN, y, card.code))
    y -= 50
    for line in _wrap(t("card.keep", card.language), 80):
        ops.append(_text("/F1", 11, _MARGIN, y, line))
        y -= 16
    return "\n".join(ops).encode("ascii")


def _resources() -> DictionaryObject:
    fonts = DictionaryObject()
    for key, base in _FONTS.items():
        fonts[NameObject(key)] = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject(base),
                NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
            }
        )
    return DictionaryObject({NameObject("/Font"): fonts})


def build_cards(cards: Sequence[Card]) -> bytes:
    """The cards as one PDF, one page each (``ValueError`` for no card)."""
    if not cards:
        raise ValueError("no access-code card to print")
    writer = PdfWriter()
    for card in cards:
        page = writer.add_blank_page(_PAGE_W, _PAGE_H)
        page[NameObject("/Resources")] = _resources()
        stream = DecodedStreamObject()
        stream.set_data(_page_ops(card))
        page.replace_contents(stream.flate_encode())
    writer.add_metadata({"/Producer": "medseal"})
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
