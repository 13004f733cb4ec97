"""sendmail-compatible arguments for ``medseal send``: mutt, neomutt, git send-email and scripts can use it.

Understood: ``-t`` (recipients from the To, Cc and Bcc headers, added to those given as arguments, as
Postfix does), ``-f ADDR`` / ``-r ADDR`` (envelope sender), ``-i`` / ``-oi`` (a line holding a single dot does
not end the input), recipient addresses as arguments. Accepted and ignored, because they only tune a local
MTA: ``-oXXX`` (``-oem``, ``-odb``...), ``-F NAME``, ``-B TYPE``, ``-N DSN``, ``-R RET``, ``-V ENVID``,
``-L TAG``, ``-X LOG``, ``-bm``, ``-v``, ``-U``, ``-G``, ``-m``, ``-n``.

``Bcc`` header fields are always removed from the relayed message, byte for byte otherwise unchanged: a blind
copy must never show in what travels.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email import errors as email_errors
from email.headerregistry import AddressHeader
from email.policy import default as default_policy
from typing import BinaryIO, NoReturn, cast

from medseal.errors import InputError

RECIPIENT_HEADERS = ("to", "cc", "bcc")
BLIND_HEADERS = (b"bcc", b"resent-bcc")


@dataclass(frozen=True)
class SendmailArgs:
    """What ``medseal send`` took from its sendmail-style arguments."""

    recipients: tuple[str, ...] = ()
    extract_recipients: bool = False  # -t
    sender: str | None = None  # -f / -r
    ignore_dots: bool = False  # -i / -oi


def add_sendmail_arguments(parser: argparse.ArgumentParser) -> None:
    """Add sendmail's options to ``parser`` (the ``send`` subcommand); read them with :func:`sendmail_args`.

    Leaves ``-h`` (help) alone; sendmail's obsolete ``-h HOPS`` is not supported.
    """
    group = parser.add_argument_group("sendmail compatibility")
    group.add_argument(
        "-t", dest="sm_extract", action="store_true", help="read recipients from the To, Cc and Bcc headers"
    )
    group.add_argument("-f", "-r", dest="sm_sender", metavar="ADDRESS", help="envelope sender address")
    group.add_argument(
        "-i",
        dest="sm_ignore_dots",
        action="store_true",
        help="a line with a single dot does not end the message",
    )
    group.add_argument(
        "-o",
        dest="sm_options",
        metavar="OPTION",
        action="append",
        default=[],
        help="sendmail option: -oi as -i; others (-oem, -odb...) ignored",
    )
    group.add_argument(
        "-b",
        dest="sm_mode",
        metavar="MODE",
        default="m",
        help="mode: only -bm (deliver a message) is supported",
    )
    for flag in ("-F", "-B", "-N", "-R", "-V", "-L", "-X"):
        group.add_argument(flag, dest=f"sm_ignored_{flag[1]}", metavar="VALUE", help=argparse.SUPPRESS)
    for flag in ("-v", "-U", "-G", "-m", "-n"):
        group.add_argument(flag, dest=f"sm_ignored_{flag[1]}", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("sm_recipients", metavar="RECIPIENT", nargs="*", help="recipient addresses")


def sendmail_args(namespace: argparse.Namespace) -> SendmailArgs:
    """The :class:`SendmailArgs` from a namespace parsed with :func:`add_sendmail_arguments`'s options."""
    if namespace.sm_mode != "m":
        raise InputError(f"-b{namespace.sm_mode} is not supported: medseal send only delivers messages (-bm)")
    sender = namespace.sm_sender
    if sender is not None:
        sender = sender.strip()
        sender = sender[1:-1] if sender.startswith("<") and sender.endswith(">") else sender
        _check_address(sender, "-f", allow_empty=True)
    recipients = tuple(_split_arguments(namespace.sm_recipients))
    for address in recipients:
        _check_address(address, "recipient argument")
    return SendmailArgs(
        recipients=recipients,
        extract_recipients=namespace.sm_extract,
        sender=sender,
        ignore_dots=namespace.sm_ignore_dots or "i" in namespace.sm_options,
    )


def parse_sendmail_args(argv: Sequence[str]) -> SendmailArgs:
    """Parse a sendmail command line (without the program name); :class:`InputError` on a bad one."""
    parser = _Parser(prog="medseal send", add_help=False)
    add_sendmail_arguments(parser)
    return sendmail_args(parser.parse_intermixed_args(list(argv)))


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise InputError(f"medseal send: {message}")


def _split_arguments(values: Iterable[str]) -> Iterable[str]:
    """Recipient arguments may be comma-separated lists, as sendmail allows."""
    for value in values:
        yield from (part.strip() for part in value.split(",") if part.strip())


