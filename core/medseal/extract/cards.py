"""iCalendar (``.ics``, ``text/calendar``: an appointment) and vCard (``.vcf``: a contact card).

Both are lines of ``NAME;PARAM=value;...:value`` (RFC 5545, RFC 6350, and vCard 2.1 as phones still write
it). What an interceptor reads, and so what is returned, one property a line as ``NAME params: value``:

- **Folded lines** are unfolded first (a line break followed by a space or a tab continues the line), so a
  number folded in the middle (``8507300\\r\\n 3328``) is whole again.
- **Encoded values** are decoded: ``ENCODING=QUOTED-PRINTABLE`` (with its ``=`` soft line breaks, which
  continue on the next line without a leading space) in the declared ``CHARSET``; ``ENCODING=b`` or
  ``BASE64`` values are decoded and read by the general reader (a ``PHOTO`` follows the image rule: a
  patient's photo makes the card unreadable). Text escapes (``\\n``, ``\\,``, ``\\;``) are undone.
- **Every parameter** is kept (``CN=Dupont Marie`` of an attendee, ``X-…`` properties): only the
  ``ENCODING``/``CHARSET`` pair, which says how to read the value, is left out.
"""

from __future__ import annotations

import base64
import binascii
import quopri
import re
from collections.abc import Callable

from medseal.errors import UnreadableAttachment
from medseal.extract.plain import decode_text

__all__ = ["card_to_text"]

_FOLD = re.compile(r"\r?\n[ \t]")
_QP_SOFT_BREAK = re.compile(r"=\r?\n")
_ESCAPES = re.compile(r"\\([nN,;:\\])")
_PARAM = re.compile(r'([^=;]+)(?:=("[^"]*"|[^;]*))?')


def _split(line: str) -> tuple[str, list[tuple[str, str]], str]:
    """``NAME;P=v;Q="w":value`` -> name, parameters, value (a ``:`` inside a quoted parameter is no end)."""
    quoted = False
    for at, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            head, value = line[:at], line[at + 1 :]
            break
    else:
        return "", [], line
    name, _, params = head.partition(";")
    pairs = [(m.group(1).strip(), (m.group(2) or "").strip('"')) for m in _PARAM.finditer(params) if m.group(1)]
    return name.strip(), pairs, value


def _logical_lines(text: str) -> list[str]:
    """Unfold the lines, and join vCard 2.1 quoted-printable values cut by ``=`` soft line breaks."""
    out: list[str] = []
    for line in _FOLD.sub("", text).splitlines():
        if out and out[-1].endswith("=") and "QUOTED-PRINTABLE" in out[-1].upper().split(":", 1)[0]:
            out[-1] = out[-1][:-1] + line
        else:
            out.append(line)
    return out


def card_to_text(data: bytes, read_binary: Callable[[str, bytes], str]) -> str:
    """Every property of an iCalendar or vCard file as ``NAME params: value`` lines; ``read_binary(name,
    data)`` reads a base64 value (the general reader, one level down)."""
    lines = []
    for line in _logical_lines(decode_text(data)):
        if not line.strip():
            continue
        name, params, value = _split(line)
        upper = {k.upper(): v for k, v in params}
        encoding = upper.get("ENCODING", "").upper()
        if not encoding and any(k.upper() in ("BASE64", "B") and not v for k, v in params):
            encoding = "B"  # vCard 2.1: PHOTO;JPEG;BASE64:...
        if not encoding and any(k.upper() == "QUOTED-PRINTABLE" and not v for k, v in params):
            encoding = "QUOTED-PRINTABLE"
        charset = upper.get("CHARSET") or "utf-8"
        if encoding == "QUOTED-PRINTABLE":
            raw = quopri.decodestring(_QP_SOFT_BREAK.sub("", value).encode("latin-1", errors="replace"))
            value = decode_text(raw, charset)
        elif encoding in ("B", "BASE64"):
            try:
                raw = base64.b64decode(re.sub(r"\s", "", value), validate=False)
            except (binascii.Error, ValueError):
                raise UnreadableAttachment("calendar or contact card with a corrupt encoded value") from None
            value = read_binary(f"{name.lower() or 'value'}.bin", raw)
        else:
            value = _ESCAPES.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)
        shown = " ".join(
            f"{k}={v}" if v else k
            for k, v in params
            if k.upper() not in ("ENCODING", "CHARSET") and k.upper() not in ("BASE64", "B", "QUOTED-PRINTABLE")
        )
        label = f"{name} {shown}".strip()
        lines.append(f"{label}: {value}" if label else value)
    return "\n".join(lines)
