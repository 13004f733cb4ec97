"""Rich Text Format, the letter format many Belgian medical record systems still export, read by striprtf.

striprtf gives the body text (code pages, ``\\uN`` characters, hidden ``\\v`` text included: it does not
hide anything). It also skips every "destination" group, some of which a recipient sees or can open: the
document properties (``\\info``: title, subject, author, keywords, comment, company, operator...), headers
and footers, foot- and endnotes, comments (``\\annotation`` and its author), text boxes, form fields, index
and table-of-contents entries, document variables, field instructions (``MERGEFIELD``, hyperlink targets).
Before striprtf runs, the control word that opens each of those groups is replaced by a paragraph mark, so
that striprtf reads them as ordinary text, each on a line of its own. Groups that hold no text (font and
colour tables, style sheets, theme data) stay skipped.

Refused: an RTF with an embedded object (``\\objdata``: an OLE binary medseal cannot read), or with a picture
larger than a decorative image (:data:`medseal.extract.media.DECORATIVE_BYTES`): a scan pasted in a letter.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from striprtf import striprtf

from medseal.errors import UnreadableAttachment
from medseal.extract.media import DECORATIVE_BYTES

__all__ = ["is_rtf", "rtf_to_text"]

_striprtf: Callable[..., str] = striprtf.rtf_to_text

_TEXT_DESTINATIONS = (
    "info", "title", "subject", "author", "keywords", "comment", "doccomm", "operator", "company", "category",
    "manager", "hlinkbase", "header", "headerl", "headerr", "headerf", "footer", "footerl", "footerr",
    "footerf", "footnote", "annotation", "atnauthor", "atnid", "atnref", "atndate", "dptxbxtext", "shptxt",
    "txe", "xe", "tc", "docvar", "fldinst", "ffname", "ffdeftext", "ffhelptext", "ffstattext", "ffl",
    "datafield", "bkmkstart", "userprops", "propname", "staticval", "sv", "sn", "objalias", "objname", "pntext",
    "pntxta", "pntxtb", "listtext", "mmodsoname", "mmquery", "mmaddfieldname", "mmmailsubject", "htmltag",
    "mhtmltag",
)
_TOKENS = re.compile(
    r"\\[\\{}]|[{}]|(?:\\\*[ \r\n]*)?\\(?:" + "|".join(_TEXT_DESTINATIONS) + r")(?![a-zA-Z])(?:-?\d+)? ?"
)
_PICTURE = re.compile(r"\\pict\b[^{}]*?([0-9a-fA-F\s]{2048,})")


def is_rtf(data: bytes) -> bool:
    """True when ``data`` starts like an RTF document."""
    return data.lstrip()[:5] == b"{\\rtf"


def _open_destinations(text: str) -> str:
    """The RTF with each text destination's control word replaced by a paragraph mark, and one more before
    the brace that closes its group: striprtf then reads it as text on lines of its own."""
    out: list[str] = []
    stack: list[bool] = []  # per open group: is it a text destination?
    last = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        out.append(text[last : match.start()])
        last = match.end()
        if token == "{":
            stack.append(False)
        elif token == "}":
            if stack and stack.pop():
                out.append("\\par ")
        elif token[0] == "\\" and token[1:2] not in ("\\", "{", "}"):
            if stack:
                stack[-1] = True
            token = "\\par "
        out.append(token)
    out.append(text[last:])
    return "".join(out)


def rtf_to_text(data: bytes) -> str:
    """Every text of an RTF document: body, hidden text, properties, headers, footers, notes and comments."""
    text = data.decode("cp1252", errors="replace")
    if "\\objdata" in text:
        raise UnreadableAttachment("RTF with an embedded object (cannot be read)")
    for picture in _PICTURE.finditer(text):
        if len(re.sub(r"\s", "", picture.group(1))) // 2 > DECORATIVE_BYTES:
            raise UnreadableAttachment("RTF with a picture: a photo or a scan cannot be checked")
    opened = _open_destinations(text)
    try:
        return str(_striprtf(opened, errors="replace"))
    except Exception as exc:  # striprtf raises what its parser meets (ValueError, IndexError...)
        raise UnreadableAttachment("corrupt RTF") from exc
