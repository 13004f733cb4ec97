# ruff: noqa: E501 - a table of document fragments, one carrier a line
"""Every place of every document format where a national number and a surname can hide, as builders.

``CARRIERS[name](niss, surname)`` returns an attachment (with a neutral file name) whose only occurrence of
``niss`` (11 digits) and ``surname`` is in that one place: a docx's ``docProps/core.xml``, a PDF's outline, an
HTML comment... The documents are built here with zipfile and XML strings (OOXML, ODF), pypdf's writer (PDF,
through :mod:`fixtures.documents`), struct/zlib (images) and plain strings (HTML, RTF, iCalendar, vCard).
"""

from __future__ import annotations

import base64
import quopri
from collections.abc import Callable
from xml.sax.saxutils import escape, quoteattr

from fixtures.documents import (
    S_NS,
    W_NS,
    docx_with,
    make_docx,
    make_jpeg,
    make_pdf,
    make_pdf_content,
    make_png,
    make_xlsx,
    make_zip,
    odf_with,
    ooxml_package,
    page_content,
)

from medseal.model import Attachment

Builder = Callable[[str, str], Attachment]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
P_NS = "http://schemas.openxmlformats.org/presentationml/2006/main"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
NEUTRAL_PAGE = "Compte rendu de consultation."


def _docx_part(part: str, xml: Callable[[str, str], str]) -> Builder:
    return lambda niss, name: Attachment("rapport.docx", DOCX, docx_with(part, xml(niss, name)))


def _w(tag: str, inner: str) -> str:
    return f'<w:{tag} xmlns:w="{W_NS}">{inner}</w:{tag}>'


def _wp(text: str) -> str:
    return f"<w:p><w:r><w:t>{escape(text)}</w:t></w:r></w:p>"


def _core(niss: str, name: str) -> str:
    return (
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:title>Rapport {niss}</dc:title><dc:creator>{escape(name)}</dc:creator></cp:coreProperties>"
    )


def _app(niss: str, name: str) -> str:
    return (
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        f"<Company>{escape(name)}</Company><Manager>{niss}</Manager></Properties>"
    )


def _custom(niss: str, name: str) -> str:
    return (
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="2" name="Patient">'
        f"<vt:lpwstr>{escape(name)} {niss}</vt:lpwstr></property></Properties>"
    )


def _chart(niss: str, name: str) -> str:
    return (
        f'<c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" xmlns:a="{A_NS}">'
        f"<c:chart><c:title><c:tx><c:rich><a:p><a:r><a:t>{escape(name)} {niss}</a:t></a:r></a:p></c:rich>"
        "</c:tx></c:title></c:chart></c:chartSpace>"
    )


def _people(niss: str, name: str) -> str:
    return (
        '<w15:people xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml">'
        f"<w15:person w15:author={quoteattr(name + ' ' + niss)}/></w15:people>"
    )


def _split_runs(niss: str, name: str) -> str:
    half = len(name) // 2
    runs = [name[:half], name[half:], " ", niss[:5], niss[5:]]
    body = "".join(f'<w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">{escape(r)}</w:t></w:r>' for r in runs)
    return f"<w:p>{body}</w:p>"


def _fallback(niss: str, name: str) -> str:
    return (
        '<w:p><w:r><mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
        '<mc:Choice Requires="wps"><w:t>Texte</w:t></mc:Choice>'
        f"<mc:Fallback><w:t>{escape(name)} {niss}</w:t></mc:Fallback></mc:AlternateContent></w:r></w:p>"
    )


def _docx_body(body: Callable[[str, str], str]) -> Builder:
    return lambda niss, name: Attachment("rapport.docx", DOCX, make_docx([], body_xml=body(niss, name)))


def _docx_link(niss: str, name: str) -> Attachment:
    data = ooxml_package(
        "word/document.xml",
        {"word/document.xml": _w("document", f"<w:body>{_wp(NEUTRAL_PAGE)}</w:body>")},
        links=[f"https://dossiers.example/patient?nom={name}&niss={niss}"],
    )
    return Attachment("rapport.docx", DOCX, data)


