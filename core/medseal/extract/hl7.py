"""HL7 version 2 messages (ER7, the ``MSH|^~\\&|…`` pipe format Belgian labs and hospitals send).

Segments become lines and the delimiters (field ``|``, component ``^``, repetition ``~``, sub-component ``&``,
whatever ``MSH-1``/``MSH-2`` declare) become single spaces, so ``PID|||85073003328^^^BE||DUPONT^MARIE`` reads
``PID 85073003328 BE DUPONT MARIE``. Escape sequences (``\\F\\``, ``\\S\\``, ``\\.br\\``, ``\\X41\\``…) are
turned back into what they stand for.
"""

from __future__ import annotations

import re

_HEADERS = ("MSH", "FHS", "BHS")
_SEGMENTS = re.compile(r"\r\n|\r|\n")
_LEADING = "\ufeff \t\r\n\x0b"


def is_hl7(text: str) -> bool:
    """True when ``text`` starts like an HL7 v2 message or batch (``MSH`` + a punctuation delimiter)."""
    head = text.lstrip(_LEADING)
    return len(head) > 8 and head[:3] in _HEADERS and not head[3].isalnum() and not head[3].isspace()


def hl7_to_text(text: str) -> str:
    """Readable text of an HL7 v2 message: one segment a line, delimiters as single spaces."""
    head = text.lstrip(_LEADING)
    if not is_hl7(head):
        return text
    field = head[3]
    encoding = head[4:8].split(field, 1)[0]
    chars = (encoding + "^~\\&"[len(encoding) :])[:4]
    component, repetition, escape, subcomponent = chars[0], chars[1], chars[2], chars[3]
    delimiters = field + component + repetition + subcomponent
    pattern = "[" + re.escape(delimiters) + "]+"
    if escape not in delimiters:
        e = re.escape(escape)
        pattern = f"{e}([^{e}\r\n]{{0,16}}){e}|" + pattern
    tokens = re.compile(pattern)
    literal = {"E": escape, ".br": "\n"}

    def replace(match: re.Match[str]) -> str:
        code = match.group(1) if match.re.groups else None
        if code is None or code in ("F", "S", "R", "T"):
            return " "
        if code in literal:
            return literal[code]
        if code[:1] == "X":
            try:
                return bytes.fromhex(code[1:]).decode("latin-1")
            except ValueError:
                pass
        return " "

    lines = []
    for segment in _SEGMENTS.split(head):
        if segment[:3] in _HEADERS:  # MSH-2 holds the delimiters themselves: data, not separators
            segment = segment[:3] + field + segment[4 + len(encoding) :]
        line = " ".join(tokens.sub(replace, segment).split())
        if line:
            lines.append(line)
    return "\n".join(lines)
