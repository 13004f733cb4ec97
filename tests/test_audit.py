"""The keyed audit chain: every sequence verifies, every tampering is found at the right line, forgers fail."""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum.be import ssn

from medseal import audit
from medseal.audit import (
    GENESIS,
    Anchor,
    AuditError,
    AuditRecord,
    ClearIdentifierInAudit,
    anchor_text,
    assert_no_clear_identifiers,
    audit_key,
    domain_label,
    parse_anchor,
    record_line,
    source_label,
    verify_lines,
)

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
KEY = audit_key(bytes(range(32)))

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


def verify_lines_(lines: Any, **kwargs: Any) -> audit.VerifyResult:
    return verify_lines(lines, KEY, **kwargs)


def chain(recs: list[AuditRecord]) -> list[str]:
    lines, previous = [], GENESIS
    for rec in recs:
        line = record_line(rec, previous, KEY)
        previous = json.loads(line)["mac"]
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
    result = verify_lines_(lines)
    assert result.ok, result.reason
    assert result.count == len(lines)
    assert result.first_bad_line is None
    assert result.head == json.loads(lines[-1])["mac"]
    assert verify_lines_(line + "\n" for line in lines).ok


@given(records)
def test_line_is_canonical_json_with_prev_and_own_hash(record: AuditRecord) -> None:
    line = record_line(record, GENESIS, KEY)
    data = json.loads(line)
    assert data["prev"] == GENESIS
    assert line == json.dumps(data, sort_keys=True, separators=(",", ":"))
    assert line.isascii() and "\n" not in line
    assert {k: v for k, v in data.items() if k not in ("prev", "mac")} == record.as_dict()


@given(logs, st.data())
def test_any_edited_character_is_found_on_its_line(lines: list[str], data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(lines) - 1))
    position = data.draw(st.integers(0, len(lines[index]) - 1))
    replacement = data.draw(st.characters(codec="utf-8", exclude_characters="\n\r"))
    assume(replacement != lines[index][position])
    edited = list(lines)
    edited[index] = lines[index][:position] + replacement + lines[index][position + 1 :]
    result = verify_lines_(edited)
    assert not result.ok
    assert result.first_bad_line == index + 1
    assert result.count == index


@given(logs.filter(lambda lines: len(lines) >= 2), st.data())
def test_a_removed_line_is_found(lines: list[str], data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(lines) - 2))
    result = verify_lines_(lines[:index] + lines[index + 1 :])
    assert not result.ok
    assert result.first_bad_line == index + 1


@given(logs)
def test_a_cut_at_the_end_is_found_against_the_noted_head(lines: list[str]) -> None:
    head = verify_lines_(lines).head
    cut = verify_lines_(lines[:-1], expected_head=head)
    assert not cut.ok
    assert cut.first_bad_line is None
    # The head noted earlier stays valid while the log only grows.
    grown = chain([*(_record_of(line) for line in lines), _record_of(lines[0])])
    assert verify_lines_(grown, expected_head=head).ok


def _record_of(line: str) -> AuditRecord:
    data = json.loads(line)
    del data["prev"], data["mac"]
    return AuditRecord(**data)


@given(logs, st.data())
def test_a_duplicated_line_is_found(lines: list[str], data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(lines) - 1))
    result = verify_lines_([*lines[:index + 1], lines[index], *lines[index + 1:]])
    assert not result.ok
    assert result.first_bad_line == index + 2


@given(logs.filter(lambda lines: len(lines) >= 2), st.data())
def test_swapped_lines_are_found_at_the_first(lines: list[str], data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(lines) - 2))
    j = data.draw(st.integers(i + 1, len(lines) - 1))
    swapped = list(lines)
    swapped[i], swapped[j] = swapped[j], swapped[i]
    result = verify_lines_(swapped)
    assert not result.ok
    assert result.first_bad_line == i + 1


@given(logs, small_records, st.data())
def test_a_forged_line_is_found_even_with_a_valid_own_hash(
    lines: list[str], forged: AuditRecord, data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(lines) - 1))
    previous = GENESIS if index == 0 else json.loads(lines[index - 1])["mac"]
    # Chained correctly to the line before it: the line after it no longer follows.
    chained = [*lines[:index], record_line(forged, previous, KEY), *lines[index:]]
    result = verify_lines_(chained)
    assert not result.ok
    assert result.first_bad_line == index + 2
    # Chained to anything else: found on the forged line itself.
    other = data.draw(st.text("0123456789abcdef", min_size=64, max_size=64).filter(lambda h: h != previous))
    loose = [*lines[:index], record_line(forged, other, KEY), *lines[index:]]
    assert verify_lines_(loose).first_bad_line == index + 1


@given(logs, st.data())
def test_a_truncated_last_line_is_found(lines: list[str], data: st.DataObject) -> None:
    keep = data.draw(st.integers(1, len(lines[-1]) - 1))
    result = verify_lines_([*lines[:-1], lines[-1][:keep]])
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
    result = verify_lines_(edited)
    assert (result.ok, result.first_bad_line) == (False, 2)


@pytest.mark.parametrize("line", ["", "{}", "[]", "not json", '{"prev": "0"}'])
def test_malformed_lines_are_bad(line: str) -> None:
    result = verify_lines_([line])
    assert (result.ok, result.first_bad_line) == (False, 1)


def test_an_empty_log_verifies() -> None:
    result = verify_lines_([])
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
        record_line(bad, GENESIS, KEY)


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


# --- keyed chain, anchor, domains ----------------------------------------------------------------------------