def _docx_embedded(niss: str, name: str) -> Attachment:
    inner = make_docx([f"{name} {niss}"])
    data = ooxml_package(
        "word/document.xml",
        {
            "word/document.xml": _w("document", f"<w:body>{_wp(NEUTRAL_PAGE)}</w:body>"),
            "word/embeddings/Microsoft_Word_Document1.docx": inner,
        },
    )
    return Attachment("rapport.docx", DOCX, data)


def _docx_altchunk(niss: str, name: str) -> Attachment:
    data = ooxml_package(
        "word/document.xml",
        {
            "word/document.xml": _w("document", f"<w:body>{_wp(NEUTRAL_PAGE)}</w:body>"),
            "word/afchunk.htm": f"<html><body><p>{escape(name)} {niss}</p></body></html>".encode(),
        },
    )
    return Attachment("rapport.docx", DOCX, data)


def _docx_settings(niss: str, name: str) -> str:
    return _w("settings", f'<w:docVars><w:docVar w:name="patient" w:val={quoteattr(name + " " + niss)}/></w:docVars>')


def _xlsx(parts: Callable[[str, str], dict[str, str]]) -> Builder:
    def build(niss: str, name: str) -> Attachment:
        base = {
            "xl/workbook.xml": f'<workbook xmlns="{S_NS}"><sheets><sheet name="Feuil1" sheetId="1"/></sheets></workbook>',
            "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{S_NS}"><sheetData/></worksheet>',
        }
        return Attachment("tableau.xlsx", XLSX, ooxml_package("xl/workbook.xml", {**base, **parts(niss, name)}))

    return build


def _sheet(cells: str) -> dict[str, str]:
    return {
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{S_NS}"><sheetData><row r="1">{cells}</row></sheetData></worksheet>'
    }


def _xlsx_numbers(niss: str, name: str, form: str) -> Attachment:
    shown = niss if form == "int" else f"{int(niss):.10E}".replace("E+", "E")
    data = make_xlsx([name], [[name, float(int(niss))]])
    data = data.replace(f"<v>{float(int(niss)):.15g}</v>".encode(), f"<v>{shown}</v>".encode())
    return Attachment("tableau.xlsx", XLSX, data)


def _pptx(part: str, xml: Callable[[str, str], str]) -> Builder:
    def build(niss: str, name: str) -> Attachment:
        slide = f'<p:sld xmlns:p="{P_NS}" xmlns:a="{A_NS}"><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:t>{NEUTRAL_PAGE}</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>'
        parts = {"ppt/presentation.xml": f'<p:presentation xmlns:p="{P_NS}"/>', "ppt/slides/slide1.xml": slide}
        parts[part] = xml(niss, name)
        return Attachment("diapos.pptx", PPTX, ooxml_package("ppt/presentation.xml", parts))

    return build


def _p_text(root: str, niss: str, name: str) -> str:
    return (
        f'<p:{root} xmlns:p="{P_NS}" xmlns:a="{A_NS}"><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r>'
        f"<a:t>{escape(name)} {niss}</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:{root}>"
    )


_ODF_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" office:version="1.3"'
)


def _odt(part: str, xml: Callable[[str, str], str]) -> Builder:
    return lambda niss, name: Attachment(
        "lettre.odt", "application/vnd.oasis.opendocument.text", odf_with({part: xml(niss, name)})
    )


def _odt_content(body: str) -> str:
    return (
        f"<office:document-content {_ODF_NS}><office:body><office:text>{body}</office:text></office:body>"
        "</office:document-content>"
    )


def _pdf(**options: Callable[[str, str], object]) -> Builder:
    def build(niss: str, name: str) -> Attachment:
        kwargs = {key: make(niss, name) for key, make in options.items()}
        data = make_pdf_content([page_content(NEUTRAL_PAGE)], **kwargs)  # type: ignore[arg-type]
        return Attachment("rapport.pdf", "application/pdf", data)

    return build


