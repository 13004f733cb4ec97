"""The server's audit records: one per answer of the core, in the same keyed chain as the CLI and the relay.

The record is built from what the core answered (decision, finding kinds and counts, pseudonyms) and who the
recipients are, as domains: a domain the practice's policy lists (standard providers, trusted, eHealthBox) as
is, any other one as ``other-<keyed tag>`` (a private domain such as ``famille-dupont.be`` can name the
patient). ``source`` is a pseudonymous label of the request body, so the analyse and the protect of one
message carry the same label. The user is the server user's name, never the token. Nothing in it names a
patient; :mod:`medseal.audit` checks that once more before the line is written.

Building the record runs in the worker (thread or process) beside the core's work; appending it to the log
(:func:`medseal_cli.audit_log.append`, under the log's lock, with its anchor ``LOG.head``) runs in the thread
pool of the server process.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping
from email.utils import getaddresses
from typing import Any

from medseal.audit import AuditRecord, audit_key, domain_label, source_label, utc_now
from medseal.errors import MedsealError
from medseal.policy import Policy, domain_of, parse_policy

#: The audit command of each API operation (``protect`` is the one that precedes a protected send).
COMMANDS = {"analyse": "analyse", "protect": "protect"}


def practice_key(settings: Mapping[str, Any]) -> bytes:
    """The practice key of the core's settings (base64 there); empty if it is not usable."""
    try:
        return base64.b64decode(str(settings.get("practiceKey") or ""), validate=True)
    except (binascii.Error, ValueError):
        return b""


def _policy(settings: Mapping[str, Any]) -> Policy:
    """The practice's policy; the defaults if it cannot be read (then more domains are written as tags)."""
    text = settings.get("policyToml") or ""
    if not isinstance(text, str) or not text.strip():
        return Policy()
    try:
        return parse_policy(text, "policyToml")
    except (MedsealError, ValueError):
        return Policy()


def _addresses(entries: Any) -> Iterable[str]:
    if not isinstance(entries, list):
        return ()
    return (address for _, address in getaddresses([e for e in entries if isinstance(e, str)]) if "@" in address)


def _recipients(snapshot: Mapping[str, Any], answer: Mapping[str, Any]) -> set[str]:
    """The recipients the message goes to: the answer's lists where it changes them, else the snapshot's."""
    found: set[str] = set()
    for field in ("to", "cc", "bcc"):
        changed = answer.get(field)
        found.update(_addresses(changed if changed is not None else snapshot.get(field)))
    return found


def _counts(answer: Mapping[str, Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for finding in answer.get("findings") or []:
        kind = str(finding.get("kind", "unknown")) if isinstance(finding, Mapping) else "unknown"
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def audit_record(
    operation: str, body: bytes, snapshot: Mapping[str, Any], answer: Mapping[str, Any], settings: Mapping[str, Any]
) -> AuditRecord:
    """The record of one answer (the ``user`` is filled in by the app, which knows who asked)."""
    tag_key = audit_key(practice_key(settings))
    policy = _policy(settings)
    domains = sorted({domain_label(domain_of(a), policy, tag_key) for a in _recipients(snapshot, answer)})
    pseudonyms = [p for p in answer.get("pseudonyms") or [] if isinstance(p, str)]
    return AuditRecord(
        time=utc_now(),
        command=COMMANDS[operation],
        verdict=str(answer.get("verdict") or "block"),
        action=str(answer.get("action") or "block"),
        finding_counts=_counts(answer),
        pseudonyms=pseudonyms,
        recipient_domains=domains,
        source=source_label(body),
    )


def summary(record: AuditRecord, answer: Mapping[str, Any]) -> str:
    """The log line's text for an answer: decision, finding kinds and counts, envelope, password kind."""
    findings = ",".join(f"{kind}:{n}" for kind, n in record.finding_counts.items()) or "-"
    password = answer.get("password") or {}
    return (
        f"op={record.command} verdict={record.verdict} action={record.action} findings={findings} "
        f"encryption={answer.get('encryption')} password={password.get('source') or '-'}"
    )
