"""RFC 5322 bytes -> :class:`~medseal.model.Message`, for whatever mail a practice actually sends.

Parsed with the stdlib ``email`` package under ``policy.compat32``, read defensively: that policy keeps every
header as the raw string it came as (``policy.default`` builds a header object for every field the parser or
medseal looks at, most of a parse's time), and medseal decodes each value itself, once, below.

- **Is it mail?** Input is an e-mail when it opens with a header block holding at least one header a message
  has (``From``, ``To``, ``Subject``, ``Date``, ``Message-ID``, ``MIME-Version``, ``Content-Type``,
  ``Received``…); an mbox ``From`` line and a leading byte-order mark or blank lines are tolerated. Anything
  else — a PDF, a picture, random bytes, an empty file — raises :class:`~medseal.errors.InputError`, and so
  does a MIME structure nested too deeply for the parser. No other exception leaves :func:`parse_message`.
- **Headers** are decoded from their raw form: 8-bit bytes as UTF-8, else Windows-1252; RFC 2047 encoded
  words (also broken ones: missing padding, words split inside a character, unknown charsets) by the
  stdlib's lenient header parser. Addresses come from ``email.utils.getaddresses`` on the raw header values,
  so a malformed header never stops the parse; only entries with an ``@`` are kept, domain lower-cased.
- **Bodies** are the ``text/plain`` and ``text/html`` leaves that are not attachments (no file name, not
  ``Content-Disposition: attachment``), decoded with the declared charset, then UTF-8, then Windows-1252 /
  Latin-1, line endings as ``\n``; several of one kind are joined with newlines. A multipart without a
  usable boundary is a text body.
- **Every header is content**: :attr:`Message.headers` lists every field of the message and of each of its
  MIME parts, unfolded and decoded (cheaply: the raw values the parser kept, RFC 2047 words decoded only where
  there are some), plus one ``<Field> display name`` entry per display name of an address field and the
  ``name=`` / ``filename=`` parameters of every part (RFC 2231 decoded). Attached messages keep their own
  headers; they are read when the attachment is scanned.
- **Attachments** are every other leaf — inline images included — plus attached messages, kept whole:
  ``content_type`` ``message/rfc822`` and ``data`` the bytes of the inner message. A part without a file name
  is called ``attachment-N`` with an extension from its content type.
"""

from __future__ import annotations

import base64
import io
import quopri
import re
from collections.abc import Callable, Iterator
from email import policy
from email.feedparser import BytesFeedParser
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.message import Message as MimePart
from email.utils import collapse_rfc2231_value, getaddresses
from typing import TypeVar, cast

from medseal.errors import InputError
from medseal.extract import extension_for
from medseal.extract.plain import decode_text
from medseal.model import Attachment, Header, Message

_MAIL_HEADERS = frozenset(
    {
        "from", "to", "cc", "bcc", "subject", "date", "message-id", "mime-version", "content-type",
        "content-transfer-encoding", "received", "sender", "reply-to", "return-path", "delivered-to",
        "in-reply-to", "references", "x-mailer", "user-agent", "x-sender"
    }
)
_BODY_TYPES = frozenset({"text/plain", "text/html"})

_LINE_BREAKS = re.compile(r"\r\n?|\n")


class _RawValues(policy.Compat32):
    """``compat32`` whose fields read back as their raw, unfolded strings: 8-bit bytes stay surrogate-escaped
    (decoded by :func:`_header_text` as UTF-8, else Windows-1252) instead of becoming ``Header`` objects."""

    def header_fetch_parse(self, name: str, value: str) -> str:
        return _LINE_BREAKS.sub("", value)


