"""What an AES-256 encrypted PDF still shows: its object skeleton, and whether that skeleton is neutral.

PDF encryption (ISO 32000-2, 7.6) encrypts strings and stream data only. Everything else of every object
travels in clear: dictionary keys, name values (``/Author`` is encrypted, but a key ``/Vandermeersch`` is not),
numbers, booleans, arrays, references, stream dictionaries, and the file's structure. A PDF re-encrypted in
place is therefore only as private as that skeleton; :func:`clear_skeleton_problem` reads it from pypdf's
parsed objects (not from bytes) and accepts it only when it is *neutral*:

- every **name** (key or value) is a name the PDF specification or pypdf defines (``/Type``, ``/FlateDecode``,
  ``/Helvetica``, a glyph name of the Adobe Glyph List...), or a short resource name (1-4 letters then digits
  or ``_``: ``/F1``, ``/Im12``, ``/GS0``, ``/T1_0``, ``/MC0``), or the value of a font-name key (``/BaseFont``,
  ``/FontName``, ``/FontFamily``, e.g. ``/ABCDEF+LiberationSerif``), or a well-known MIME type as an
  embedded file's ``/Subtype`` (:func:`neutral_mime_types`); and no name holds a run of 6 digits;
- no **number** is written with 6 or more digits before its decimal point (as pypdf writes it), and no real
  with more than 10 digits in all (font metrics such as ``928.22266`` are ordinary; 11 digits would be room
  for a national number, ``0.00010112345`` included), except a stream's
  ``/Length`` (pypdf rewrites it to the encrypted length) and font-file lengths (``/Length1-3``, ``/DL``) no
  larger than the stream they describe; and no run of consecutive numbers in an array, their digits read
  one after another as an interceptor would, spells a valid national number (``[8507 30033 28]``), except
  in arrays of geometry and font metrics (``/Widths``, ``/MediaBox``...), where runs of small numbers are
  the rule and such a check would refuse ordinary fonts; and fewer than 100,000 objects (object numbers
  are written in clear too).

What stays in clear even then: the neutral vocabulary, the object numbers, the cross-reference table's byte
offsets (set by the sizes of the objects, not by their content), stream lengths and the ``/Encrypt`` entry.

A PDF with anything else in its skeleton (a custom ``/Info`` key, a custom page-dictionary key, a national
number stored as a number) is not re-encrypted in place: :func:`medseal.envelope.pdf.seal` embeds it unchanged
in ``message.pdf``, where the whole file is inside an encrypted stream.
"""

from __future__ import annotations

import inspect
import mimetypes
import re
from collections.abc import Iterable
from functools import cache
from io import BytesIO

import pypdf.constants
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
)

from medseal.detect.niss import find_niss
from medseal.model import Where

#: Digits in a row that make a number (or a name) too telling to leave in clear.
MAX_DIGITS = 5
#: Digits a real may have in all (``-1069.33594``, ``0.000012345``): one fewer than a national number.
MAX_REAL_DIGITS = 10
_DIGIT_RUN = re.compile(rf"\d{{{MAX_DIGITS + 1},}}")
_RESOURCE_NAME = re.compile(r"\A/[A-Za-z]{1,4}[0-9_]+\Z")
_FONT_NAME_KEYS = frozenset({"/BaseFont", "/FontName", "/FontFamily"})
_FONT_FILE_LENGTHS = frozenset({"/Length1", "/Length2", "/Length3", "/DL"})
_MAX_DEPTH = 200
#: Arrays of geometry and font metrics: long runs of small numbers whose digits mean nothing together.
_METRIC_ARRAY_KEYS = """
Widths W W2 DW2 FontBBox FontMatrix MediaBox CropBox BleedBox TrimBox ArtBox BBox Rect Matrix Decode
Domain Range Encode Bounds C0 C1 Differences QuadPoints Vertices InkList Border CL Coords Function
BlackPoint WhitePoint Gamma Size Index
"""
_METRIC_ARRAYS = frozenset("/" + word for word in _METRIC_ARRAY_KEYS.split())

