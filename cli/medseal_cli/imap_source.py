"""Read a folder on an IMAP server without changing it: ``imaps://USER@HOST:PORT/FOLDER``.

- **Encrypted or nothing.** ``imaps://`` is TLS from the first byte (port 993 by default); ``imap://`` is
  upgraded with ``STARTTLS`` before the login (port 143) and refused when the server does not offer it. The server
  certificate is checked against the system's CAs, or against ``--ca-file`` (a practice's private CA, or a
  self-signed server certificate). Plain text is only possible with ``allow_plain`` and only to a loopback address
  (a local gateway such as DavMail): to any other host it is refused before a connection is made.
- **Read-only.** The folder is opened with ``EXAMINE`` and messages are fetched with ``BODY.PEEK[]``, so the
  server sets no ``\\Seen`` flag and changes nothing.
- **Bounded memory.** Messages are fetched in batches of at most :data:`BATCH_MESSAGES` messages and
  :data:`BATCH_BYTES` bytes (sizes asked first with ``RFC822.SIZE``); a larger message comes alone.
- **Resumable.** :meth:`ImapFolder.messages` yields messages in UID order; when the connection drops it
  reconnects (at most :data:`RETRIES` times in a row without progress) and goes on after the last UID yielded.

``source`` labels are ``imaps://USER@HOST:PORT/FOLDER;UID=N`` (RFC 5092 style, user and folder percent-encoded).
"""

from __future__ import annotations

import base64
import datetime
import imaplib
import ipaddress
import re
import socket
import ssl
import sys
import time
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from urllib.parse import quote, unquote, urlsplit

from medseal_cli.errors import CliError

SCHEMES = {"imaps": 993, "imap": 143}
BATCH_MESSAGES = 25
BATCH_BYTES = 8 * 1024 * 1024
SIZE_WINDOW = 200  # UIDs whose sizes are asked in one command
SEARCH_SPAN = 50_000  # UIDs searched in one command
RETRIES = 3
TIMEOUT = 60.0
_DROPPED = (imaplib.IMAP4.abort, OSError, EOFError)  # ssl.SSLError and socket timeouts are OSErrors
_FETCH_HEAD = re.compile(rb"UID (\d+)")
_INTERNALDATE = re.compile(rb'INTERNALDATE "([^"]+)"')
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class ImapError(CliError):
    """The server, the folder or the connection cannot be used (exit code 2)."""


class FolderChanged(ImapError):
    """The folder's UIDVALIDITY changed during the run: its UIDs now name other messages."""


class ConnectionDropped(Exception):
    """The connection broke mid-run (internal: :class:`ImapFolder` reconnects)."""


