"""The audit log's files: appends under a lock, the anchor beside the log, and a forger who edits them."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import pytest

from medseal.audit import GENESIS, AuditError, AuditRecord, anchor_text, audit_key, record_line, source_label
from medseal_cli.audit_log import anchor_path, append, verify

PRACTICE = bytes(range(32))
pytestmark = pytest.mark.pyodide_incompatible("the audit files are the CLI's (locks, renames)")


def _record(n: int, pseudonym_count: int = 1) -> AuditRecord:
    return AuditRecord(
        time="2025-01-01T00:00:00Z", command="protect", verdict="warn", action=f"encrypted {n}",
        finding_counts={"niss": n}, pseudonyms=["P-7F3K-2XQM"] * pseudonym_count,
        recipient_domains=["example.be"], source=source_label(str(n).encode()),
    )


def test_append_then_verify_file(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    heads = [append(log, _record(n), PRACTICE) for n in range(5)]
    result = verify(log, PRACTICE)
    assert (result.ok, result.count, result.head) == (True, 5, heads[-1])
    assert stat.S_IMODE(os.stat(log).st_mode) == 0o600
    assert verify(log, PRACTICE, expected_head=heads[2]).ok
    lines = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(b"".join(lines[:2] + lines[3:]))
    assert verify(log, PRACTICE).first_bad_line == 3


def test_append_reads_a_last_line_longer_than_one_chunk(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    append(log, _record(1, pseudonym_count=900), PRACTICE)
    assert len(log.read_bytes()) > 3 * 4096
    append(log, _record(2, pseudonym_count=900), PRACTICE)
    append(log, _record(3), PRACTICE)
    assert verify(log, PRACTICE).count == 3


def test_append_after_a_missing_final_newline(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    line = record_line(_record(1), GENESIS, audit_key(PRACTICE))
    log.write_text(line)
    anchor_path(log).write_text(anchor_text(1, json.loads(line)["mac"], audit_key(PRACTICE)))
    append(log, _record(2), PRACTICE)
    assert verify(log, PRACTICE).ok and verify(log, PRACTICE).count == 2


def test_append_refuses_a_broken_last_line(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    append(log, _record(1), PRACTICE)
    with log.open("ab") as handle:
        handle.write(b'{"half a line')
    before = log.read_bytes()
    with pytest.raises(AuditError):
        append(log, _record(2), PRACTICE)
    assert log.read_bytes() == before
    result = verify(log, PRACTICE)
    assert (result.ok, result.first_bad_line) == (False, 2)


def test_concurrent_appends_keep_the_chain(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"

    def writer(start: int) -> None:
        for n in range(start, start + 15):
            append(log, _record(n), PRACTICE)

    threads = [threading.Thread(target=writer, args=(k * 100,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = verify(log, PRACTICE)
    assert (result.ok, result.count) == (True, 60)


def test_unreadable_log_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(AuditError):
        verify(tmp_path / "missing.jsonl", PRACTICE)
    with pytest.raises(AuditError):
        append(tmp_path / "no-such-dir" / "audit.jsonl", _record(1), PRACTICE)


def _forged(lines: list[bytes], how: str) -> list[bytes]:
    """What someone with write access to the log does to it (without the practice key)."""
    if how == "edit":
        return [lines[0], lines[1].replace(b'"warn"', b'"ok"'), *lines[2:]]
    if how == "delete":
        return [lines[0], *lines[2:]]
    if how == "reorder":
        return [lines[0], lines[2], lines[1], *lines[3:]]
    if how == "truncate":
        return lines[:-2]
    if how == "recompute":  # edit a line, then rebuild the whole chain with plain SHA-256
        import hashlib

        out, previous = [], GENESIS
        for raw in lines:
            data = json.loads(raw)
            data["verdict"], data["prev"] = "ok", previous
            del data["mac"]
            body = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
            data["mac"] = previous = hashlib.sha256(body.encode()).hexdigest()
            out.append(json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode() + b"\n")
        return out
    raise AssertionError(how)


@pytest.mark.parametrize("how", ["edit", "delete", "reorder", "truncate", "recompute"])
@pytest.mark.parametrize("also_anchor", [False, True], ids=["log only", "anchor rewritten too"])
def test_verify_catches_every_forger(tmp_path: Path, how: str, also_anchor: bool) -> None:
    log = tmp_path / "audit.jsonl"
    for n in range(5):
        append(log, _record(n), PRACTICE)
    forged = _forged(log.read_bytes().splitlines(keepends=True), how)
    log.write_bytes(b"".join(forged))
    if also_anchor:  # the forger's best anchor: an unkeyed one matching the forged log
        last = json.loads(forged[-1])["mac"]
        anchor_path(log).write_text(anchor_text(len(forged), last, audit_key(b"guess" + bytes(27))))
        with pytest.raises(AuditError, match="anchor"):
            verify(log, PRACTICE)
        return
    result = verify(log, PRACTICE)
    assert not result.ok, how


def test_a_missing_anchor_is_an_error(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    append(log, _record(1), PRACTICE)
    anchor_path(log).unlink()
    with pytest.raises(AuditError, match="anchor is missing"):
        verify(log, PRACTICE)
    with pytest.raises(AuditError, match="anchor"):
        append(log, _record(2), PRACTICE)
