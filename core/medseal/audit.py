"""The audit log: one JSON line per decision (``scan``, ``protect``, ``send``, ``relay``, ``analyse``), keyed chain.

Each line is the canonical JSON (sorted keys, no spaces, ASCII) of an :class:`AuditRecord` plus two fields:
``prev``, the ``mac`` of the line before it (64 zeros for the first line), and ``mac``, the HMAC-SHA256 of
the canonical line without ``mac`` under the *audit key*, derived from the practice key with its own label
(:func:`audit_key`). Editing, removing, inserting, duplicating or reordering a line breaks the chain at the
first line that changed, and :func:`verify_lines` names it; without the practice key nobody can recompute
the chain (an unkeyed hash chain anyone can rewrite from the edited line on).

A chain alone cannot show that its last lines were cut off. The *anchor* (a second file beside the log,
``LOG.head``, rewritten with each append) holds the number of lines and the head MAC, itself MACed
(:func:`anchor_text`); :func:`verify_lines` checks the log against it. An attacker who can write both files
can still roll both back to an older pair: note a head elsewhere (``protect`` prints it) and check it with
``expected_head``.

A record carries no identifier and no name in clear: finding kinds and counts, pseudonyms, a pseudonymous
source label, and recipients' domains only when they are on the policy's lists (standard providers, trusted,
eHealthBox); any other domain (``famille-dupont.be``) is written as a keyed label (:func:`domain_label`).
:func:`assert_no_clear_identifiers` refuses any record whose text holds a valid Belgian national or BIS
number, as a last line of defence.

Logs written before the keyed chain (medseal up to 0.x: a plain SHA-256 ``hash`` per line, no anchor) are the
*unkeyed format*: :func:`is_unkeyed_line` recognises them and :func:`verify_unkeyed_lines` checks their chain,
which only shows accidental damage (anyone who can write the file can recompute it). ``medseal audit migrate``
keeps such a file as it is and starts a keyed log whose first line is a *migration record*
(:func:`migration_record`): its ``prev`` is the old file's last hash instead of 64 zeros, so the keyed chain
vouches for the old head from then on. A migration record is accepted as line 1 only.

The core does no I/O: the CLI reads and appends the files (under a lock) and writes the anchor atomically.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from stdnum.be import ssn

from medseal.crypto.pseudonym import PSEUDONYM_RE
from medseal.errors import InputError, MedsealError

if TYPE_CHECKING:
    from medseal.rules import Policy

GENESIS = "0" * 64
#: ``analyse`` is the Outlook server's check before a send (its ``protect`` records are ``protect``).
COMMANDS = ("scan", "protect", "send", "relay", "analyse")
#: The command of the record that starts a keyed log continuing an unkeyed one (line 1 only).
MIGRATE = "migrate"

_HASH_RE = re.compile(r"[0-9a-f]{64}")
_DOMAIN_RE = re.compile(r"[^\s@]+")
#: Eleven digits, each pair optionally separated by one of `` ./-`` (``85.07.30-033.28``), overlapping.
_NUMBER_RE = re.compile(r"(?=(\d(?:[ ./-]?\d){10}))")
_LINE_FIELDS = frozenset({"time", "command", "verdict", "action", "finding_counts", "pseudonyms",
                          "recipient_domains", "source", "override", "user", "prev", "mac"})
#: The fields of a line in the older unkeyed format (SHA-256 ``hash`` instead of ``mac``, no ``user``).
_UNKEYED_FIELDS = frozenset(_LINE_FIELDS - {"user", "mac"} | {"hash"})
_AUDIT_LABEL = b"medseal audit chain v2"
_ANCHOR_PREFIX = "medseal-audit-anchor-v2"


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
    was checked (:func:`source_label`), never a file name; ``recipient_domains`` come from
    :func:`domain_label`.
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
    #: Who decided (a server user's name, never a token); empty for the CLI.
    user: str = ""

    def __post_init__(self) -> None:
        if self.command not in (*COMMANDS, MIGRATE):
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
    #: The last hash of the unkeyed log this one continues (its line 1 is a migration record), else "".
    continues: str = ""


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
    yield from (record.time, record.command, record.verdict, record.action, record.source, record.user)
    yield from record.finding_counts
    yield from record.pseudonyms
    yield from record.recipient_domains


def audit_key(practice_key: bytes) -> bytes:
    """The key of the audit chain: HMAC-SHA256 of a fixed label under the practice key (never the key itself)."""
    return hmac.new(practice_key, _AUDIT_LABEL, hashlib.sha256).digest()


def domain_label(domain: str, policy: Policy, key: bytes) -> str:
    """``domain`` as the log may show it: as is when the policy lists it, else ``other-`` and a keyed tag.

    Standard providers (gmail.com), trusted and eHealthBox domains name no one; a private domain
    (``famille-dupont.be``) may name the patient, so it becomes ``other-`` + 48 bits of HMAC under the audit
    key (``key``, from :func:`audit_key`): still comparable between lines of one practice, unreadable to
    anyone else.
    """
    from medseal.rules import domain_matches

    domain = domain.strip().lower().rstrip(".")
    lists = (policy.standard_providers, policy.trusted_domains, policy.ehealthbox_domains)
    if any(domain_matches(domain, patterns) for patterns in lists):
        return domain
    tag = hmac.new(key, b"domain:" + domain.encode("utf-8"), hashlib.sha256).digest()[:6]
    return "other-" + base64.b32encode(tag).decode("ascii").lower()


def _canonical(data: Mapping[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def _mac(data: Mapping[str, Any], key: bytes) -> str:
    body = {k: v for k, v in data.items() if k != "mac"}
    return hmac.new(key, _canonical(body).encode("ascii"), hashlib.sha256).hexdigest()


def record_line(record: AuditRecord, previous_mac: str, key: bytes) -> str:
    """The log line (without newline) for ``record`` after a line whose MAC is ``previous_mac``.

    ``key`` is the audit key (:func:`audit_key`).
    """
    if not _HASH_RE.fullmatch(previous_mac):
        raise ValueError("previous_mac must be 64 lower-case hex digits")
    assert_no_clear_identifiers(record)
    data = record.as_dict() | {"prev": previous_mac}
    data["mac"] = _mac(data, key)
    return _canonical(data)


def line_mac(line: str, key: bytes) -> str | None:
    """The MAC of a well-formed, authentic log line, else ``None``."""
    data = _parse_line(line.rstrip("\n"), key)
    return None if data is None else str(data["mac"])


def _parse_line(line: str, key: bytes) -> dict[str, Any] | None:
    """The fields of a well-formed line, or ``None`` (not canonical JSON, wrong fields, wrong MAC)."""
    try:
        data = json.loads(line)
    except ValueError:
        return None
    if not isinstance(data, dict) or set(data) != _LINE_FIELDS:
        return None
    if not all(isinstance(data[k], str) and _HASH_RE.fullmatch(data[k]) for k in ("prev", "mac")):
        return None
    if _canonical(data) != line or not hmac.compare_digest(_mac(data, key), data["mac"]):
        return None
    return data


@dataclass(frozen=True)
class Anchor:
    """What the anchor file vouches for: the log had ``count`` lines ending with the MAC ``head``."""

    count: int
    head: str


def anchor_text(count: int, head: str, key: bytes) -> str:
    """The anchor file's one line: ``medseal-audit-anchor-v2 COUNT HEAD MAC``."""
    body = f"{_ANCHOR_PREFIX} {count} {head}"
    return f"{body} {hmac.new(key, body.encode('ascii'), hashlib.sha256).hexdigest()}\n"


