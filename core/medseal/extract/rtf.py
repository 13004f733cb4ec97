"""Rich Text Format, the letter format many Belgian medical record systems still export.

A small reader of the RTF 1.x syntax: groups, control words, ``\\'hh`` bytes in the document code page
(``\\ansicpg``), ``\\uN`` Unicode characters with their ``\\ucN`` fallbacks skipped, ``\\bin`` data jumped
over, and the destinations that are not text (font and colour tables, style sheets, pictures, embedded
objects, ``\\*`` extensions) left out. Paragraph, line and cell marks become line breaks and tabs.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(
    rb"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?"  # control word
    rb"|\\'([0-9a-fA-F]{2})"  # byte in the document code page
    rb"|\\([^a-zA-Z'])"  # control symbol
    rb"|([{}])"
    rb"|[\r\n]+"
    rb"|([^\\{}\r\n]+)",
    re.S,
)
_SKIPPED = frozenset(
    b"fonttbl colortbl stylesheet listtable listoverridetable revtbl rsidtbl filetbl pict object objdata "
    b"themedata colorschememapping datastore latentstyles xmlnstbl generator mmathPr pgdsctbl fldinst "
    b"wgrffmtfilter defchp defpap".split()
)
_BREAKS = {
    b"par": "\n", b"line": "\n", b"sect": "\n", b"page": "\n", b"row": "\n", b"tab": "\t", b"cell": "\t",
}
_SPECIAL = {
    b"emdash": "\u2014", b"endash": "\u2013", b"bullet": "\u2022", b"lquote": "\u2018", b"rquote": "\u2019",
    b"ldblquote": "\u201c", b"rdblquote": "\u201d", b"emspace": " ", b"enspace": " ", b"qmspace": " ",
}
_PROPERTIES = frozenset(
    b"title subject author keywords comment doccomm operator company category manager".split()
)
_SYMBOLS = {b"~": " ", b"_": "-", b"-": "", b"\\": "\\", b"{": "{", b"}": "}", b"\n": "\n", b"\r": "\n"}


def is_rtf(data: bytes) -> bool:
    """True when ``data`` starts like an RTF document."""
    return data.lstrip()[:5] == b"{\\rtf"


def _codec(page: int) -> str:
    name = f"cp{page}"
    try:
        "".encode(name)
    except LookupError:
        return "cp1252"
    return name


def rtf_to_text(data: bytes) -> str:
    """The visible text of an RTF document."""
    out: list[str] = []
    pending = bytearray()  # \'hh bytes, decoded together (double-byte code pages)
    codec = "cp1252"
    skip_group = False
    uc = 1
    own_line = False  # a document property (title, subject...): on a line of its own
    stack: list[tuple[bool, int, bool]] = []
    to_skip = 0  # fallback characters still to drop after a \uN
    pos = 0
    size = len(data)

    def flush() -> None:
        if pending:
            out.append(pending.decode(codec, errors="replace"))
            pending.clear()

    while pos < size:
        match = _TOKEN.match(data, pos)
        if match is None:  # a lone backslash at the very end
            break
        pos = match.end()
        word, arg, hexbyte, symbol, brace, text = match.groups()
        if hexbyte is not None:
            if to_skip:
                to_skip -= 1
            elif not skip_group:
                pending.append(int(hexbyte, 16))
            continue
        flush()
        if brace == b"{":
            stack.append((skip_group, uc, own_line))
            own_line = False
            continue
        if brace == b"}":
            if own_line:
                out.append("\n")
            skip_group, uc, own_line = stack.pop() if stack else (False, 1, False)
            to_skip = 0
            continue
        if text is not None:
            if to_skip:
                dropped, text = text[:to_skip], text[to_skip:]
                to_skip -= len(dropped)
            if not skip_group and text:
                out.append(text.decode(codec, errors="replace"))
            continue
        if symbol is not None:
            if symbol == b"*":
                skip_group = True
            elif not skip_group:
                out.append(_SYMBOLS.get(symbol, ""))
            continue
        if word is None:  # bare line breaks are not text in RTF
            continue
        number = int(arg) if arg else None
        if word == b"bin" and number:
            pos += max(number, 0)
        elif word == b"ansicpg" and number:
            codec = _codec(number)
        elif word == b"uc" and number is not None:
            uc = max(number, 0)
        elif word == b"u" and number is not None:
            code = number % 65536  # negative values are how RTF writes code points above 32767
            if not skip_group and not 0xD800 <= code < 0xE000:
                out.append(chr(code))
            to_skip = uc
        elif word in _SKIPPED:
            skip_group = True
        elif word in _PROPERTIES and not skip_group:
            out.append("\n")
            own_line = True
        elif not skip_group:
            out.append(_BREAKS.get(word) or _SPECIAL.get(word, ""))
    flush()
    return "".join(out)
