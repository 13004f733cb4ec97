"""``message.pdf`` as a letter: who writes, when, about what, the body as it was written, and what is enclosed.

The patient opens the envelope with whatever they have (a phone, a browser, Adobe Reader), so the letter is
made to be read anywhere:

- a head (the practice and the writer, how to reach them, the date), the original subject as the title
  (safe: the whole page content is encrypted), the body with its HTML structure (:mod:`~.richtext`), and at
  the end the list of what is enclosed and how to open it, in the recipient's language (the catalogue's
  ``letter.*`` keys);
- real text in the embedded letter fonts (:mod:`~.fonts`), tagged (a structure tree in reading order,
  ``/MarkInfo``, ``/Lang``) so that screen readers read it and ``pdftotext`` extracts it exactly;
- every JPEG and PNG attachment also drawn as a page of its own (:mod:`~.images`), because the PDF readers
  of phones and macOS Preview do not show embedded files; the original files stay embedded byte for byte.

Nothing here is random or dated by the clock: the same inputs give the same pages.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from medseal.envelope import _pypdf_bridge, fonts, images, layout, richtext
from medseal.envelope.richtext import Block, Run, Style
from medseal.i18n import DEFAULT_LANGUAGE, normalise_language, t

_SMALL = 9.0
_GREY = "0.35 0.35 0.35"
_CAPTION = 9.0


@dataclass(frozen=True)
class LetterHead:
    """What the letter says about itself. ``sender`` the writer (the From display name), ``practice`` and
    ``contact`` from the practice's policy, ``date`` the message's date, ``language`` the recipient's."""

    sender: str = ""
    sender_address: str = ""
    practice: str = ""
    contact: str = ""
    date: _dt.date | None = None
    language: str = DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Enclosure:
    """One attachment as the letter lists it; ``picture`` when it is also drawn as a page."""

    name: str
    picture: images.Image | None = None


def body_blocks(body_text: str | None, body_html: str | None) -> list[Block]:
    """The body as blocks: from the HTML when there is one (and it shows text), else from the plain text."""
    if body_html is not None:
        blocks = richtext.from_html(body_html)
        if blocks or body_text is None:
            return blocks
    return richtext.from_text(body_text or "")


def format_date(date: _dt.date, language: str) -> str:
    month = t(f"letter.month.{date.month}", language)
    return t("letter.date_format", language, day=date.day, month=month, year=date.year)


def _head(canvas: layout.Canvas, head: LetterHead, subject: str, language: str) -> None:
    """The letter head: practice, writer, contact, date; then the subject as the title."""
    section = canvas.element("Sect")
    writer = head.sender or head.sender_address
    top = head.practice or writer
    if top:
        canvas.paragraph([Run(top, Style(bold=True))], canvas.element("P", section), "P", size=13.0, after=2)
    if head.practice and writer:
        canvas.paragraph([Run(writer)], canvas.element("P", section), "P", after=2)
    reach = [value for value in (head.contact, head.sender_address if head.sender else "") if value]
    if reach:
        canvas.paragraph(
            [Run(" · ".join(reach))], canvas.element("P", section), "P", size=_SMALL, color=_GREY, after=2
        )
    if head.date is not None:
        line = t("letter.dated", language, date=format_date(head.date, language))
        canvas.paragraph([Run(line)], canvas.element("P", section), "P", after=2)
    canvas.y -= 6
    canvas.rule(after=14)
    title = subject.strip() or t("notice.pdf_title", language)
    canvas.paragraph([Run(title, Style(bold=True))], canvas.element("H1", section), "H1", size=15.0, after=10)