def parse_anchor(text: str, key: bytes) -> Anchor:
    """The anchor in ``text``; :class:`AuditError` if it is not one written under ``key``."""
    parts = text.split()
    if len(parts) == 4 and parts[0] == _ANCHOR_PREFIX and parts[1].isdigit() and _HASH_RE.fullmatch(parts[2]):
        expected = anchor_text(int(parts[1]), parts[2], key).split()[3]
        if hmac.compare_digest(expected, parts[3]):
            return Anchor(int(parts[1]), parts[2])
    raise AuditError("the audit anchor file was altered or was not written with this practice key")


def verify_lines(
    lines: Iterable[str], key: bytes, anchor: Anchor | None = None, expected_head: str | None = None
) -> VerifyResult:
    """Check a log given as lines (with or without their line ends); stop at the first bad line.

    ``key`` is the audit key. ``anchor`` (from the anchor file) must match the log's length and head: a log
    shorter than its anchor was cut. ``expected_head``, a MAC noted earlier, must be the MAC of one of the lines.
    """
    previous = GENESIS
    count = 0
    continues = ""
    seen_expected = expected_head in (None, GENESIS)
    for number, raw in enumerate(lines, start=1):
        line = raw[:-1] if raw.endswith("\n") else raw
        data = _parse_line(line, key)
        if data is None:
            return VerifyResult(False, count, number, f"line {number} was altered, forged or is incomplete", previous)
        if data["command"] == MIGRATE:
            if number > 1:
                reason = f"line {number} is a migration record, which only ever starts a log: lines were removed"
                return VerifyResult(False, count, number, reason, previous)
            previous = continues = data["prev"]
        if data["prev"] != previous:
            reason = (
                f"line {number} does not follow line {number - 1}: a line was removed, inserted or moved"
                if number > 1
                else "line 1 is not the start of a log: lines were removed before it"
            )
            return VerifyResult(False, count, number, reason, previous)
        previous = data["mac"]
        count += 1
        seen_expected = seen_expected or previous == expected_head
    if anchor is not None and (anchor.count != count or anchor.head != previous):
        if anchor.count > count:
            reason = f"the log has {count} line(s) but its anchor vouches for {anchor.count}: it was cut"
        else:
            reason = f"the log does not end where its anchor says (line {anchor.count}): it was cut or rewritten"
        return VerifyResult(False, count, None, reason, previous)
    if not seen_expected:
        reason = "the expected head is not in the log: it was cut or rewritten"
        return VerifyResult(False, count, None, reason, previous, continues)
    return VerifyResult(True, count, None, f"{count} line(s), chain intact", previous, continues)


