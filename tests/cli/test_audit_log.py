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


# -- logs in the older unkeyed format: a clear way out, never "tampered" -------------------------------------


def _v1_log(path: Path, count: int = 3) -> bytes:
    """A log as medseal wrote it before the keyed chain (SHA-256 ``hash`` per line, no anchor)."""
    import hashlib

    out, previous = b"", GENESIS
    for n in range(count):
        data = {k: v for k, v in _record(n).as_dict().items() if k != "user"} | {"prev": previous}
        body = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        data["hash"] = previous = hashlib.sha256(body.encode()).hexdigest()
        out += json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode() + b"\n"
    path.write_bytes(out)
    return out


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    from medseal_cli.main import main

    code = main(args)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out + err


@pytest.fixture
def key(tmp_path: Path) -> str:
    from medseal_cli.key_file import create_key

    create_key(tmp_path / "key")
    return str(tmp_path / "key")


def test_verify_names_the_old_format_and_the_way_out(tmp_path: Path, key: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "audit.jsonl"
    _v1_log(log)
    code, text = _cli(["audit", "verify", str(log), "--key-file", key], capsys)
    assert code == 2, text
    assert "older unkeyed format" in text and f"medseal audit migrate {log}" in text and "3 records" in text
    assert "altered" not in text and "forged" not in text and "tampered" not in text
    with pytest.raises(AuditError, match=r"older unkeyed format.*medseal audit migrate"):
        append(log, _record(9), PRACTICE)


def test_migrate_keeps_the_old_file_and_chains_on_from_its_last_hash(
    tmp_path: Path, key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from medseal.crypto.keys import read_key

    log = tmp_path / "audit.jsonl"
    old = _v1_log(log)
    last_hash = json.loads(old.splitlines()[-1])["hash"]
    code, text = _cli(["audit", "migrate", str(log), "--key-file", key], capsys)
    assert code == 0, text
    assert (tmp_path / "audit.jsonl.v1").read_bytes() == old, "the old log is kept byte for byte"
    assert json.loads(log.read_text())["prev"] == last_hash and last_hash in text
    append(log, _record(7), read_key(Path(key)))  # the keyed chain goes on as usual
    code, text = _cli(["audit", "verify", str(log), "--key-file", key], capsys)
    assert code == 0 and "2 records" in text and "audit.jsonl.v1 (3 unkeyed records" in text, text
    code, text = _cli(["audit", "migrate", str(log), "--key-file", key], capsys)
    assert code == 2 and "nothing to migrate" in text
    # the old file, edited after the migration, no longer matches what the keyed chain vouches for
    (tmp_path / "audit.jsonl.v1").write_bytes(old.replace(b'"warn"', b'"ok"', 1))
    code, text = _cli(["audit", "verify", str(log), "--key-file", key], capsys)
    assert code == 1 and "changed after the migration" in text


def test_migrate_refuses_a_broken_old_log_and_changes_nothing(
    tmp_path: Path, key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "audit.jsonl"
    lines = _v1_log(log, 4).splitlines(keepends=True)
    log.write_bytes(lines[0] + lines[2] + lines[3])  # a line removed
    before = log.read_bytes()
    code, text = _cli(["audit", "verify", str(log), "--key-file", key], capsys)
    assert code == 1 and "line 2" in text
    code, text = _cli(["audit", "migrate", str(log), "--key-file", key], capsys)
    assert code == 2 and "line 2" in text and "nothing migrated" in text
    assert log.read_bytes() == before and not (tmp_path / "audit.jsonl.v1").exists()
    assert not anchor_path(log).exists()


def test_a_keyed_log_rewritten_in_the_old_format_is_caught(
    tmp_path: Path, key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from medseal.crypto.keys import read_key

    log = tmp_path / "audit.jsonl"
    append(log, _record(1), read_key(Path(key)))
    _v1_log(log)  # the forger rewrites the log unkeyed, but the keyed anchor is still beside it
    code, text = _cli(["audit", "verify", str(log), "--key-file", key], capsys)
    assert code == 1 and "rewritten" in text
    code, text = _cli(["audit", "migrate", str(log), "--key-file", key], capsys)
    assert code == 2 and "already exists" in text and not (tmp_path / "audit.jsonl.v1").exists()
