"""The audit log: one JSON line per decision (``scan``, ``protect``, ``send``, ``relay``), chained by SHA-256.

Each line is the canonical JSON (sorted keys, no spaces, ASCII) of an :class:`AuditRecord` plus two fields:
``prev``, the ``hash`` of the line before it (64 zeros for the first line), and ``hash``, the SHA-256 of the
canonical line without ``hash``. Editing, removing, inserting, duplicating or reordering any line therefore
breaks the chain at the first line that changed, and :func:`verify_lines` names it.

What a chain cannot show on its own is a cut at the very end (the last lines removed whole): compare the
head (the last line's hash, :attr:`VerifyResult.head`) with one noted elsewhere, through ``expected_head``.
It is a tamper-evident log, not a signed one: anyone who can write the file can append to it.

A record carries no identifier and no name in clear: finding kinds and counts, pseudonyms, recipients'
domains and a pseudonymous source label. :func:`assert_no_clear_identifiers` refuses any record whose text
holds a valid Belgian national or BIS number, as a last line of defence.

The core functions do no I/O; :func:`append_to_file` and :func:`verify_file` are thin helpers that open
only the path they are given.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from stdnum.be import ssn

from medseal.crypto.pseudonym import PSEUDONYM_RE
from medseal.errors import InputError, MedsealError

try:  # POSIX only; elsewhere appends are not locked.
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

GENESIS = "0" * 64
COMMANDS = ("scan", "protect", "send", "relay")

_HASH_RE = re.compile(r"[0-9a-f]{64}")
_DOMAIN_RE = re.compile(r"[^\s@]+")
#: Eleven digits, each pair optionally separated by one of `` ./-`` (``85.07.30-033.28``), overlapping.
_NUMBER_RE = re.compile(r"(?=(\d(?:[ ./-]?\d){10}))")
_LINE_FIELDS = frozenset({"time", "command", "verdict", "action", "finding_counts", "pseudonyms",
                          "recipient_domains", "source", "override", "prev", "hash"})
_TAIL_CHUNK = 4096


class AuditError(InputError):
    """The audit log cannot be read or appended to."""

    message = "the audit log cannot be used"


class ClearIdentifierInAudit(MedsealError):
    """A record about to be logged holds a national number in clear (a bug upstream: never logged)."""

    message = "refusing to write an audit record that contains a national number in clear"


@dataclass(frozen=True)
class AuditRecord:
    """One decision, without anything that identifies a patient.

    ``time`` is ISO 8601 in UTC (:func:`utc_now`); ``finding_counts`` maps a finding kind to its count;
    ``pseudonyms`` are the patients' ``P-XXXX-XXXX`` references; ``source`` is a pseudonymous label of what
    was checked (:func:`source_label`), never a file name.
    """

    time: str
    command: str
    verdict: str
    action: str
    finding_counts: Mapping[str, int] = field(default_factory=dict)
    pseudonyms: Sequence[str] = ()
    recipient_domains: Sequence[str] = ()
    source: str = ""
    override: bool = False

    def __post_init__(self) -> None:
        if self.command not in COMMANDS:
            raise ValueError(f"unknown audit command {self.command!r}")
        if any(not isinstance(v, int) or isinstance(v, bool) or v < 0 for v in self.finding_counts.values()):
            raise ValueError("finding counts must be whole numbers >= 0")
        if not all(PSEUDONYM_RE.fullmatch(p) for p in self.pseudonyms):
            raise ValueError("pseudonyms must look like P-XXXX-XXXX")
        if not all(_DOMAIN_RE.fullmatch(d) for d in self.recipient_domains):
            raise ValueError("recipient domains must be bare domains, not addresses")
        # Normalise containers: records compare and serialise the same whatever the caller passed.
        object.__setattr__(self, "finding_counts", dict(sorted(self.finding_counts.items())))
        object.__setattr__(self, "pseudonyms", tuple(self.pseudonyms))
        object.__setattr__(self, "recipient_domains", tuple(self.recipient_domains))

    def as_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["finding_counts"] = dict(self.finding_counts)
        data["pseudonyms"] = list(self.pseudonyms)
        data["recipient_domains"] = list(self.recipient_domains)
        return data


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of checking a log: ``count`` lines were good before ``first_bad_line`` (1-based)."""

    ok: bool
    count: int
    first_bad_line: int | None
    reason: str
    head: str = GENESIS


def utc_now() -> str:
    """The current time as ISO 8601 UTC with seconds: ``2025-03-01T09:30:00Z``."""
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def source_label(content: bytes) -> str:
    """A short label for what was checked, from its bytes (``src-`` + 80 bits of SHA-256, base32).

    Derived from the content, not the file name (a name can identify a patient); the letters-mostly
    alphabet keeps long digit runs, which could pass for a national number, out of the log.
    """
    digest = hashlib.sha256(content).digest()[:10]
    return "src-" + base64.b32encode(digest).decode("ascii").lower()


def assert_no_clear_identifiers(record: AuditRecord) -> None:
    """Raise :class:`ClearIdentifierInAudit` if any text of ``record`` holds a valid NN or BIS number."""
    for text in _strings(record):
        for match in _NUMBER_RE.finditer(text):
            if ssn.is_valid(re.sub(r"\D", "", match.group(1))):
                raise ClearIdentifierInAudit()