@dataclass(frozen=True)
class ImapUrl:
    """``imaps://USER@HOST:PORT/FOLDER``, parsed. ``user`` and ``folder`` are decoded."""

    scheme: str
    user: str
    host: str
    port: int
    folder: str

    @property
    def tls_from_start(self) -> bool:
        return self.scheme == "imaps"

    @property
    def folder_label(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{quote(self.user, safe='')}@{host}:{self.port}/{quote(self.folder, safe='/')}"

    def label(self, uid: int) -> str:
        """The ``source`` of one message: ``imaps://USER@HOST:PORT/FOLDER;UID=N``."""
        return f"{self.folder_label};UID={uid}"


def parse_imap_url(text: str) -> ImapUrl:
    """Parse ``imaps://USER@HOST[:PORT]/FOLDER``; a password in the URL is refused (it would sit in the shell
    history and the process list)."""
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise CliError(f"{text}: not an IMAP address (imaps://USER@HOST:PORT/FOLDER)")
    if parts.password is not None:
        raise CliError(
            "an IMAP address must not carry the password: use --password-file, MEDSEAL_IMAP_PASSWORD or the keyring"
        )
    try:
        port = parts.port or SCHEMES[scheme]
    except ValueError:
        raise CliError(f"{parts.netloc.rpartition('@')[2]}: invalid port in the IMAP address") from None
    user = unquote(parts.username or "")
    folder = unquote(parts.path.lstrip("/"))
    if not user or not parts.hostname:
        raise CliError(f"{text}: the IMAP address needs a user and a host (imaps://USER@HOST:PORT/FOLDER)")
    if not folder:
        raise CliError(f"{text}: the IMAP address needs a folder, e.g. imaps://{user}@{parts.hostname}/Sent")
    if parts.query or parts.fragment or ";" in folder:
        raise CliError(f"{text}: an IMAP folder address has no ';', '?' or '#' parts")
    return ImapUrl(scheme, user, parts.hostname, port, folder)


def encode_mailbox(name: str) -> str:
    """A folder name in IMAP's modified UTF-7 (RFC 3501 5.1.3), quoted for a command line."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            packed = base64.b64encode("".join(pending).encode("utf-16-be")).decode("ascii")
            out.append("&" + packed.rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    encoded = "".join(out).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{encoded}"'


def decode_mailbox(name: str) -> str:
    """Modified UTF-7 back to text (for listing the folders a server has)."""

    def unpack(match: re.Match[str]) -> str:
        body = match.group(1)
        if not body:
            return "&"
        raw = body.replace(",", "/")
        return base64.b64decode(raw + "=" * (-len(raw) % 4)).decode("utf-16-be", "replace")

    return re.sub(r"&([^-]*)-", unpack, name)


def imap_since(day: datetime.date) -> str:
    """A date as IMAP's ``SEARCH SINCE`` wants it (``01-Mar-2026``), whatever the locale."""
    return f"{day.day:02d}-{_MONTHS[day.month - 1]}-{day.year}"


def is_loopback(host: str) -> bool:
    """True when every address ``host`` resolves to is a loopback address (127.0.0.0/8, ::1)."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except socket.gaierror:
        raise ImapError(f"cannot find the IMAP server {host} (unknown host name)") from None
    return bool(infos) and all(ipaddress.ip_address(info[4][0]).is_loopback for info in infos)


@dataclass(frozen=True)
class FetchedMessage:
    """One message as the server stores it."""

    uid: int
    raw: bytes
    internaldate: datetime.datetime | None


def _server_text(data: object) -> str:
    """The human part of a server answer, for an error message."""
    if isinstance(data, list | tuple) and data:
        data = data[-1]
    if isinstance(data, tuple):
        data = data[0]
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return str(data)


class ImapFolder:
    """One folder opened read-only. ``connect()`` first; ``close()`` at the end."""

    def __init__(
        self,
        url: ImapUrl,
        password: str,
        ca_file: str | None = None,
        allow_plain: bool = False,
        timeout: float = TIMEOUT,
        retries: int = RETRIES,
    ) -> None:
        self.url = url
        self._password = password
        self.ca_file = ca_file
        self.allow_plain = allow_plain
        self.timeout = timeout
        self.retries = retries
        self.uidvalidity = 0
        self.uidnext: int | None = None  # the UID the next new message will get (from EXAMINE)
        self.reconnections = 0
        self._client: imaplib.IMAP4 | None = None
        self._plain = False
        if allow_plain:
            if url.tls_from_start:
                raise CliError("--plain-loopback goes with imap://, not imaps://")
            if not is_loopback(url.host):
                raise ImapError(
                    f"{url.host} is not a loopback address: medseal never sends a password or mail in plain text "
                    "over the network (use imaps:// or imap:// with STARTTLS)"
                )
            self._plain = True

    # -- connection -------------------------------------------------------------------------------------------

    def _tls_context(self) -> ssl.SSLContext:
        try:
            return ssl.create_default_context(cafile=self.ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise CliError(f"{self.ca_file}: cannot use this CA file ({_reason_of(exc)})") from None

    def _open(self) -> imaplib.IMAP4:
        url = self.url
        where = f"{url.host}:{url.port}"
        context = self._tls_context()
        try:
            if url.tls_from_start:
                return imaplib.IMAP4_SSL(url.host, url.port, ssl_context=context, timeout=self.timeout)
            client = imaplib.IMAP4(url.host, url.port, timeout=self.timeout)
            if self._plain and "STARTTLS" not in client.capabilities:
                return client
            if "STARTTLS" not in client.capabilities:
                client.shutdown()
                raise ImapError(
                    f"{where} does not offer STARTTLS: medseal never sends a password or mail in plain text "
                    "(use imaps:// if the server has it)"
                )
            client.starttls(ssl_context=context)
            return client
        except ssl.SSLCertVerificationError as exc:
            if "mismatch" in str(exc.verify_message).lower():
                raise ImapError(
                    f"the certificate of {where} is for another name ({exc.verify_message}); connect with the "
                    "server name its certificate gives"
                ) from None
            raise ImapError(
                f"the certificate of {where} is not trusted ({exc.verify_message}); if the server uses a private "
                "CA or a self-signed certificate, give it with --ca-file PEM"
            ) from None
        except ssl.SSLError as exc:
            hint = "use imap:// for a STARTTLS port (143)" if url.tls_from_start else "is it an IMAP port?"
            raise ImapError(f"TLS with {where} failed ({_reason_of(exc)}): {hint}") from None
        except socket.gaierror:
            raise ImapError(f"cannot find the IMAP server {url.host} (unknown host name)") from None
        except ConnectionRefusedError:
            raise ImapError(f"{where} refused the connection (wrong port, or the server is down)") from None
        except TimeoutError:
            raise ImapError(f"{where} did not answer within {self.timeout:.0f} s") from None
        except imaplib.IMAP4.error as exc:
            raise ImapError(f"{where} is not a usable IMAP server ({exc})") from None
        except OSError as exc:
            raise ImapError(f"cannot connect to {where} ({_reason_of(exc)})") from None

    def _login_and_examine(self, client: imaplib.IMAP4) -> int:
        url = self.url
        try:
            if (url.user + self._password).isascii():
                client.login(url.user, self._password)
            elif "AUTH=PLAIN" in client.capabilities:  # LOGIN is ASCII only; SASL PLAIN carries UTF-8
                credentials = f"\0{url.user}\0{self._password}".encode()
                client.authenticate("PLAIN", lambda _challenge: credentials)
            else:
                raise ImapError(f"{url.host} accepts no UTF-8 login (AUTH=PLAIN): the user or password is not ASCII")
        except imaplib.IMAP4.abort:
            raise
        except imaplib.IMAP4.error as exc:
            raise ImapError(f"{url.host} refused the login of {url.user} ({_plain(exc)}): check the password") from None
        status, data = client.select(encode_mailbox(url.folder), readonly=True)  # EXAMINE
        if status != "OK":
            raise ImapError(
                f"folder {url.folder!r} not found on {url.host} ({_server_text(data)}); "
                f"folders there: {', '.join(self._folders(client)) or 'none'}"
            )
        _typ, values = client.response("UIDNEXT")
        self.uidnext = _number(values)
        _typ, values = client.response("UIDVALIDITY")
        try:
            return int(values[-1])
        except (TypeError, ValueError, IndexError):
            raise ImapError(f"{url.host} gave no UIDVALIDITY for {url.folder!r}: cannot resume safely") from None

    @staticmethod
    def _folders(client: imaplib.IMAP4) -> list[str]:
        status, lines = client.list()
        names = []
        for line in lines if status == "OK" else []:
            if isinstance(line, bytes):
                match = re.match(rb'\((?P<flags>[^)]*)\) (?:"[^"]*"|NIL) (?P<name>.+)$', line)
                if match and b"\\Noselect" not in match.group("flags"):
                    names.append(decode_mailbox(match.group("name").decode("utf-8", "replace").strip('"')))
        return sorted(names)

    def connect(self) -> int:
        """Connect, log in and open the folder read-only; the folder's UIDVALIDITY."""
        client = self._open()
        try:
            self.uidvalidity = self._login_and_examine(client)
        except _DROPPED as exc:
            _close_quietly(client)
            raise ImapError(f"{self.url.host} closed the connection during the login ({_reason_of(exc)})") from None
        except BaseException:
            _close_quietly(client)
            raise
        self._client = client
        return self.uidvalidity

    def _reconnect(self) -> None:
        _close_quietly(self._client)
        self._client = None
        before = self.uidvalidity
        self.connect()
        self.reconnections += 1
        if self.uidvalidity != before:
            raise FolderChanged(
                f"the folder {self.url.folder!r} was recreated on the server during the run (UIDVALIDITY changed); "
                "run the scan again"
            )

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                client.logout()
            except (*_DROPPED, imaplib.IMAP4.error):
                pass

    @property
    def client(self) -> imaplib.IMAP4:
        if self._client is None:
            raise ConnectionDropped("not connected")
        return self._client

    # -- reading ----------------------------------------------------------------------------------------------

    def _uid_command(self, command: str, *args: str) -> list[object]:
        try:
            status, data = self.client.uid(command, *args)
        except _DROPPED as exc:
            raise ConnectionDropped(str(exc)) from None
        except imaplib.IMAP4.error as exc:
            raise ImapError(f"{self.url.host} refused UID {command} ({_plain(exc)})") from None
        if status != "OK":
            raise ImapError(f"{self.url.host} refused UID {command} ({_server_text(data)})")
        return list(data)

    def uids(self, after: int = 0, since: datetime.date | None = None) -> list[int]:
        """UIDs of the folder's messages after UID ``after`` (and from ``since`` on, by the server's date).
        Searched in UID ranges of :data:`SEARCH_SPAN`, so that no answer line outgrows imaplib's line limit."""
        criteria = ["SINCE", imap_since(since)] if since else []
        uidnext = self.uidnext
        ranges = (
            [f"{low}:{min(low + SEARCH_SPAN, uidnext) - 1}" for low in range(after + 1, uidnext, SEARCH_SPAN)]
            if uidnext
            else [f"{after + 1}:*"]
        )
        found: list[int] = []
        for uid_range in ranges:
            data = self._with_retries(partial(self._uid_command, "SEARCH", *criteria, "UID", uid_range))
            words = b" ".join(item for item in data if isinstance(item, bytes)).split()
            found += (int(word) for word in words if word.isdigit())
        return sorted({uid for uid in found if uid > after})

    def _with_retries(self, call: Callable[[], list[object]]) -> list[object]:
        failures = 0
        while True:
            try:
                return call()
            except ConnectionDropped as exc:
                failures = self._after_drop(failures, exc)

    def _after_drop(self, failures: int, exc: BaseException) -> int:
        failures += 1
        if failures > self.retries:
            raise ImapError(
                f"the connection to {self.url.host} dropped {failures} times in a row ({exc}); "
                "what was scanned is saved with --state: run again to go on"
            ) from None
        sys.stderr.write(
            f"medseal: connection to {self.url.host} lost ({exc}); reconnecting ({failures}/{self.retries})\n"
        )
        time.sleep(0.5 * 2 ** (failures - 1))
        try:
            self._reconnect()
        except FolderChanged:
            raise
        except ImapError as error:  # the server is still unreachable: count it as one more drop
            return self._after_drop(failures, error)
        return failures

    def _sizes(self, uids: list[int]) -> dict[int, int]:
        data = self._uid_command("FETCH", _uid_set(uids), "(UID RFC822.SIZE)")
        sizes: dict[int, int] = {}
        for item in data:
            head = item[0] if isinstance(item, tuple) else item
            if isinstance(head, bytes):
                uid, size = _FETCH_HEAD.search(head), _SIZE.search(head)
                if uid and size:
                    sizes[int(uid.group(1))] = int(size.group(1))
        return sizes

    def _fetch(self, uids: list[int]) -> dict[int, FetchedMessage]:
        data = self._uid_command("FETCH", _uid_set(uids), "(UID INTERNALDATE BODY.PEEK[])")
        found: dict[int, FetchedMessage] = {}
        for index, item in enumerate(data):
            if not isinstance(item, tuple) or len(item) != 2:
                continue
            head, raw = item
            tail = data[index + 1] if index + 1 < len(data) else b""
            both = head + (tail if isinstance(tail, bytes) else b"")
            uid = _FETCH_HEAD.search(both)
            if uid is None or not isinstance(raw, bytes):
                continue
            date = _INTERNALDATE.search(both)
            found[int(uid.group(1))] = FetchedMessage(int(uid.group(1)), raw, _internaldate(date))
        return found

    def _batches(self, uids: list[int]) -> Iterator[list[int]]:
        """UIDs in fetch batches bounded in count and bytes."""
        for start in range(0, len(uids), SIZE_WINDOW):
            window = uids[start : start + SIZE_WINDOW]
            sizes = self._sizes(window)
            batch: list[int] = []
            total = 0
            for uid in window:
                if uid not in sizes:
                    continue  # expunged since the search
                if batch and (len(batch) >= BATCH_MESSAGES or total + sizes[uid] > BATCH_BYTES):
                    yield batch
                    batch, total = [], 0
                batch.append(uid)
                total += sizes[uid]
            if batch:
                yield batch

    def messages(self, uids: list[int]) -> Iterator[FetchedMessage]:
        """Every message of ``uids`` still in the folder, in UID order, reconnecting when the connection drops."""
        position = 0  # uids[:position] are done
        failures = 0
        while position < len(uids):
            try:
                for batch in self._batches(uids[position:]):
                    fetched = self._fetch(batch)
                    for uid in batch:
                        message = fetched.pop(uid, None)
                        if message is not None:
                            position = bisect_right(uids, uid)
                            yield message
                            failures = 0
                    position = bisect_right(uids, batch[-1])
                    del fetched
                position = len(uids)
            except ConnectionDropped as exc:
                failures = self._after_drop(failures, exc)


def _number(values: list[object]) -> int | None:
    """The number in a response code's value (``[b'42']``), or None."""
    last = values[-1] if values else None
    return int(last) if isinstance(last, bytes) and last.isdigit() else None


def _uid_set(uids: list[int]) -> str:
    """``1:3,7,9:10`` for [1, 2, 3, 7, 9, 10]."""
    ranges: list[str] = []
    start = previous = uids[0]
    for uid in [*uids[1:], -1]:
        if uid == previous + 1:
            previous = uid
            continue
        ranges.append(str(start) if start == previous else f"{start}:{previous}")
        start = previous = uid
    return ",".join(ranges)


def _internaldate(match: re.Match[bytes] | None) -> datetime.datetime | None:
    if match is None:
        return None
    try:
        return datetime.datetime.strptime(match.group(1).decode("ascii").strip(), "%d-%b-%Y %H:%M:%S %z")
    except ValueError:
        return None


def _plain(exc: BaseException) -> str:
    text = str(exc)
    if text.startswith(("b'", 'b"')):
        text = text[2:-1]
    return text


def _reason_of(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLError) and exc.reason:
        return str(exc.reason)
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _close_quietly(client: imaplib.IMAP4 | None) -> None:
    if client is None:
        return
    try:
        client.shutdown()
    except (*_DROPPED, imaplib.IMAP4.error):
        pass