#: Names of ISO 32000 that ordinary producers (Word, LibreOffice, reportlab, pdfTeX, browsers, scanners)
#: write and that ``pypdf.constants`` does not list.
_SPEC_NAMES = """
Action Alt Art Artifact Ascent AvgWidth BBox BaseEncoding BaseState BaseVersion Bead Bl BlockQuote Border
BS BibEntry Bounds CIDFontType0 CIDFontType0C CIDFontType2 CIDSet CIDSystemInfo CIDToGIDMap CMap CalGray CalRGB
CapHeight Caption CharProcs CharSet Code ColorTransform Comment CreatorInfo D DW DW2 Decimal Default DefaultCMYK
DefaultGray DefaultRGB Descent DescendantFonts Dest Differences Div Document DocumentSection Domain DeviceN
DisplayDocTitle Encode Encoding EmbeddedFile EmbeddedFiles Em ExtensionLevel Extend FD Figure FileAttachment
Filespec First FirstChar FitWindow Flags FontBBox FontDescriptor FontFile FontFile2 FontFile3 FontMatrix
FontStretch FontWeight Form Formula Function FunctionType Functions GoTo GoToR H H1 H2 H3 H4 H5 H6 HideMenubar
HideToolbar HideWindowUI ICCBased Identity Identity-H Identity-V Image Index Indexed ItalicAngle JavaScript
JBIG2Globals L LBody LI Lab Last LastChar Launch Lbl Leading Limits Link Luminosity MCID MaxWidth Marked
MissingWidth MMType1 N NonStruct NonFullScreenPageMode Normal Note Nums OBJR OCG OCGs OCMD ON OFF Obj
OpenType Order Ordering Outlines Off PDF PaintType Part PatternType Pg Polygon PolyLine Popup PrintScaling
Private ProcSet Quote Range Reference Registry ResetForm Ruby RoleMap RB RT RP Sect Separation ShadingType Sig
SimplexXObject Span Square Circle Stamp StemH StemV Stm StrikeOut StructElem Style SubmitForm Symbol T TBody
TD TFoot TH THead TOC TOCI Table Text TextBox Tx Btn Ch TilingType ToUnicode Transparency TrueType Type0
Type1 Type1C Type3 Underline Highlight Squiggly Ink Caret FreeText Widget URI UseAttachments UseNone
UseOC UseOutlines UseThumbs FullScreen W W2 Warichu WinAnsiEncoding MacRomanEncoding MacExpertEncoding
StandardEncoding XHeight Xobject XRef XRefStm ObjStm ParentTree ParentTreeNextKey ImageB ImageC ImageI
Helvetica Helvetica-Bold Helvetica-Oblique Helvetica-BoldOblique Courier Courier-Bold Courier-Oblique
Courier-BoldOblique Times-Roman Times-Bold Times-Italic Times-BoldItalic ZapfDingbats Matrix Medium
Nonsymbolic Italic Bold Condensed Expanded SemiCondensed SemiExpanded UltraCondensed UltraExpanded
Light ExtraLight Thin SemiBold ExtraBold Black Ultra Title Version Print Display Export View Zoom
GTS_PDFA1 GTS_PDFX GTS_PDFA OutputIntent DestOutputProfile OutputConditionIdentifier Info RichMedia
AESV2 AESV3 StdCF Standard Identity CF StmF StrF EFF Crypt Colorants Process MixingHints Components
NChannel Attributes O Placement Block Inline WritingMode LrTb Layout List ListNumbering TextAlign
Start End Center Justify SpaceBefore SpaceAfter StartIndent EndIndent TextIndent Headers Scope Row Column
Both RowSpan ColSpan Table Summary BorderColor BorderThickness BackgroundColor ClassMap C0 C1 N Interpolate
Mac PageElement Background Watermark Header Footer Pagination Layout Printing MCR OC AIS
BaseFont FontName FontFamily Widths Length1 Length2 Length3 DL XML Annot ActualText E False True Unchanged Collection
Params CheckSum CreationDate ModDate Size AFRelationship Data Supplement Unknown Ordering IDTree
Disc UpperRoman LowerRoman UpperAlpha LowerAlpha None Unordered Ordered Description RlTb TbRl Before After
PrintField Role rb cb pb tv checked on off neutral Auto Middle Baseline BBox Width Height Solid Dotted
Dashed Double Groove Ridge Inset Outset Hidden ColumnCount ColumnGap ColumnWidths GlyphOrientationVertical
LineHeight TextDecorationType TextDecorationColor TextDecorationThickness LineThrough Overline RubyAlign
RubyPosition Distribute Warichu BlockAlign InlineAlign TBorderStyle TPadding Padding BorderStyle Color
ActualText Alt E Lang Artifact Pagination Subtype Contents Desc Short NoteType Footnote Endnote
"""

#: Generic words producers use as resource names (``/Logo`` for an image): neutral, not identifying.
_RESOURCE_WORDS = """
Logo Image Img Figure Picture Photo Background Watermark Stamp Signature Graphic Form Pattern Shading
"""


#: Document types that ``mimetypes`` does not know on every platform (Pyodide reads no ``mime.types``).
_OFFICE_TYPES = """
application/vnd.openxmlformats-officedocument.wordprocessingml.document
application/vnd.openxmlformats-officedocument.spreadsheetml.sheet
application/vnd.openxmlformats-officedocument.presentationml.presentation
application/vnd.oasis.opendocument.text application/vnd.oasis.opendocument.spreadsheet
application/vnd.oasis.opendocument.presentation application/vnd.ms-excel application/vnd.ms-powerpoint
application/msword application/rtf text/rtf text/calendar text/vcard text/x-vcard application/hl7-v2
application/pkcs7-signature application/pkcs7-mime application/dicom application/octet-stream
application/xhtml+xml image/webp image/heic message/global text/markdown
"""


@cache
def neutral_mime_types() -> frozenset[str]:
    """MIME types that may name an embedded file's ``/Subtype`` in clear (they say what a file is, not whose)."""
    known = mimetypes.MimeTypes(filenames=())
    return (
        frozenset(known.types_map[True].values())
        | frozenset(known.types_map[False].values())
        | frozenset(_OFFICE_TYPES.split())
    )