def _strings(record: AuditRecord) -> Iterator[str]:
    yield from (record.time, record.command, record.verdict, record.action, record.source)
    yield from record.finding_counts
    yield from record.pseudonyms
    yield from record.recipient_domains


def _canonical(data: Mapping[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def _digest(data: Mapping[str, Any]) -> str:
    body = {k: v for k, v in data.items() if k != "hash"}
    return hashlib.sha256(_canonical(body).encode("ascii")).hexdigest()


def record_line(record: AuditRecord, previous_hash: str) -> str:
    """The log line (without newline) for ``record`` after a line whose hash is ``previous_hash``."""
    if not _HASH_RE.fullmatch(previous_hash):
        raise ValueError("previous_hash must be 64 lower-case hex digits")
    assert_no_clear_identifiers(record)
    data = record.as_dict() | {"prev": previous_hash}
    data["hash"] = _digest(data)
    return _canonical(data)


def _parse_line(line: str) -> dict[str, Any] | None:
    """The fields of a well-formed line, or ``None`` (not canonical JSON, wrong fields, wrong own hash)."""
    try:
        data = json.loads(line)
    except ValueError:
        return None
    if not isinstance(data, dict) or set(data) != _LINE_FIELDS:
        return None
    if not all(isinstance(data[k], str) and _HASH_RE.fullmatch(data[k]) for k in ("prev", "hash")):
        return None
    if _canonical(data) != line or _digest(data) != data["hash"]:
        return None
    return data


def verify_lines(lines: Iterable[str], expected_head: str | None = None) -> VerifyResult:
    """Check a log given as lines (with or without their line ends); stop at the first bad line.

    ``expected_head``, a hash noted earlier (for instance the head printed by a previous verification), must
    be the hash of one of the lines: otherwise the log was cut or rewritten since.
    """
    previous = GENESIS
    count = 0
    seen_expected = expected_head in (None, GENESIS)
    for number, raw in enumerate(lines, start=1):
        line = raw[:-1] if raw.endswith("\n") else raw
        data = _parse_line(line)
        if data is None:
            return VerifyResult(False, count, number, f"line {number} was altered or is incomplete", previous)
        if data["prev"] != previous:
            reason = (
                f"line {number} does not follow line {number - 1}: a line was removed, inserted or moved"
                if number > 1
                else "line 1 is not the start of a log: lines were removed before it"
            )
            return VerifyResult(False, count, number, reason, previous)
        previous = data["hash"]
        count += 1
        seen_expected = seen_expected or previous == expected_head
    if not seen_expected:
        reason = "the expected head is not in the log: it was cut or rewritten"
        return VerifyResult(False, count, None, reason, previous)
    return VerifyResult(True, count, None, f"{count} line(s), chain intact", previous)


def verify_file(path: str | os.PathLike[str], expected_head: str | None = None) -> VerifyResult:
    """:func:`verify_lines` over the file at ``path`` (read line by line)."""
    try:
        with open(path, "rb") as handle:
            return verify_lines(
                (raw.decode("utf-8", errors="replace") for raw in handle), expected_head=expected_head
            )
    except OSError as exc:
        raise AuditError(f"cannot read the audit log: {exc.strerror or exc}") from None


def append_to_file(path: str | os.PathLike[str], record: AuditRecord) -> str:
    """Append ``record`` to the log at ``path`` (created 0600 if missing); return the new head hash.

    Reads only the end of the file to find the previous hash, under an exclusive lock where the platform
    has ``fcntl``. A log whose last line cannot be read is not appended to: verify it first.
    """
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    except OSError as exc:
        raise AuditError(f"cannot open the audit log: {exc.strerror or exc}") from None
    with open(fd, "r+b") as handle:
        _lock(handle.fileno())
        last = _last_line(handle)
        if last is None:
            previous, separator = GENESIS, b""
        else:
            data = _parse_line(last.rstrip(b"\n").decode("utf-8", errors="replace"))
            if data is None:
                raise AuditError("the audit log ends with an altered or incomplete line: check it with "
                                 "medseal audit verify")
            previous, separator = data["hash"], (b"" if last.endswith(b"\n") else b"\n")
        line = record_line(record, previous)
        handle.seek(0, os.SEEK_END)
        handle.write(separator + line.encode("ascii") + b"\n")
        handle.flush()
        os.fsync(handle.fileno())
        return str(json.loads(line)["hash"])


def _lock(fd: int) -> None:
    if fcntl is None:  # pragma: no cover - Windows
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    except OSError:  # pragma: no cover - file systems without locks (some network mounts, Emscripten)
        return


def _last_line(handle: BinaryIO) -> bytes | None:
    """The last line of the file, with its newline if it has one; ``None`` for an empty file."""
    end = handle.seek(0, os.SEEK_END)
    if end == 0:
        return None
    tail = b""
    position = end
    while position > 0:
        step = min(_TAIL_CHUNK, position)
        position -= step
        handle.seek(position)
        tail = handle.read(step) + tail
        # A newline before the final byte marks the start of the last line.
        cut = tail.rfind(b"\n", 0, len(tail) - 1)
        if cut >= 0:
            return bytes(tail[cut + 1 :])
    return bytes(tail)