_POLICY = _RawValues()
#: RFC 2047 words are decoded with the modern policy's lenient header parser, only where a value has some.
_DECODING_POLICY = policy.default
#: Regenerating an attached message: keep its header lines as they came, 8-bit bodies as they are.
_RAW_POLICY = policy.default.clone(refold_source="none", cte_type="8bit", max_line_length=0)
_PARSE_ERRORS = (ValueError, LookupError, TypeError, IndexError, AttributeError, AssertionError, UnicodeError)
_MAX_PARTS = 10_000
#: The parser is fed this much at a time: the stdlib's ``parsebytes`` first turns the whole message into one
#: ``str`` and a ``StringIO`` of it (4 bytes per character: 100 MB for a 25 MB message).
_FEED_CHUNK = 1 << 16
#: The stdlib parser spends time quadratic in the nesting depth (about 2 s at 400 levels): refuse past this.
MAX_DEPTH = 50
_MARKS = re.compile(
    rb'^--([^\r\n]{1,200}?)(--)?[ \t]*\r?$|boundary\*?=[ \t]*"?([^";\r\n]{1,200})"?',
    re.IGNORECASE | re.MULTILINE,
)

T = TypeVar("T")


def _safe(call: Callable[[], T], default: T) -> T:
    """The result of ``call``, or ``default`` when the stdlib trips over a malformed header."""
    try:
        return call()
    except _PARSE_ERRORS:
        return default


def _unsurrogate(text: str) -> str:
    """Undo the parser's ``surrogateescape`` of 8-bit bytes: decode them as UTF-8, else Windows-1252."""
    if not any("\udc80" <= c <= "\udcff" for c in text):
        return text
    raw = text.encode("utf-8", "surrogateescape")
    return decode_text(raw, "utf-8")


def _clean(text: str) -> str:
    text = _unsurrogate(text)
    if any("\ud800" <= c <= "\udfff" for c in text):
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


def _header_text(raw: str) -> str:
    """A header value as people read it: unfolded, 8-bit bytes decoded, RFC 2047 words decoded."""
    if raw.isascii() and "=?" not in raw and "\n" not in raw:
        return raw.strip()  # the common case, without a copy
    value = _unsurrogate("".join(raw.splitlines()))
    if "=?" in value:
        value = _safe(lambda: str(_DECODING_POLICY.header_factory("subject", value)), value)
    return _clean(value).strip()


def _raw_headers(message: MimePart, name: str) -> list[str]:
    return [str(v) for k, v in message.raw_items() if k.lower() == name]


def _lenient_getaddresses(values: list[str]) -> list[tuple[str, str]]:
    """``getaddresses`` without the strict mode of newer Pythons, which drops a whole malformed header."""
    try:
        return getaddresses(values, strict=False)  # type: ignore[call-arg,unused-ignore]
    except TypeError:  # Pythons before the strict parameter
        return getaddresses(values)


def _display_name(message: MimePart) -> str:
    """The From header's display name (``Dr. A. Martin``), decoded; empty when there is none."""
    values = [_unsurrogate("".join(v.splitlines())) for v in _raw_headers(message, "from")]
    no_pairs: list[tuple[str, str]] = []
    pairs = _safe(lambda: _lenient_getaddresses(values[:1]), no_pairs)
    return _header_text(pairs[0][0]).strip() if pairs else ""


def _addresses(message: MimePart, *names: str) -> tuple[str, ...]:
    values = [_unsurrogate("".join(v.splitlines())) for name in names for v in _raw_headers(message, name)]
    no_pairs: list[tuple[str, str]] = []
    pairs = _safe(lambda: _lenient_getaddresses(values), no_pairs)
    found: list[str] = []
    for _name, address in pairs:
        local, at, domain = _clean(address).strip().strip("<>").rpartition("@")
        if not at or not local or not domain or any(c.isspace() for c in local + domain):
            continue
        bare = f"{local}@{domain.lower().rstrip('.')}"
        if bare not in found:
            found.append(bare)
    return tuple(found)


#: Fields that hold mailboxes: their display names are listed as headers of their own.
ADDRESS_HEADERS = frozenset(
    {
        "from", "to", "cc", "bcc", "reply-to", "sender", "resent-from", "resent-to", "resent-cc", "resent-bcc",
        "resent-sender", "disposition-notification-to", "return-receipt-to", "errors-to", "mail-followup-to",
        "mail-reply-to",
    }
)
_FILE_PARAMS = (("content-type", "name"), ("content-disposition", "filename"))