def _enclosed(canvas: layout.Canvas, enclosures: Sequence[Enclosure], first_picture_page: int, language: str) -> None:
    """The list of what is enclosed, where each file is, and how to open the embedded ones."""
    if not enclosures:
        return
    canvas.room(80)
    canvas.y -= 8
    canvas.rule(after=10)
    section = canvas.element("Sect")
    canvas.paragraph(
        [Run(t("letter.enclosed", language), Style(bold=True))], canvas.element("H2", section), "H2", size=12.0
    )
    listing = canvas.element("L", section)
    page = first_picture_page
    for enclosure in enclosures:
        if enclosure.picture is not None:
            text = t("letter.enclosed_picture", language, name=enclosure.name, page=page)
            page += 1
        else:
            text = t("letter.enclosed_file", language, name=enclosure.name)
        canvas.paragraph([Run(text)], canvas.element("LI", listing), "LI", indent=18, after=2, marker="•")
    canvas.y -= 6
    if any(e.picture is None for e in enclosures):
        canvas.paragraph([Run(t("letter.how_to_open", language))], canvas.element("P", section), "P")
    if any(e.picture is not None for e in enclosures):
        canvas.paragraph([Run(t("letter.pictures_kept", language))], canvas.element("P", section), "P")


def typeset(
    head: LetterHead, subject: str, blocks: Sequence[Block], enclosures: Sequence[Enclosure]
) -> layout.Canvas:
    """The whole letter on a canvas: head, body, enclosures, then one page per picture, footers last."""
    language = normalise_language(head.language)
    canvas = layout.Canvas()
    _head(canvas, head, subject, language)
    canvas.blocks(blocks, canvas.element("Sect"))
    # the pictures' page numbers are known only once the text is set: set it twice when needed
    pictures = [e for e in enclosures if e.picture is not None]
    trial = layout.Canvas()
    if pictures:
        trial.pages = [layout.Page() for _ in canvas.pages]  # a copy of the state, to measure the list
        trial.current, trial.y = canvas.current, canvas.y
        _enclosed(trial, enclosures, 1, language)
    _enclosed(canvas, enclosures, len(trial.pages) + 1 if pictures else 1, language)
    for enclosure in pictures:
        assert enclosure.picture is not None
        canvas.picture_page(enclosure.picture, enclosure.name, _CAPTION)
    canvas.footer(t("letter.footer", language, page="{page}", pages="{pages}"))
    return canvas


# -- writing the pages ------------------------------------------------------------------------------------


def _groups_used(canvas: layout.Canvas) -> list[fonts.FontGroup]:
    """The font groups the letter draws with (the base group always: it holds the replacement glyph)."""
    text = "\n".join(op for page in canvas.pages for op in page.ops)
    return [g for g in fonts.groups().values() if g.name == fonts.BASE_GROUP or f"{g.resource} " in text]


def _stream(data: bytes) -> Any:
    stream = DecodedStreamObject()
    stream.set_data(data)
    return stream.flate_encode()


def _image_refs(writer: Any, image: images.Image) -> Any:
    stream = image.stream
    if image.mask is not None:
        stream[NameObject("/SMask")] = _pypdf_bridge.add_object(writer, image.mask)
    return _pypdf_bridge.add_object(writer, stream)


def write_pages(writer: Any, canvas: layout.Canvas, pictures: Sequence[images.Image], language: str) -> None:
    """The canvas's pages, fonts, pictures, links and structure tree added to ``writer``."""
    font_dict = DictionaryObject(
        {NameObject(g.resource): fonts.font_dictionary(writer, g) for g in _groups_used(canvas)}
    )
    font_ref = _pypdf_bridge.add_object(writer, font_dict)
    picture_refs = [_image_refs(writer, image) for image in pictures]
    page_refs = []
    for index, page in enumerate(canvas.pages):
        pdf_page = writer.add_blank_page(layout.PAGE_W, layout.PAGE_H)
        resources = DictionaryObject({NameObject("/Font"): font_ref})
        if page.image:
            number = int(page.image.removeprefix("/Im")) - 1
            resources[NameObject("/XObject")] = DictionaryObject({NameObject(page.image): picture_refs[number]})
        pdf_page[NameObject("/Resources")] = resources
        pdf_page[NameObject("/StructParents")] = NumberObject(index)
        pdf_page[NameObject("/Tabs")] = NameObject("/S")
        pdf_page.replace_contents(_stream("\n".join(page.ops).encode("ascii")))
        page_refs.append(pdf_page.indirect_reference)
    _links(writer, canvas, page_refs)
    _structure(writer, canvas, page_refs, language)


