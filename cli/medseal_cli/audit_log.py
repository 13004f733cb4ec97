"""The audit log's files: append a record under a lock, keep the anchor (``LOG.head``) beside it, verify both.

The record and chain logic is the core's (:mod:`medseal.audit`); this module only reads and writes files.
Each append takes an exclusive lock on the log (where the platform has ``fcntl``), checks that the log still
ends where its anchor says, appends one line, flushes it to disk, then replaces the anchor atomically
(temporary file + rename). What is logged: counts, pseudonyms, and recipient domains only when the policy lists
them (others as a keyed label).

A log in the older unkeyed format (:func:`medseal.audit.is_unkeyed_line`) is neither appended to nor verified
as a keyed chain: both say so and name the way out, :func:`migrate` (``medseal audit migrate LOG``), which
keeps the old file as ``LOG.v1`` and starts a keyed log at ``LOG`` anchored to the old file's last hash.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import BinaryIO

from medseal.audit import (
    GENESIS,
    Anchor,
    AuditError,
    AuditRecord,
    VerifyResult,
    anchor_text,
    audit_key,
    domain_label,
    is_unkeyed_line,
    line_mac,
    migration_record,
    parse_anchor,
    record_line,
    utc_now,
    verify_lines,
    verify_unkeyed_lines,
)
from medseal.crypto.pseudonym import pseudonym
from medseal.model import Verdict
from medseal.policy import Policy, domain_of
from medseal.protect import Outgoing, ProtectResult
from medseal_cli.outputs import write_file

try:  # POSIX only; elsewhere appends are not locked.
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

_TAIL_CHUNK = 4096


def anchor_path(log: str | os.PathLike[str]) -> Path:
    """The anchor file beside ``log``: ``LOG.head``."""
    path = Path(log)
    return path.with_name(path.name + ".head")


def unkeyed_path(log: str | os.PathLike[str]) -> Path:
    """Where :func:`migrate` keeps the unkeyed log it continues: ``LOG.v1``."""
    path = Path(log)
    return path.with_name(path.name + ".v1")


def _unkeyed_advice(path: str | os.PathLike[str]) -> str:
    return (f"{path}: this audit log is in the older unkeyed format (before medseal keyed its audit chain); "
            f"start its keyed chain with: medseal audit migrate {path} --key-file KEY "
            f"(the old file is kept, unchanged, as {unkeyed_path(path).name})")


def _read_lines(path: str | os.PathLike[str]) -> list[str]:
    try:
        with open(path, "rb") as handle:
            return [raw.decode("utf-8", errors="replace") for raw in handle]
    except FileNotFoundError:
        raise AuditError(f"{path}: audit log not found") from None
    except OSError as exc:
        raise AuditError(f"{path}: cannot read the audit log ({exc.strerror})") from None


def unkeyed_log(path: str | os.PathLike[str]) -> VerifyResult | None:
    """For a log in the older unkeyed format, its (unkeyed) chain check; ``None`` for any other log.

    Only the first line decides the format, so a keyed log cannot be passed off as an unkeyed one by
    rewriting its later lines.
    """
    try:
        with open(path, "rb") as handle:
            first = handle.readline().decode("utf-8", errors="replace")
    except OSError:
        return None  # verify says why
    if not is_unkeyed_line(first):
        return None
    return verify_unkeyed_lines(_read_lines(path))


def _counts(verdict: Verdict) -> dict[str, int]:
    return dict(Counter(f.kind.value for f in verdict.findings))


def audit_scan(path: str, verdict: Verdict, key: bytes) -> str:
    """A scan has no recipients to protect; pseudonyms under the practice key."""
    keys = dict.fromkeys(f.patient_key for f in verdict.findings if f.patient_key)
    record = AuditRecord(
        time=utc_now(),
        command="scan",
        verdict=verdict.label,
        action="report",
        finding_counts=_counts(verdict),
        pseudonyms=[pseudonym(key, k) for k in keys],
    )
    return append(path, record, key)


def audit_protect(
    path: str,
    command: str,
    result: ProtectResult,
    *,
    key: bytes,
    policy: Policy,
    outgoing: list[Outgoing] | None = None,
    override: bool = False,
) -> str:
    """Log a protect or send decision; ``outgoing`` are the messages that really left (default: all)."""
    sent = result.outgoing if outgoing is None else outgoing
    tag_key = audit_key(key)
    domains = sorted(
        {domain_label(domain_of(a), policy, tag_key) for o in sent for a in o.message.recipients if "@" in a}
    )
    action = result.action.value
    if outgoing is not None and len(outgoing) < len(result.outgoing):
        action = f"{action}-partial-{len(outgoing)}-of-{len(result.outgoing)}"
    record = AuditRecord(
        time=utc_now(),
        command=command,
        verdict=result.verdict.label,
        action=action,
        finding_counts=_counts(result.verdict),
        pseudonyms=list(result.pseudonyms),
        recipient_domains=domains,
        override=override,
    )
    return append(path, record, key)


def _read_anchor(path: Path, key: bytes) -> tuple[int, str] | None:
    try:
        text = path.read_text("ascii", errors="replace")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise AuditError(f"{path}: cannot read the audit anchor ({exc.strerror})") from None
    anchor = parse_anchor(text, key)
    return anchor.count, anchor.head


def append(path: str | os.PathLike[str], record: AuditRecord, practice_key: bytes) -> str:
    """Append ``record`` to the log at ``path`` (created 0600 if missing); return the new head MAC."""
    key = audit_key(practice_key)
    anchor = anchor_path(path)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    except OSError as exc:
        raise AuditError(f"{path}: cannot open the audit log ({exc.strerror})") from None
    with open(fd, "r+b") as handle:
        _lock(handle.fileno())
        last = _last_line(handle)
        noted = _read_anchor(anchor, key)
        if last is None:
            if noted is not None and noted[0] > 0:
                raise AuditError(f"{path}: the audit log is empty but its anchor vouches for {noted[0]} line(s)")
            previous, count, separator = GENESIS, 0, b""
        else:
            mac = line_mac(last.decode("utf-8", errors="replace"), key)
            if mac is None and is_unkeyed_line(last.decode("utf-8", errors="replace")) and noted is None:
                raise AuditError(_unkeyed_advice(path))
            if mac is None:
                raise AuditError(f"{path}: the audit log ends with an altered or incomplete line (or another "
                                 "practice key wrote it): check it with medseal audit verify")
            if noted is None or noted[1] != mac:
                raise AuditError(f"{path}: the audit log does not end where its anchor {anchor.name} says: "
                                 "check it with medseal audit verify")
            previous, count, separator = mac, noted[0], (b"" if last.endswith(b"\n") else b"\n")
        line = record_line(record, previous, key)
        handle.seek(0, os.SEEK_END)
        handle.write(separator + line.encode("ascii") + b"\n")
        handle.flush()
        os.fsync(handle.fileno())
        head = line_mac(line, key)
        assert head is not None
        write_file(anchor, anchor_text(count + 1, head, key).encode("ascii"), 0o600)
        return head


def verify(path: str | os.PathLike[str], practice_key: bytes, expected_head: str | None = None,
           anchor: str | os.PathLike[str] | None = None) -> VerifyResult:
    """Check the log at ``path`` against its anchor file (``LOG.head`` unless ``anchor`` names another)."""
    key = audit_key(practice_key)
    anchor_file = Path(anchor) if anchor else anchor_path(path)
    noted = _read_anchor(anchor_file, key)
    if noted is None:
        raise AuditError(f"{anchor_file}: the audit anchor is missing: a cut log could not be detected")
    try:
        with open(path, "rb") as handle:
            return verify_lines(
                (raw.decode("utf-8", errors="replace") for raw in handle),
                key,
                anchor=Anchor(*noted),
                expected_head=expected_head,
            )
    except FileNotFoundError:
        raise AuditError(f"{path}: audit log not found") from None
    except OSError as exc:
        raise AuditError(f"{path}: cannot read the audit log ({exc.strerror})") from None


def migrate(path: str | os.PathLike[str], practice_key: bytes) -> tuple[Path, VerifyResult, str]:
    """Keep the unkeyed log at ``path`` as ``LOG.v1`` and start a keyed log at ``path`` that continues it.

    Returns the old file's new path, its unkeyed chain check and the new head. Refused (:class:`AuditError`,
    nothing changed) when the log is not in the unkeyed format, its unkeyed chain is broken (the result says
    where: repair or set the file aside first), ``LOG.v1`` or an anchor already exists.
    """
    key = audit_key(practice_key)
    log, old, anchor = Path(path), unkeyed_path(path), anchor_path(path)
    try:
        fd = os.open(log, os.O_RDWR)
    except OSError as exc:
        raise AuditError(f"{log}: cannot open the audit log ({exc.strerror})") from None
    with open(fd, "r+b") as handle:
        _lock(handle.fileno())  # appenders refuse this log anyway; the lock keeps two migrations apart
        data = handle.read()
        lines = [raw.decode("utf-8", errors="replace") for raw in data.splitlines(keepends=True)]
        if not lines or not is_unkeyed_line(lines[0]):
            raise AuditError(f"{log}: not an audit log in the older unkeyed format: nothing to migrate "
                             "(check a keyed log with medseal audit verify)")
        result = verify_unkeyed_lines(lines)
        if not result.ok:
            raise AuditError(f"{log}: line {result.first_bad_line}: {result.reason}; nothing migrated: "
                             "restore the file from a backup, or set it aside and start a new log")
        if anchor.exists():
            raise AuditError(f"{log}: {anchor.name} already exists beside an unkeyed log: nothing migrated "
                             "(a keyed log may have been rewritten in the old format: check your backups)")
        try:
            with open(old, "xb") as copy:  # never over an existing file
                copy.write(data)
                copy.flush()
                os.fsync(copy.fileno())
        except FileExistsError:
            raise AuditError(f"{old}: already exists; nothing migrated (move it away first)") from None
        except OSError as exc:
            raise AuditError(f"{old}: cannot write ({exc.strerror}); nothing migrated") from None
        line = record_line(migration_record(result.count), result.head, key)
        head = line_mac(line, key)
        assert head is not None
        write_file(log, line.encode("ascii") + b"\n", 0o600)
        write_file(anchor, anchor_text(1, head, key).encode("ascii"), 0o600)
    return old, result, head


def _lock(fd: int) -> None:
    if fcntl is None:  # pragma: no cover - Windows
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    except OSError:  # pragma: no cover - file systems without locks (some network mounts)
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
        cut = tail.rfind(b"\n", 0, len(tail) - 1)  # a newline before the final byte starts the last line
        if cut >= 0:
            return bytes(tail[cut + 1 :])
    return bytes(tail)