def _flat(raw: str) -> str:
    return _unsurrogate("".join(raw.splitlines()))


def _file_param(raw: str, field: str, param: str) -> str:
    """A ``name=`` / ``filename=`` parameter of one raw field value, RFC 2231 and 2047 decoded."""
    probe = MimePart()  # compat32: a cheap parameter parser, no header objects
    probe[field] = raw
    value = _safe(lambda: probe.get_param(param, header=field), None)
    if not value:
        return ""
    text = _safe(lambda: collapse_rfc2231_value(value), str(value))
    return _header_text(str(text))


def _part_headers(part: MimePart, prefix: str) -> Iterator[Header]:
    """Every field of one part, decoded, then the display names and file-name parameters it carries."""
    for name, value in part.raw_items():
        raw = str(value)
        yield Header(prefix + name, _header_text(raw))
        key = name.strip().lower()
        if key in ADDRESS_HEADERS:
            no_pairs: list[tuple[str, str]] = []
            for display, _address in _safe(lambda: _lenient_getaddresses([_flat(raw)]), no_pairs):  # noqa: B023
                decoded = _header_text(display)
                if decoded:
                    yield Header(f"{prefix}{name} display name", decoded)
        for field, param in _FILE_PARAMS:
            if key == field and param in raw.lower():
                decoded = _file_param(raw, field, param)
                if decoded:
                    yield Header(f"{prefix}{name} {param}", decoded)


def _all_headers(message: MimePart) -> tuple[Header, ...]:
    """The headers of the message and of every MIME part under it (attached messages excluded)."""
    headers: list[Header] = []
    stack: list[MimePart] = [message]
    index = 0
    while stack:
        part = stack.pop()
        prefix = "" if part is message else f"part {index}: "
        index += 1
        headers.extend(_part_headers(part, prefix))
        ctype = next((str(v) for k, v in part.raw_items() if k.lower() == "content-type"), "")
        if part.is_multipart() and not ctype.lstrip().lower().startswith("message/"):
            stack.extend(reversed(_subparts(part)))
    return tuple(headers)


def _content_type(part: MimePart) -> str:
    return _safe(part.get_content_type, "application/octet-stream").lower()


def _filename(part: MimePart) -> str:
    name = _safe(part.get_filename, None)
    if not name:
        return ""
    name = _header_text(str(name))  # some clients put RFC 2047 words in file names
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(c for c in name if c.isprintable()).strip()


def _is_attachment(part: MimePart) -> bool:
    return _safe(part.get_content_disposition, None) == "attachment" or bool(_filename(part))


def _payload(part: MimePart) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except _PARSE_ERRORS:
        return b""
    return data if isinstance(data, bytes) else b""


def _subparts(part: MimePart) -> list[MimePart]:
    payload = part.get_payload()
    return [p for p in payload if isinstance(p, MimePart)] if isinstance(payload, list) else []


def _text(part: MimePart) -> str:
    """A body part's text, line endings as ``\n``."""
    charset = _safe(part.get_content_charset, None)
    return decode_text(_payload(part), charset).replace("\r\n", "\n")


def _compat_bytes(message: MimePart) -> bytes:
    return _safe(lambda: message.as_bytes(policy=policy.compat32), b"")


def _message_bytes(part: MimePart) -> bytes:
    """The bytes of an attached message (or of a ``message/*`` report), regenerated from its parse."""
    out = io.BytesIO()
    inner = _subparts(part)
    for sub in inner:
        try:
            BytesGenerator(out, mangle_from_=False, policy=_RAW_POLICY).flatten(cast(EmailMessage, sub))
        except _PARSE_ERRORS:
            out.write(_compat_bytes(sub))
    data = out.getvalue() if inner else _payload(part)
    encoding = str(part.get("content-transfer-encoding", "")).strip().lower()
    if encoding == "base64":  # not allowed for message/rfc822, but sent: the inner message is still encoded
        data = _safe(lambda: base64.b64decode(b"".join(data.split())), data)
    elif encoding == "quoted-printable":
        data = _safe(lambda: quopri.decodestring(data.lstrip(b"\r\n")), data)
    return data