def _links(writer: Any, canvas: layout.Canvas, page_refs: Sequence[Any]) -> None:
    for area in canvas.links:
        annotation = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Link"),
                NameObject("/Rect"): ArrayObject(FloatObject(round(v, 2)) for v in area.rect),
                NameObject("/Border"): ArrayObject([NumberObject(0), NumberObject(0), NumberObject(0)]),
                NameObject("/A"): DictionaryObject(
                    {NameObject("/S"): NameObject("/URI"), NameObject("/URI"): TextStringObject(area.href)}
                ),
            }
        )
        page = page_refs[area.page].get_object()
        if "/Annots" not in page:
            page[NameObject("/Annots")] = ArrayObject()
        page["/Annots"].append(_pypdf_bridge.add_object(writer, annotation))


def _structure(writer: Any, canvas: layout.Canvas, page_refs: Sequence[Any], language: str) -> None:
    """The tagged-PDF structure tree: a ``Document`` element holding the canvas's elements in reading order,
    and the parent tree that maps each page's marked content back to its element."""
    root = DictionaryObject({NameObject("/Type"): NameObject("/StructTreeRoot")})
    root_ref = _pypdf_bridge.add_object(writer, root)
    document = DictionaryObject(
        {NameObject("/Type"): NameObject("/StructElem"), NameObject("/S"): NameObject("/Document")}
    )
    document[NameObject("/P")] = root_ref
    document_ref = _pypdf_bridge.add_object(writer, document)
    refs = []
    for element in canvas.elements:
        node = DictionaryObject(
            {NameObject("/Type"): NameObject("/StructElem"), NameObject("/S"): NameObject("/" + element.tag)}
        )
        if element.alt:
            node[NameObject("/Alt")] = TextStringObject(element.alt)
        refs.append(_pypdf_bridge.add_object(writer, node))
    kids: dict[int | None, list[Any]] = {}
    parents: list[list[Any]] = [[] for _ in canvas.pages]  # per page: element of each MCID
    for index, element in enumerate(canvas.elements):
        node = refs[index].get_object()
        node[NameObject("/P")] = document_ref if element.parent is None else refs[element.parent]
        marks = ArrayObject()
        for page, mcid in element.marks:
            marks.append(
                DictionaryObject(
                    {
                        NameObject("/Type"): NameObject("/MCR"),
                        NameObject("/Pg"): page_refs[page],
                        NameObject("/MCID"): NumberObject(mcid),
                    }
                )
            )
            slots = parents[page]
            slots.extend([None] * (mcid + 1 - len(slots)))
            slots[mcid] = refs[index]
        if element.marks:
            node[NameObject("/Pg")] = page_refs[element.marks[0][0]]
        node[NameObject("/K")] = marks
        kids.setdefault(element.parent, []).append(refs[index])
    for parent, children in kids.items():
        if parent is not None:
            refs[parent].get_object()["/K"].extend(children)
    document[NameObject("/K")] = ArrayObject(kids.get(None, []))
    numbers = ArrayObject()
    for page, slots in enumerate(parents):
        numbers += [NumberObject(page), ArrayObject(slot if slot is not None else document_ref for slot in slots)]
    root[NameObject("/K")] = ArrayObject([document_ref])
    root[NameObject("/ParentTree")] = _pypdf_bridge.add_object(
        writer, DictionaryObject({NameObject("/Nums"): numbers})
    )
    root[NameObject("/ParentTreeNextKey")] = NumberObject(len(canvas.pages))
    catalog = writer.root_object
    catalog[NameObject("/StructTreeRoot")] = root_ref
    catalog[NameObject("/MarkInfo")] = DictionaryObject({NameObject("/Marked"): _pdf_true()})
    catalog[NameObject("/Lang")] = TextStringObject(normalise_language(language))
    catalog[NameObject("/ViewerPreferences")] = DictionaryObject({NameObject("/DisplayDocTitle"): _pdf_true()})


def _pdf_true() -> Any:
    from pypdf.generic import BooleanObject

    return BooleanObject(True)
