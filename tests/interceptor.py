"""What a third party who intercepts a message can read, written once for every test that checks "nothing in clear".

:func:`interceptor_view` turns the bytes of a message as it travels into every string an interceptor reads
without any secret: every header of every part (raw and RFC 2047-decoded, unfolded), every MIME part that is not
an encrypted envelope (decoded from base64 / quoted-printable, in every charset guess), the file names, the members
of zip archives (names and decompressed content, nested), and for PDFs everything outside encrypted streams (for a
clear PDF also its decompressed streams). An S/MIME ``application/pkcs7-mime`` part whose bytes are CMS contributes
its headers only; an encrypted PDF (``/Encrypt``) its bytes with the stream contents left out.

:func:`leaked` then looks for an identifier in that view in the ways a reader would recognise it: the national
number's 11 digits whatever stands between them (spaces of any kind, dashes, dots, markup, format characters,
full-width or other Unicode digits), and a name whatever its case, accents or zero-width characters.
"""

from __future__ import annotations

import email
import email.header
import email.policy
import email.utils
import io
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from email.message import Message as MimePart

__all__ = ["assert_nothing_in_clear", "interceptor_view", "leaked"]

_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_TAG = re.compile(r"<[^>]{0,400}>")
_MAX_DEPTH = 6


def _decoded_header(value: str) -> str:
    try:
        return str(email.header.make_header(email.header.decode_header(value)))
    except Exception:  # a malformed encoded word: the raw value is what a reader sees
        return value


def _texts(data: bytes) -> list[str]:
    """Every reading of ``data`` as text a reader might try."""
    out = []
    for codec in ("utf-8", "utf-16", "latin-1"):
        try:
            out.append(data.decode(codec))
        except (UnicodeDecodeError, ValueError):
            continue
    return out


def _pdf_view(data: bytes, depth: int) -> Iterator[str]:
    encrypted = b"/Encrypt" in data
    if encrypted:
        yield _STREAM.sub(b"stream\nendstream", data).decode("latin-1")
        return
    yield data.decode("latin-1")
    for match in _STREAM.finditer(data):
        raw = match.group(1)
        try:
            inflated = zlib.decompressobj().decompress(raw, 50 * 2**20)
        except zlib.error:
            continue
        yield from _bytes_view(inflated, depth + 1)


def _zip_view(data: bytes, depth: int) -> Iterator[str]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    for member in members:
        yield member.filename
        try:
            yield from _bytes_view(archive.read(member), depth + 1)
        except (RuntimeError, zipfile.BadZipFile, OSError, ValueError, NotImplementedError, zlib.error):
            continue  # encrypted or broken member: the interceptor cannot read it either


def _bytes_view(data: bytes, depth: int = 0) -> Iterator[str]:
    """Everything readable in one blob: as text, and opened when it is a PDF, a zip or a message."""
    if depth > _MAX_DEPTH:
        return
    if data.lstrip()[:5] == b"%PDF-" or b"%PDF-" in data[:1024]:
        yield from _pdf_view(data, depth)
        return
    if data.startswith(b"PK"):
        yield from _zip_view(data, depth)
    yield from _texts(data)


def _is_cms(payload: object) -> bool:
    """DER that starts like a CMS ContentInfo (a SEQUENCE, then a PKCS #7 / S/MIME content-type OID)."""
    return isinstance(payload, bytes) and payload[:1] == b"\x30" and b"\x2a\x86\x48\x86\xf7\x0d\x01" in payload[:32]


def _part_view(part: MimePart, depth: int) -> Iterator[str]:
    for name, value in part.items():
        raw = str(value)
        yield f"{name}: {raw}"
        yield f"{name}: {_decoded_header(raw)}"
    for value in (part.get_filename(), part.get_param("name")):
        if value:
            yield _decoded_header(str(email.utils.collapse_rfc2231_value(value)))  # type: ignore[arg-type]
    ctype = part.get_content_type()
    if part.is_multipart():
        for sub in part.get_payload():  # type: ignore[union-attr]
            yield from _part_view(sub, depth + 1)
        return
    payload = part.get_payload(decode=True)
    if ctype in ("application/pkcs7-mime", "application/x-pkcs7-mime") and _is_cms(payload):
        return  # an S/MIME envelope: opaque without the recipient's key
    if not isinstance(payload, bytes):
        return
    if ctype in ("message/rfc822", "message/global") or payload.lstrip()[:5].lower() in (b"from:", b"recei"):
        nested = email.message_from_bytes(payload, policy=email.policy.compat32)
        yield from _part_view(nested, depth + 1)
    yield from _bytes_view(payload, depth)


def interceptor_view(raw: bytes) -> str:
    """Every string an interceptor reads in ``raw`` (a whole RFC 5322 message), joined by newlines."""
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    unfolded = re.sub(rb"\r?\n[ \t]+", b" ", raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0])
    pieces = [unfolded.decode("latin-1"), *_part_view(message, 0)]
    return "\n".join(pieces)


def _fold(text: str) -> str:
    """NFKC, format characters gone, every Unicode digit as ASCII, accents off, lower case."""
    text = unicodedata.normalize("NFKC", text)
    out = []
    for char in text:
        if unicodedata.category(char) == "Cf":
            continue
        digit = unicodedata.decimal(char, None)
        if digit is not None:
            out.append(str(digit))
            continue
        base = unicodedata.normalize("NFD", char)[0]
        out.append(base.lower())
    return "".join(out)


def _digit_runs(text: str) -> str:
    """The view with everything but letters and digits dropped between digits: ``85.07.30-033.28`` and
    ``85<b>07</b>30 033 28`` both read ``85073003328``."""
    text = _TAG.sub("", text)
    return re.sub(r"(?<=\d)[^a-z\d]+(?=\d)", "", text)


def leaked(view: str, niss: Iterable[str] = (), names: Iterable[str] = ()) -> list[str]:
    """Labels (never the values) of the identifiers that can be read in ``view``."""
    folded = _fold(view)
    digits = _digit_runs(folded)
    untagged = _TAG.sub("", folded)
    found = []
    for number in niss:
        compact = re.sub(r"\D", "", number)
        if compact and compact in digits:
            found.append(f"national number {compact[:2]}.{compact[2:4]}.{compact[4:6]}-xxx.xx")
    for name in names:
        key = _fold(name).strip()
        if key and (key in folded or key in untagged):
            found.append(f"name {name[:1]}.")
    return found


def assert_nothing_in_clear(raw: bytes, niss: Iterable[str] = (), names: Iterable[str] = ()) -> None:
    """Fail, naming only the kind of identifier, when the interceptor can read one of them in ``raw``."""
    found = leaked(interceptor_view(raw), niss, names)
    assert not found, f"an interceptor reads: {found}"
