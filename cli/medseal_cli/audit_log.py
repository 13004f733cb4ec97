"""Append the CLI's decisions to the hash-chained audit log: counts, pseudonyms and domains only."""

from __future__ import annotations

from collections import Counter

from medseal.audit import AuditRecord, append_to_file, utc_now
from medseal.crypto.pseudonym import pseudonym
from medseal.model import Verdict
from medseal.policy import domain_of
from medseal.protect import ProtectResult
from medseal.scan import ScanContext


def _counts(verdict: Verdict) -> dict[str, int]:
    return dict(Counter(f.kind.value for f in verdict.findings))


def audit_scan(path: str, verdict: Verdict, context: ScanContext, key: bytes | None = None) -> None:
    """A scan has no recipients to protect; pseudonyms only when the practice key is at hand."""
    del context
    keys = dict.fromkeys(f.patient_key for f in verdict.findings if f.patient_key)
    record = AuditRecord(
        time=utc_now(),
        command="scan",
        verdict=verdict.label,
        action="report",
        finding_counts=_counts(verdict),
        pseudonyms=[pseudonym(key, k) for k in keys] if key else [],
    )
    append_to_file(path, record)


def audit_protect(path: str, command: str, result: ProtectResult, override: bool = False) -> None:
    domains = sorted({domain_of(a) for o in result.outgoing for a in o.message.recipients if "@" in a})
    record = AuditRecord(
        time=utc_now(),
        command=command,
        verdict=result.verdict.label,
        action=result.action.value,
        finding_counts=_counts(result.verdict),
        pseudonyms=list(result.pseudonyms),
        recipient_domains=domains,
        override=override,
    )
    append_to_file(path, record)