def _xmp(niss: str, name: str) -> str:
    return (
        '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
        f'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>{escape(name)} {niss}</dc:creator>'
        '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    )


def _html(template: str) -> Builder:
    def build(niss: str, name: str) -> Attachment:
        page = (
            "<html><head><title>Rapport</title></head><body><p>" + NEUTRAL_PAGE + "</p>" + template + "</body></html>"
        )
        return Attachment("page.html", "text/html", page.format(niss=niss, name=escape(name)).encode())

    return build


def _card(name_: str, ctype: str, template: Callable[[str, str], str]) -> Builder:
    return lambda niss, name: Attachment(name_, ctype, template(niss, name).encode("utf-8"))


def _ics(lines: str) -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nSUMMARY:Consultation\r\n"
        + lines
        + "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def _qp(text: str) -> str:
    return quopri.encodestring(text.encode("utf-8")).decode("ascii")


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _rtf(body: Callable[[str, str], str]) -> Builder:
    return lambda niss, name: Attachment(
        "lettre.rtf",
        "application/rtf",
        ("{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Arial;}}" + body(niss, name) + "\\par Compte rendu.}").encode(),
    )


CARRIERS: dict[str, Builder] = {
    # --- Word
    "docx-body-split-runs": _docx_body(_split_runs),
    "docx-mc-fallback": _docx_body(_fallback),
    "docx-core-properties": _docx_part("docProps/core.xml", _core),
    "docx-app-properties": _docx_part("docProps/app.xml", _app),
    "docx-custom-properties": _docx_part("docProps/custom.xml", _custom),
    "docx-comments": _docx_part(
        "word/comments.xml",
        lambda n, s: _w("comments", f'<w:comment w:id="0" w:author="Dr X">{_wp(s + " " + n)}</w:comment>'),
    ),
    "docx-comment-author": _docx_part(
        "word/comments.xml",
        lambda n, s: _w("comments", f'<w:comment w:id="0" w:author={quoteattr(s + " " + n)}>{_wp("ok")}</w:comment>'),
    ),
    "docx-people": _docx_part("word/people.xml", _people),
    "docx-header": _docx_part("word/header1.xml", lambda n, s: _w("hdr", _wp(f"{s} {n}"))),
    "docx-footer": _docx_part("word/footer2.xml", lambda n, s: _w("ftr", _wp(f"{s} {n}"))),
    "docx-footnotes": _docx_part(
        "word/footnotes.xml", lambda n, s: _w("footnotes", f'<w:footnote w:id="1">{_wp(s + " " + n)}</w:footnote>')
    ),
    "docx-endnotes": _docx_part(
        "word/endnotes.xml", lambda n, s: _w("endnotes", f'<w:endnote w:id="1">{_wp(s + " " + n)}</w:endnote>')
    ),
    "docx-chart": _docx_part("word/charts/chart1.xml", _chart),
    "docx-glossary": _docx_part(
        "word/glossary/document.xml",
        lambda n, s: _w(
            "glossaryDocument",
            f"<w:docParts><w:docPart><w:docPartBody>{_wp(s + ' ' + n)}</w:docPartBody></w:docPart></w:docParts>",
        ),
    ),
    "docx-settings-docvar": _docx_part("word/settings.xml", _docx_settings),
    "docx-custom-xml": _docx_part(
        "customXml/item1.xml", lambda n, s: f"<patient><nom>{escape(s)}</nom><niss>{n}</niss></patient>"
    ),
    "docx-hyperlink-rels": _docx_link,
    "docx-embedded-docx": _docx_embedded,
    "docx-altchunk": _docx_altchunk,
    # --- Excel
    "xlsx-sheet-name": _xlsx(
        lambda n, s: {
            "xl/workbook.xml": f'<workbook xmlns="{S_NS}"><sheets><sheet name={quoteattr(s + " " + n)} sheetId="1"/></sheets></workbook>'
        }
    ),
    "xlsx-shared-strings": _xlsx(
        lambda n, s: {
            "xl/sharedStrings.xml": f'<sst xmlns="{S_NS}"><si><t>{escape(s)} {n}</t></si></sst>',
            **_sheet('<c r="A1" t="s"><v>0</v></c>'),
        }
    ),
    "xlsx-inline-string": _xlsx(lambda n, s: _sheet(f'<c r="A1" t="inlineStr"><is><t>{escape(s)} {n}</t></is></c>')),
    "xlsx-formula-string": _xlsx(
        lambda n, s: _sheet(f'<c r="A1" t="str"><f>CONCAT("a")</f><v>{escape(s)} {n}</v></c>')
    ),
    "xlsx-threaded-comment": _xlsx(
        lambda n, s: {
            "xl/threadedComments/threadedComment1.xml": f'<ThreadedComments xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments"><threadedComment ref="A1"><text>{escape(s)} {n}</text></threadedComment></ThreadedComments>'
        }
    ),
    "xlsx-comments": _xlsx(
        lambda n, s: {
            "xl/comments1.xml": f'<comments xmlns="{S_NS}"><authors><author>{escape(s)}</author></authors><commentList><comment ref="A1" authorId="0"><text><r><t>{n}</t></r></text></comment></commentList></comments>'
        }
    ),
    "xlsx-number-cell": lambda n, s: _xlsx_numbers(n, s, "int"),
    "xlsx-number-exponent": lambda n, s: _xlsx_numbers(n, s, "exponent"),
    "xlsx-pivot-cache": _xlsx(
        lambda n, s: {
            "xl/pivotCache/pivotCacheRecords1.xml": f'<pivotCacheRecords xmlns="{S_NS}"><r><s v={quoteattr(s)}/><n v="{int(n):.10E}"/></r></pivotCacheRecords>'.replace(
                "E+", "E"
            )
        }
    ),
    # --- PowerPoint
    "pptx-slide-master": _pptx("ppt/slideMasters/slideMaster1.xml", lambda n, s: _p_text("sldMaster", n, s)),
    "pptx-slide-layout": _pptx("ppt/slideLayouts/slideLayout1.xml", lambda n, s: _p_text("sldLayout", n, s)),
    "pptx-notes": _pptx("ppt/notesSlides/notesSlide1.xml", lambda n, s: _p_text("notes", n, s)),
    "pptx-comment-authors": _pptx(
        "ppt/commentAuthors.xml",
        lambda n, s: (
            f'<p:cmAuthorLst xmlns:p="{P_NS}"><p:cmAuthor id="1" name={quoteattr(s)} initials={quoteattr(n)}/></p:cmAuthorLst>'
        ),
    ),
    # --- OpenDocument
    "odt-meta": _odt(
        "meta.xml",
        lambda n, s: (
            f'<office:document-meta {_ODF_NS}><office:meta><dc:creator>{escape(s)}</dc:creator><meta:user-defined meta:name="patient">{n}</meta:user-defined></office:meta></office:document-meta>'
        ),
    ),
    "odt-styles-footer": _odt(
        "styles.xml",
        lambda n, s: (
            f'<office:document-styles {_ODF_NS}><office:master-styles><style:master-page style:name="Standard"><style:footer><text:p>{escape(s)} {n}</text:p></style:footer></style:master-page></office:master-styles></office:document-styles>'
        ),
    ),
    "odt-annotation": _odt(
        "content.xml",
        lambda n, s: _odt_content(
            f"<text:p>Texte<office:annotation><dc:creator>Dr X</dc:creator><text:p>{escape(s)} {n}</text:p></office:annotation></text:p>"
        ),
    ),
    "odt-tracked-deletion": _odt(
        "content.xml",
        lambda n, s: _odt_content(
            f'<text:tracked-changes><text:changed-region text:id="c1"><text:deletion><text:p>{escape(s)} {n}</text:p></text:deletion></text:changed-region></text:tracked-changes><text:p>Texte</text:p>'
        ),
    ),
    "ods-float-cell": lambda n, s: Attachment(
        "t.ods",
        "application/vnd.oasis.opendocument.spreadsheet",
        odf_with(
            {
                "content.xml": f'<office:document-content {_ODF_NS}><office:body><office:spreadsheet><table:table table:name={quoteattr(s)}><table:table-row><table:table-cell office:value-type="float" office:value="{n}"><text:p>8,51E+10</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>'
            },
            "application/vnd.oasis.opendocument.spreadsheet",
        ),
    ),
    # --- PDF
    "pdf-page": lambda n, s: Attachment("rapport.pdf", "application/pdf", make_pdf([f"{s} {n}"])),
    "pdf-info-author": _pdf(info=lambda n, s: {"/Author": f"{s} {n}"}),
    "pdf-info-custom-key": _pdf(info=lambda n, s: {f"/{s}": n}),
    "pdf-xmp": _pdf(xmp=_xmp),
    "pdf-outline": _pdf(outline=lambda n, s: [f"{s} {n}"]),
    "pdf-annotation": _pdf(annotations=lambda n, s: [f"{s} {n}"]),
    "pdf-annotation-author": lambda n, s: Attachment(
        "rapport.pdf",
        "application/pdf",
        make_pdf_content([page_content(NEUTRAL_PAGE)], annotations=["Vu"], annotation_author=f"{s} {n}"),
    ),
    "pdf-form-field-value": _pdf(fields=lambda n, s: {"patient": f"{s} {n}"}),
    "pdf-form-field-name": _pdf(fields=lambda n, s: {f"{s} {n}": "x"}),
    "pdf-named-destination": _pdf(destinations=lambda n, s: [f"{s} {n}"]),
    "pdf-embedded-text": _pdf(embedded=lambda n, s: {"notes.txt": f"{s} {n}".encode()}),
    "pdf-embedded-file-name": _pdf(embedded=lambda n, s: {f"{s}_{n}.txt": b"ok"}),
    "pdf-embedded-docx": _pdf(embedded=lambda n, s: {"lettre.docx": make_docx([f"{s} {n}"])}),
    # --- HTML
    "html-comment": _html("<!-- {name} {niss} -->"),
    "html-data-attribute": _html('<div data-patient="{name} {niss}">x</div>'),
    "html-href": _html('<a href="https://dossiers.example/?n={name}&amp;id={niss}">lien</a>'),
    "html-title-attribute": _html('<span title="{name} {niss}">x</span>'),
    "html-meta-content": _html('<meta name="patient" content="{name} {niss}">'),
    "html-display-none": _html('<div style="display:none">{name} {niss}</div>'),
    "html-hidden-attribute": _html("<p hidden>{name} {niss}</p>"),
    "html-style-text": _html("<style>/* {name} {niss} */ p {{color: red}}</style>"),
    "html-script-text": _html("<script>var patient = '{name} {niss}';</script>"),
    "html-noscript": _html("<noscript>{name} {niss}</noscript>"),
    "html-template": _html("<template><p>{name} {niss}</p></template>"),
    "html-input-value": _html('<input type="hidden" value="{name} {niss}">'),
    # --- iCalendar and vCard
    "ics-folded": _card(
        "rdv.ics", "text/calendar", lambda n, s: _ics(f"DESCRIPTION:Patient {s} {n[:5]}\r\n {n[5:]}\r\n")
    ),
    "ics-attendee-cn": _card(
        "rdv.ics", "text/calendar", lambda n, s: _ics(f'ATTENDEE;CN="{s} {n}":mailto:rdv@cabinet.example\r\n')
    ),
    "ics-quoted-printable": _card(
        "rdv.ics",
        "text/calendar",
        lambda n, s: _ics(
            f"DESCRIPTION;ENCODING=QUOTED-PRINTABLE:{_qp(s + ' ' + n).replace(n[4], '=' + format(ord(n[4]), '02X'))}\r\n"
        ),
    ),
    "ics-base64": _card(
        "rdv.ics", "text/calendar", lambda n, s: _ics(f"X-NOTE;ENCODING=b;VALUE=BINARY:{_b64(s + ' ' + n)}\r\n")
    ),
    "vcf-name": _card(
        "contact.vcf",
        "text/vcard",
        lambda n, s: f"BEGIN:VCARD\r\nVERSION:3.0\r\nN:{s};Marie;;;\r\nNOTE:{n}\r\nEND:VCARD\r\n",
    ),
    "vcf-qp-soft-break": _card(
        "contact.vcf",
        "text/x-vcard",
        lambda n, s: (
            f"BEGIN:VCARD\r\nVERSION:2.1\r\nNOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:{s} {n[:6]}=\r\n{n[6:]}\r\nEND:VCARD\r\n"
        ),
    ),
    "vcf-base64": _card(
        "contact.vcf",
        "text/vcard",
        lambda n, s: f"BEGIN:VCARD\r\nVERSION:3.0\r\nX-DOSSIER;ENCODING=b:{_b64(s + ' ' + n)}\r\nEND:VCARD\r\n",
    ),
    # --- XML and RTF
    "xml-element": lambda n, s: Attachment(
        "export.xml", "text/xml", f"<export><nom>{escape(s)}</nom><id>{n}</id></export>".encode()
    ),
    "xml-attribute": lambda n, s: Attachment(
        "export.xml", "text/xml", f'<export><patient nom={quoteattr(s)} niss="{n}"/></export>'.encode()
    ),
    "rtf-body": _rtf(lambda n, s: f"{s} {n}\\par "),
    "rtf-info": _rtf(lambda n, s: f"{{\\info{{\\title Rapport}}{{\\author {s}}}{{\\comment {n}}}}}"),
    "rtf-header": _rtf(lambda n, s: f"{{\\header \\pard {s} {n}\\par}}"),
    "rtf-footnote": _rtf(lambda n, s: f"Texte{{\\super\\chftn}}{{\\footnote \\pard {s} {n}}}\\par "),
    "rtf-annotation": _rtf(
        lambda n, s: f"Texte{{\\*\\atnid X}}{{\\*\\atnauthor Dr X}}\\chatn{{\\*\\annotation \\pard {s} {n}}}\\par "
    ),
    "rtf-hidden": _rtf(lambda n, s: f"{{\\v {s} {n}}}\\par "),
    # --- images (decorative, with text metadata) and mislabelled texts
    "png-text-chunk": lambda n, s: Attachment("logo.png", "image/png", make_png(120, 40, text={"Comment": f"{s} {n}"})),
    "jpeg-comment": lambda n, s: Attachment(
        "logo.jpg", "image/jpeg", make_jpeg(120, 40, comment=f"{s} {n}", filler=500)
    ),
    "text-named-png": lambda n, s: Attachment("scan.png", "image/png", f"{s} {n}".encode()),
    "text-named-p7s": lambda n, s: Attachment("smime.p7s", "application/pkcs7-signature", f"{s} {n}".encode()),
    "text-starting-bm": lambda n, s: Attachment("notes.bmp", "image/bmp", f"BM {s} {n}".encode()),
    "text-starting-id3": lambda n, s: Attachment("memo.mp3", "audio/mpeg", f"ID3 {s} {n}".encode()),
    "text-starting-gif8": lambda n, s: Attachment("a.gif", "image/gif", f"GIF89a {s} {n}".encode()),
    "pdf-named-txt": lambda n, s: Attachment("notes.txt", "text/plain", make_pdf([f"{s} {n}"])),
    # --- archives
    "zip-member-name": lambda n, s: Attachment("dossier.zip", "application/zip", make_zip({f"{s}_{n}.txt": b"ok"})),
    "zip-member-content": lambda n, s: Attachment(
        "dossier.zip", "application/zip", make_zip({"a.txt": f"{s} {n}".encode()})
    ),
}
