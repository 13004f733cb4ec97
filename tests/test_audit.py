"""The hash-chained audit log: every sequence verifies, every tampering is found at the right line."""

from __future__ import annotations

import datetime
import json
import os
import stat
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum.be import ssn

from medseal import audit
from medseal.audit import (
    GENESIS,
    AuditError,
    AuditRecord,
    ClearIdentifierInAudit,
    append_to_file,
    assert_no_clear_identifiers,
    record_line,
    source_label,
    verify_file,
    verify_lines,
)

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

pseudonyms = st.builds(
    lambda a, b: f"P-{a}-{b}",
    st.text(CROCKFORD, min_size=4, max_size=4),
    st.text(CROCKFORD, min_size=4, max_size=4),
)
domains = st.from_regex(r"[a-z][a-z0-9-]{0,10}\.(be|com|org|eu)", fullmatch=True)
times = st.datetimes(
    min_value=datetime.datetime(2020, 1, 1), max_value=datetime.datetime(2040, 1, 1)
).map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ"))
kinds = st.sampled_from(["niss", "patient_name", "birth_date", "recipient_mismatch", "standard_mailbox"])

records = st.builds(
    AuditRecord,
    time=times,
    command=st.sampled_from(audit.COMMANDS),
    verdict=st.sampled_from(["ok", "warn", "block"]),
    action=st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Nd")), max_size=20),
    finding_counts=st.dictionaries(kinds, st.integers(0, 50), max_size=4),
    pseudonyms=st.lists(pseudonyms, max_size=3),
    recipient_domains=st.lists(domains, max_size=3),
    source=st.binary(max_size=64).map(source_label),
    override=st.booleans(),
)


def chain(recs: list[AuditRecord]) -> list[str]:
    lines, previous = [], GENESIS
    for rec in recs:
        line = record_line(rec, previous)
        previous = json.loads(line)["hash"]
        lines.append(line)
    return lines


#: Cheaper records for the chain tests (the chain does not care what a record says, only that it differs).
small_records = st.builds(
    AuditRecord,
    time=st.just("2025-01-01T00:00:00Z"),
    command=st.sampled_from(audit.COMMANDS),
    verdict=st.sampled_from(["ok", "warn", "block"]),
    action=st.text("abcdefgh é", max_size=8),
    finding_counts=st.dictionaries(kinds, st.integers(0, 9), max_size=2),
    override=st.booleans(),
)
logs = st.lists(small_records, min_size=1, max_size=8).map(chain)


def valid_niss(data: st.DataObject) -> str:
    """A fictitious, checksum-valid national (or BIS) number, 11 digits."""
    born = data.draw(st.dates(datetime.date(1930, 1, 1), datetime.date(1999, 12, 31)))
    bis_offset = data.draw(st.sampled_from([0, 20, 40]))
    counter = data.draw(st.integers(1, 997))
    first9 = f"{born:%y}{born.month + bis_offset:02d}{born:%d}{counter:03d}"
    number = f"{first9}{97 - int(first9) % 97:02d}"
    assert ssn.is_valid(number)
    return number


@given(logs)
def test_any_sequence_of_records_verifies(lines: list[str]) -> None:
    result = verify_lines(lines)
    assert result.ok, result.reason
    assert result.count == len(lines)
    assert result.first_bad_line is None
    assert result.head == json.loads(lines[-1])["hash"]
    assert verify_lines(line + "\n" for line in lines).ok


@given(records)
def test_line_is_canonical_json_with_prev_and_own_hash(record: AuditRecord) -> None:
    line = record_line(record, GENESIS)
    data = json.loads(line)
    assert data["prev"] == GENESIS
    assert line == json.dumps(data, sort_keys=True, separators=(",", ":"))
    assert line.isascii() and "\n" not in line
    assert {k: v for k, v in data.items() if k not in ("prev", "hash")} == record.as_dict()


@given(logs, st.data())
def test_any_edited_character_is_found_on_its_line(lines: list[str], data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(lines) - 1))
    position = data.draw(st.integers(0, len(lines[index]) - 1))
    replacement = data.draw(st.characters(codec="utf-8", exclude_characters="\n\r"))
    assume(replacement != lines[index][position])
    edited = list(lines)
    edited[index] = lines[index][:position] + replacement + lines[index][position + 1 :]
    result = verify_lines(edited)
    assert not result.ok
    assert result.first_bad_line == index + 1
    assert result.count == index