def read_message(stream: BinaryIO, *, ignore_dots: bool) -> bytes:
    """Read a message from ``stream``; without ``ignore_dots``, a line holding only ``.`` ends it."""
    if ignore_dots:
        return stream.read()
    lines = []
    for line in stream:
        if line in (b".\n", b".\r\n", b"."):
            break
        lines.append(line)
    return b"".join(lines)


def _header_fields(message: bytes) -> tuple[list[bytes], bytes]:
    """The header fields, each with its continuation lines and line ends as they are, and the rest.

    The rest starts with the blank line that ends the header (or is empty for a message without body).
    """
    fields: list[bytes] = []
    position = 0
    while position < len(message):
        end = message.find(b"\n", position)
        end = len(message) if end < 0 else end + 1
        line = message[position:end]
        if line in (b"\n", b"\r\n"):
            break
        if fields and line[0] in (0x20, 0x09):
            fields[-1] += line
        else:
            fields.append(line)
        position = end
    return fields, message[position:]


def _field_name(field: bytes) -> bytes:
    name, colon, _ = field.partition(b":")
    return name.strip().lower() if colon else b""


def strip_bcc(message: bytes) -> bytes:
    """``message`` without its ``Bcc`` (and ``Resent-Bcc``) header fields, every other byte unchanged."""
    fields, rest = _header_fields(message)
    if not any(_field_name(f) in BLIND_HEADERS for f in fields):
        return message
    return b"".join(f for f in fields if _field_name(f) not in BLIND_HEADERS) + rest


def header_addresses(message: bytes, names: Sequence[str] = RECIPIENT_HEADERS) -> list[str]:
    """The addresses (``local@domain``) in the header fields called ``names``, in message order.

    Groups and display names are understood (RFC 5322, encoded words); a field that cannot be read is an
    :class:`InputError` naming the field, never its content.
    """
    wanted = {n.lower().encode("ascii") for n in names}
    addresses = []
    fields, _ = _header_fields(message)
    for field in fields:
        name = _field_name(field)
        if name not in wanted:
            continue
        label = name.decode("ascii").capitalize()
        try:
            raw = field.partition(b":")[2].decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(f"the {label} header is neither ASCII nor UTF-8") from None
        value = re.sub(r"\r?\n", "", raw).strip()  # unfold
        header = cast(AddressHeader, default_policy.header_factory(label, value))
        defects: tuple[email_errors.MessageDefect, ...] = getattr(header, "defects", ())
        if any(isinstance(d, email_errors.InvalidHeaderDefect) for d in defects):
            raise InputError(f"the {label} header cannot be read as a list of addresses")
        for address in header.addresses:
            if not address.username or not address.domain:
                raise InputError(f"the {label} header holds an incomplete address")
            addresses.append(address.addr_spec)
    return addresses


def _check_address(address: str, where: str, *, allow_empty: bool = False) -> None:
    if not address and allow_empty:
        return
    if any(ord(c) < 32 or ord(c) == 127 for c in address) or "@" not in address.strip("@"):
        raise InputError(f"{where}: not an e-mail address")


def _unique(addresses: Iterable[str]) -> list[str]:
    """First occurrence of each address; domains compare without case (local parts are the server's)."""
    seen: set[str] = set()
    out = []
    for address in addresses:
        local, _, domain = address.rpartition("@")
        key = f"{local}@{domain.lower()}"
        if key not in seen:
            seen.add(key)
            out.append(address)
    return out


def envelope_from(
    message: bytes, args: SendmailArgs, *, default_sender: str | None = None
) -> tuple[str, list[str], bytes]:
    """The envelope ``(sender, recipients, message without Bcc)`` for relaying ``message``.

    Sender: ``-f``, else the (first) From address, else ``default_sender``. Recipients: the arguments, plus
    the To, Cc and Bcc addresses with ``-t``; duplicates removed. :class:`InputError` when either is missing.
    """
    recipients = list(args.recipients)
    if args.extract_recipients:
        recipients += header_addresses(message)
    recipients = _unique(recipients)
    if not recipients:
        raise InputError("no recipients: give addresses as arguments, or -t to read the To, Cc, Bcc headers")
    if args.sender is not None:
        sender = args.sender
    else:
        found = header_addresses(message, ("from",))
        sender = found[0] if found else (default_sender or "")
        if not sender:
            raise InputError("no sender: give -f ADDRESS or a From header")
    _check_address(sender, "sender", allow_empty=True)
    return sender, recipients, strip_bcc(message)