def _leaves(message: MimePart) -> Iterator[MimePart]:
    """Leaf parts (and attached messages, unopened) in document order, without recursion."""
    stack = [message]
    seen = 0
    while stack:
        part = stack.pop()
        seen += 1
        if seen > _MAX_PARTS:
            raise InputError("not an e-mail message: too many MIME parts")
        ctype = _content_type(part)
        if part is not message and ctype.startswith("message/"):
            yield part
            continue
        if part.is_multipart() and not ctype.startswith("message/"):
            stack.extend(reversed(_subparts(part)))
        else:
            yield part


def _mime_depth(raw: bytes) -> int:
    """How deep multiparts nest, from the boundaries declared and used (a cheap estimate before parsing)."""
    if raw.count(b"oundary") <= MAX_DEPTH:  # cannot nest deeper than it declares boundaries
        return 0
    stack: list[bytes] = []
    deepest = 0
    for mark in _MARKS.finditer(raw):
        delimiter, closing, declared = mark.groups()
        if declared is not None:
            stack.append(declared.strip())
            deepest = max(deepest, len(stack))
        elif delimiter in stack:
            level = len(stack) - 1 - stack[::-1].index(delimiter)
            del stack[level + (0 if closing else 1) :]
    return deepest


def _looks_like_mail(message: MimePart) -> bool:
    return any(name.strip().lower() in _MAIL_HEADERS for name, _ in message.raw_items())


def parse_message(data: bytes) -> Message:
    """Parse one e-mail; raises InputError("not an e-mail message: …") for anything that is not one."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InputError("not an e-mail message: expected bytes")
    raw = bytes(data)
    raw = raw.removeprefix(b"\xef\xbb\xbf").lstrip(b"\r\n")
    if not raw.strip():
        raise InputError("not an e-mail message: empty input")
    if _mime_depth(raw) > MAX_DEPTH:
        raise InputError("not an e-mail message: MIME parts nested too deeply")
    try:
        message = _parse_tree(raw)
        if not _looks_like_mail(message):
            raise InputError("not an e-mail message: no mail header found")
        return _build(message)
    except InputError:
        raise
    except RecursionError:
        raise InputError("not an e-mail message: MIME parts nested too deeply") from None
    except _PARSE_ERRORS as exc:
        raise InputError(f"not an e-mail message: malformed MIME structure ({type(exc).__name__})") from None


def _parse_tree(raw: bytes) -> MimePart:
    """The MIME tree of ``raw``, as ``BytesParser.parsebytes`` gives it, fed in chunks (no whole-message copy)."""
    parser = BytesFeedParser(policy=_POLICY)
    for start in range(0, len(raw), _FEED_CHUNK):
        parser.feed(raw[start : start + _FEED_CHUNK])
    return parser.close()


def _build(message: MimePart) -> Message:
    texts: list[str] = []
    htmls: list[str] = []
    attachments: list[Attachment] = []
    for part in _leaves(message):
        ctype = _content_type(part)
        if ctype.startswith("message/"):
            data = _message_bytes(part)
        elif not _is_attachment(part) and (ctype in _BODY_TYPES or ctype.startswith("multipart/")):
            (htmls if ctype == "text/html" else texts).append(_text(part))
            continue
        else:
            data = _payload(part)
        name = _filename(part) or f"attachment-{len(attachments) + 1}{extension_for(ctype)}"
        attachments.append(Attachment(filename=name, content_type=ctype, data=data))
    subjects = _raw_headers(message, "subject")
    senders = _addresses(message, "from") or _addresses(message, "sender")
    return Message(
        subject=_header_text(subjects[0]) if subjects else "",
        text_body="\n".join(texts) if texts else None,
        html_body="\n".join(htmls) if htmls else None,
        attachments=tuple(attachments),
        sender=senders[0] if senders else "",
        sender_name=_display_name(message),
        to=_addresses(message, "to"),
        cc=_addresses(message, "cc"),
        bcc=_addresses(message, "bcc"),
        headers=_all_headers(message),
    )


__all__ = ["parse_message"]