def _unkeyed_chain(recs: list[AuditRecord]) -> list[str]:
    """What a forger without the practice key can do: recompute every MAC as a plain SHA-256."""
    lines, previous = [], GENESIS
    for rec in recs:
        data = rec.as_dict() | {"prev": previous}
        body = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        data["mac"] = previous = hashlib.sha256(body.encode("ascii")).hexdigest()
        lines.append(json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True))
    return lines


@given(st.lists(small_records, min_size=1, max_size=5))
def test_a_recomputed_unkeyed_chain_is_refused_at_line_one(recs: list[AuditRecord]) -> None:
    result = verify_lines_(_unkeyed_chain(recs))
    assert (result.ok, result.first_bad_line) == (False, 1)


@given(logs, st.binary(min_size=32, max_size=32))
def test_a_chain_under_another_key_is_refused(lines: list[str], other: bytes) -> None:
    assume(audit_key(other) != KEY)
    assert verify_lines(lines, audit_key(other)).first_bad_line == 1


@given(logs, st.data())
def test_the_anchor_finds_a_cut_tail(lines: list[str], data: st.DataObject) -> None:
    full = verify_lines_(lines)
    anchor = parse_anchor(anchor_text(full.count, full.head, KEY), KEY)
    assert anchor == Anchor(len(lines), full.head)
    assert verify_lines_(lines, anchor=anchor).ok
    keep = data.draw(st.integers(0, len(lines) - 1))
    cut = verify_lines_(lines[:keep], anchor=anchor)
    assert not cut.ok and "cut" in cut.reason


@given(st.integers(0, 10**6), st.text("0123456789abcdef", min_size=64, max_size=64), st.data())
def test_a_forged_anchor_is_refused(count: int, head: str, data: st.DataObject) -> None:
    text = anchor_text(count, head, KEY)
    with pytest.raises(AuditError):
        parse_anchor(text, audit_key(b"another practice key" + bytes(12)))
    parts = text.split()
    parts[1] = str(count + data.draw(st.integers(1, 5)))
    with pytest.raises(AuditError):
        parse_anchor(" ".join(parts), KEY)


def test_domains_that_may_name_a_patient_are_keyed() -> None:
    from medseal.policy import Policy

    policy = Policy(trusted_domains=("chu-exemple.be",), ehealthbox_domains=("ordomedic.be",))
    assert domain_label("gmail.com", policy, KEY) == "gmail.com"
    assert domain_label("CHU-exemple.be", policy, KEY) == "chu-exemple.be"
    assert domain_label("ordomedic.be", policy, KEY) == "ordomedic.be"
    private = domain_label("famille-dupont.be", policy, KEY)
    assert private.startswith("other-") and "dupont" not in private
    assert private == domain_label("famille-dupont.be", policy, KEY)  # comparable within the practice
    assert private != domain_label("famille-dupont.be", policy, audit_key(b"x" * 32))
    assert private != domain_label("famille-martin.be", policy, KEY)
    AuditRecord(time="2025-01-01T00:00:00Z", command="send", verdict="ok", action="x", recipient_domains=[private])


# --- logs in the older unkeyed format, and the keyed log that continues one -----------------------------------


def _v1_chain(recs: list[AuditRecord]) -> list[str]:
    """A log as medseal wrote it before the keyed chain: SHA-256 ``hash`` per line, no ``user`` field."""
    lines, previous = [], GENESIS
    for rec in recs:
        data = {k: v for k, v in rec.as_dict().items() if k != "user"} | {"prev": previous}
        body = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        data["hash"] = previous = hashlib.sha256(body.encode("ascii")).hexdigest()
        lines.append(json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True))
    return lines


@given(st.lists(small_records, min_size=1, max_size=6), st.data())
def test_an_unkeyed_log_is_recognised_and_its_chain_checked(recs: list[AuditRecord], data: st.DataObject) -> None:
    lines = _v1_chain(recs)
    assert all(audit.is_unkeyed_line(line) for line in lines)
    result = audit.verify_unkeyed_lines(lines)
    assert result.ok and result.count == len(lines) and result.head == json.loads(lines[-1])["hash"]
    assert verify_lines_(lines).first_bad_line == 1  # never taken for a keyed chain
    number = data.draw(st.integers(0, len(lines) - 1))
    edited = [*lines[:number], lines[number].replace('"prev"', '"prev" '), *lines[number + 1 :]]
    assert audit.verify_unkeyed_lines(edited).first_bad_line == number + 1


@given(logs)
def test_keyed_lines_are_not_unkeyed(lines: list[str]) -> None:
    assert not any(audit.is_unkeyed_line(line) for line in lines)


@given(st.lists(small_records, min_size=1, max_size=4), st.lists(small_records, max_size=4))
def test_a_migrated_log_vouches_for_the_old_head(old: list[AuditRecord], new: list[AuditRecord]) -> None:
    old_head = audit.verify_unkeyed_lines(_v1_chain(old)).head
    first = record_line(audit.migration_record(len(old)), old_head, KEY)
    lines = [first]
    previous = json.loads(first)["mac"]
    for rec in new:
        lines.append(record_line(rec, previous, KEY))
        previous = json.loads(lines[-1])["mac"]
    result = verify_lines_(lines)
    assert result.ok and result.continues == old_head and result.count == len(new) + 1
    # the migration record only ever starts a log: spliced after other lines, it is refused
    other = chain(new or [_record(1)])
    spliced = [*other, record_line(audit.migration_record(1), json.loads(other[-1])["mac"], KEY)]
    bad = verify_lines_(spliced)
    assert not bad.ok and bad.first_bad_line == len(other) + 1 and "migration" in bad.reason
    # a forger cannot point it at another old head
    forged = json.loads(first) | {"prev": "1" * 64}
    assert not verify_lines_([json.dumps(forged, sort_keys=True, separators=(",", ":"))]).ok