@given(logs.filter(lambda lines: len(lines) >= 2), st.data())
def test_a_removed_line_is_found(lines: list[str], data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(lines) - 2))
    result = verify_lines(lines[:index] + lines[index + 1 :])
    assert not result.ok
    assert result.first_bad_line == index + 1


@given(logs)
def test_a_cut_at_the_end_is_found_against_the_noted_head(lines: list[str]) -> None:
    head = verify_lines(lines).head
    cut = verify_lines(lines[:-1], expected_head=head)
    assert not cut.ok
    assert cut.first_bad_line is None
    # The head noted earlier stays valid while the log only grows.
    grown = chain([*(_record_of(line) for line in lines), _record_of(lines[0])])
    assert verify_lines(grown, expected_head=head).ok


def _record_of(line: str) -> AuditRecord:
    data = json.loads(line)
    del data["prev"], data["hash"]
    return AuditRecord(**data)


@given(logs, st.data())
def test_a_duplicated_line_is_found(lines: list[str], data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(lines) - 1))
    result = verify_lines([*lines[:index + 1], lines[index], *lines[index + 1:]])
    assert not result.ok
    assert result.first_bad_line == index + 2


@given(logs.filter(lambda lines: len(lines) >= 2), st.data())
def test_swapped_lines_are_found_at_the_first(lines: list[str], data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(lines) - 2))
    j = data.draw(st.integers(i + 1, len(lines) - 1))
    swapped = list(lines)
    swapped[i], swapped[j] = swapped[j], swapped[i]
    result = verify_lines(swapped)
    assert not result.ok
    assert result.first_bad_line == i + 1


@given(logs, small_records, st.data())
def test_a_forged_line_is_found_even_with_a_valid_own_hash(
    lines: list[str], forged: AuditRecord, data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(lines) - 1))
    previous = GENESIS if index == 0 else json.loads(lines[index - 1])["hash"]
    # Chained correctly to the line before it: the line after it no longer follows.
    chained = [*lines[:index], record_line(forged, previous), *lines[index:]]
    result = verify_lines(chained)
    assert not result.ok
    assert result.first_bad_line == index + 2
    # Chained to anything else: found on the forged line itself.
    other = data.draw(st.text("0123456789abcdef", min_size=64, max_size=64).filter(lambda h: h != previous))
    loose = [*lines[:index], record_line(forged, other), *lines[index:]]
    assert verify_lines(loose).first_bad_line == index + 1


@given(logs, st.data())
def test_a_truncated_last_line_is_found(lines: list[str], data: st.DataObject) -> None:
    keep = data.draw(st.integers(1, len(lines[-1]) - 1))
    result = verify_lines([*lines[:-1], lines[-1][:keep]])
    assert not result.ok
    assert result.first_bad_line == len(lines)


@pytest.mark.parametrize("reformat", [
    lambda line: line.replace(",", ", ", 1),
    lambda line: line.replace("{", "{ ", 1),
    lambda line: line.replace("encrypted", "\\u0065ncrypted", 1),
    lambda line: line + " ",
], ids=["space after comma", "space after brace", "escaped letter", "trailing space"])
def test_a_reformatted_line_with_the_same_content_is_found(reformat: Any) -> None:
    lines = chain([_record(1), _record(2)])
    edited = [lines[0], reformat(lines[1])]
    assert json.loads(edited[1]) == json.loads(lines[1])
    result = verify_lines(edited)
    assert (result.ok, result.first_bad_line) == (False, 2)


@pytest.mark.parametrize("line", ["", "{}", "[]", "not json", '{"prev": "0"}'])
def test_malformed_lines_are_bad(line: str) -> None:
    result = verify_lines([line])
    assert (result.ok, result.first_bad_line) == (False, 1)


def test_an_empty_log_verifies() -> None:
    result = verify_lines([])
    assert (result.ok, result.count, result.head) == (True, 0, GENESIS)


@given(small_records, st.data())
def test_the_guard_refuses_a_national_number_anywhere(record: AuditRecord, data: st.DataObject) -> None:
    number = valid_niss(data)
    shown = data.draw(st.sampled_from([
        number,
        f"{number[0:2]}.{number[2:4]}.{number[4:6]}-{number[6:9]}.{number[9:11]}",
        f"{number[0:6]} {number[6:9]} {number[9:11]}",
        f"12{number}34",
    ]))
    where = data.draw(st.sampled_from(["action", "verdict", "source", "finding_counts"]))
    value: object = {shown: 1} if where == "finding_counts" else f"x {shown} y"
    bad = AuditRecord(**(record.as_dict() | {where: value}))
    with pytest.raises(ClearIdentifierInAudit) as caught:
        assert_no_clear_identifiers(bad)
    assert number not in str(caught.value)
    with pytest.raises(ClearIdentifierInAudit):
        record_line(bad, GENESIS)