def migration_record(unkeyed_count: int) -> AuditRecord:
    """The first record of a keyed log that continues an unkeyed one of ``unkeyed_count`` lines (its line
    goes after the unkeyed log's last hash: ``record_line(migration_record(n), old_head, key)``)."""
    return AuditRecord(time=utc_now(), command=MIGRATE, verdict="continued",
                       action=f"continues-unkeyed-log-of-{unkeyed_count}-records")


def _unkeyed_hash(data: Mapping[str, Any]) -> str:
    body = {k: v for k, v in data.items() if k != "hash"}
    return hashlib.sha256(_canonical(body).encode("ascii")).hexdigest()


def _unkeyed_fields(line: str) -> dict[str, Any] | None:
    try:
        data = json.loads(line)
    except ValueError:
        return None
    return data if isinstance(data, dict) and set(data) == _UNKEYED_FIELDS else None


def is_unkeyed_line(line: str) -> bool:
    """Whether ``line`` has the shape of the older unkeyed format (its own hash is not checked here)."""
    return _unkeyed_fields(line.rstrip("\n")) is not None


def verify_unkeyed_lines(lines: Iterable[str]) -> VerifyResult:
    """Check the plain SHA-256 chain of a log in the older unkeyed format (see the module's docstring).

    An intact result shows the file was not damaged by accident; it proves nothing against someone who
    could write it (they can recompute every hash).
    """
    previous, count = GENESIS, 0
    for number, raw in enumerate(lines, start=1):
        line = raw[:-1] if raw.endswith("\n") else raw
        data = _unkeyed_fields(line)
        if (data is None or not all(isinstance(data[k], str) and _HASH_RE.fullmatch(data[k]) for k in ("prev", "hash"))
                or _canonical(data) != line or _unkeyed_hash(data) != data["hash"]):
            return VerifyResult(False, count, number, f"line {number} is not an intact line of the unkeyed format",
                                previous)
        if data["prev"] != previous:
            return VerifyResult(False, count, number, f"line {number} does not follow the line before it", previous)
        previous = data["hash"]
        count += 1
    return VerifyResult(True, count, None, f"{count} line(s), unkeyed chain consistent", previous)