@cache
def standard_names() -> frozenset[str]:
    """Every name pypdf's constants, the Adobe Glyph List and the common keys of the specification define."""
    names = {"/" + word for word in (_SPEC_NAMES + _RESOURCE_WORDS).split()}
    for _, holder in inspect.getmembers(pypdf.constants, inspect.isclass):
        names.update(str(v) for v in vars(holder).values() if isinstance(v, str) and v.startswith("/"))
    try:
        from pypdf._codecs.adobe_glyphs import adobe_glyphs
    except ImportError:  # glyph names are then judged like any other name
        pass
    else:
        names.update(adobe_glyphs)
    return frozenset(names)


def _name_problem(name: str, key: str | None) -> str | None:
    if _DIGIT_RUN.search(name):
        return "a name holds a long digit run"
    if name in standard_names() or _RESOURCE_NAME.match(name) or key in _FONT_NAME_KEYS:
        return None
    if key == "/Subtype" and name[1:] in neutral_mime_types():  # an embedded file's type
        return None
    return "a name outside the PDF vocabulary"


def _written(number: NumberObject | FloatObject) -> str:
    out = BytesIO()
    number.write_to_stream(out)
    return out.getvalue().decode("ascii", "replace")


def _digits(number: NumberObject | FloatObject) -> str:
    return re.sub(r"\D", "", _written(number))


class _Walk:
    """One pass over every object of a document; ``problem`` is the first thing that is not neutral."""

    def __init__(self) -> None:
        self.problem: str | None = None

    def value(self, obj: PdfObject | None, key: str | None, parent: DictionaryObject | None, depth: int) -> None:
        if self.problem or obj is None or depth > _MAX_DEPTH:
            if depth > _MAX_DEPTH:
                self.problem = "objects nested too deep"
            return
        if isinstance(obj, IndirectObject):
            return  # reached through the document's object list, written as "n g R" (small numbers)
        if isinstance(obj, NameObject):
            self.problem = _name_problem(str(obj), key)
        elif isinstance(obj, NumberObject | FloatObject):
            self.problem = self._number_problem(obj, key, parent)
        elif isinstance(obj, DictionaryObject):
            self.dictionary(obj, depth)
        elif isinstance(obj, ArrayObject):
            self.array(obj, key, depth)

    def _number_problem(
        self, number: NumberObject | FloatObject, key: str | None, parent: DictionaryObject | None
    ) -> str | None:
        written = _written(number)
        whole = re.sub(r"\D", "", written.split(".")[0])
        if isinstance(number, FloatObject):
            if len(whole) <= MAX_DIGITS and len(re.sub(r"\D", "", written)) <= MAX_REAL_DIGITS:
                return None
        elif len(whole) <= MAX_DIGITS:
            return None
        if isinstance(parent, StreamObject) and isinstance(number, NumberObject):
            if key == "/Length":
                return None  # rewritten by pypdf to the length of the encrypted data
            if key in _FONT_FILE_LENGTHS and 0 <= int(number) <= len(parent.get_data()):
                return None
        return "a number with too many digits"

    def dictionary(self, obj: DictionaryObject, depth: int) -> None:
        for key, item in obj.items():
            if self.problem:
                return
            self.problem = _name_problem(str(key), None)
            self.value(item, str(key), obj, depth + 1)

    def array(self, obj: ArrayObject, key: str | None, depth: int) -> None:
        if key not in _METRIC_ARRAYS and _spells_a_national_number(_number_runs(obj)):
            self.problem = "numbers that read as a national number"
            return
        for item in obj:
            self.value(item, None, None, depth + 1)


def _number_runs(obj: ArrayObject) -> list[list[str]]:
    """The digits of the numbers of ``obj`` (nested arrays flattened), in runs unbroken by other objects."""
    runs: list[list[str]] = [[]]
    stack: list[object] = list(reversed(obj))
    while stack:
        item = stack.pop()
        if isinstance(item, NumberObject | FloatObject):
            runs[-1].append(_digits(item))
        elif isinstance(item, ArrayObject) and len(stack) < 10_000:
            stack.extend(reversed(item))
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if len(run) > 1]


def _spells_a_national_number(runs: Iterable[list[str]]) -> bool:
    """True when consecutive numbers, their digits read one after another, give a valid national number."""
    for run in runs:
        for start in range(len(run)):
            joined = ""
            for piece in run[start:]:
                joined += piece
                if len(joined) >= 11:
                    break
            if len(joined) == 11 and find_niss(joined, Where.ATTACHMENT):
                return True
    return False


def clear_skeleton_problem(objects: Iterable[PdfObject | None]) -> str | None:
    """Why the skeleton of ``objects`` (every indirect object of a document) is not neutral; None if it is.

    The reason names the kind of problem only, never the value.
    """
    objects = list(objects)
    if len(objects) >= 10**MAX_DIGITS:
        return "object numbers with more than five digits"  # written in clear as "n 0 obj" and "n 0 R"
    walk = _Walk()
    for obj in objects:
        walk.value(obj, None, None, 0)
        if walk.problem:
            return walk.problem
    return None