@given(st.text("0123456789", min_size=11, max_size=11).filter(lambda s: not ssn.is_valid(s)))
def test_the_guard_lets_other_digit_runs_through(digits: str) -> None:
    record = AuditRecord(time="2025-01-01T00:00:00Z", command="scan", verdict="ok", action=f"ref {digits}")
    assert_no_clear_identifiers(record)


@pytest.mark.parametrize(
    "changes",
    [{"command": "delete"}, {"pseudonyms": ["Marie Dupont"]}, {"recipient_domains": ["m.dupont@example.be"]},
     {"finding_counts": {"niss": -1}}],
    ids=["command", "pseudonym", "domain", "count"],
)
def test_records_refuse_what_does_not_belong(changes: dict[str, object]) -> None:
    base = {"time": "2025-01-01T00:00:00Z", "command": "scan", "verdict": "ok", "action": "none"}
    with pytest.raises(ValueError):
        AuditRecord(**(base | changes))  # type: ignore[arg-type]


def test_source_label_is_short_and_has_no_long_digit_run() -> None:
    label = source_label(b"From: a@example.be\r\n\r\nbody")
    assert label.startswith("src-") and len(label) == 20
    assert label == source_label(b"From: a@example.be\r\n\r\nbody")
    assert label != source_label(b"other")


def test_utc_now_is_iso_utc() -> None:
    now = audit.utc_now()
    parsed = datetime.datetime.strptime(now, "%Y-%m-%dT%H:%M:%SZ")
    assert abs(parsed - datetime.datetime.now(datetime.UTC).replace(tzinfo=None)).total_seconds() < 5


def _record(n: int, pseudonym_count: int = 1) -> AuditRecord:
    return AuditRecord(
        time="2025-01-01T00:00:00Z", command="protect", verdict="warn", action=f"encrypted {n}",
        finding_counts={"niss": n}, pseudonyms=["P-7F3K-2XQM"] * pseudonym_count,
        recipient_domains=["example.be"], source=source_label(str(n).encode()),
    )


def test_append_then_verify_file(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    heads = [append_to_file(log, _record(n)) for n in range(5)]
    result = verify_file(log)
    assert (result.ok, result.count, result.head) == (True, 5, heads[-1])
    assert stat.S_IMODE(os.stat(log).st_mode) == 0o600
    assert verify_file(log, expected_head=heads[2]).ok
    lines = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(b"".join(lines[:2] + lines[3:]))
    assert verify_file(log).first_bad_line == 3


def test_append_reads_a_last_line_longer_than_one_chunk(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    append_to_file(log, _record(1, pseudonym_count=900))
    assert len(log.read_bytes()) > 3 * 4096
    append_to_file(log, _record(2, pseudonym_count=900))
    append_to_file(log, _record(3))
    assert verify_file(log).count == 3


def test_append_after_a_missing_final_newline(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    log.write_text(record_line(_record(1), GENESIS))
    append_to_file(log, _record(2))
    assert verify_file(log).ok and verify_file(log).count == 2


def test_append_refuses_a_broken_last_line(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    append_to_file(log, _record(1))
    with log.open("ab") as handle:
        handle.write(b'{"half a line')
    before = log.read_bytes()
    with pytest.raises(AuditError):
        append_to_file(log, _record(2))
    assert log.read_bytes() == before
    result = verify_file(log)
    assert (result.ok, result.first_bad_line) == (False, 2)


def test_concurrent_appends_keep_the_chain(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"

    def writer(start: int) -> None:
        for n in range(start, start + 15):
            append_to_file(log, _record(n))

    threads = [threading.Thread(target=writer, args=(k * 100,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = verify_file(log)
    assert (result.ok, result.count) == (True, 60)


def test_unreadable_log_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(AuditError):
        verify_file(tmp_path / "missing.jsonl")
    with pytest.raises(AuditError):
        append_to_file(tmp_path / "no-such-dir" / "audit.jsonl", _record(1))
