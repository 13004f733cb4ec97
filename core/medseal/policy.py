"""The decision: what the practice's rules make of a message's findings.

``decide`` is the one place that says, per finding, how much it counts (``ok``, ``warn``, ``block``) and what
protect will do about it (pseudonymise the subject or a file name, drop a header field, put the content in an
envelope, correct the recipients, or nothing); the findings that block and that protect cannot fix are the
verdict's ``blockers``. Protect carries out that plan; the fronts only show it.

The rules themselves (the policy TOML file) are read by :mod:`medseal.rules`, re-exported here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from medseal.directory import Directory
from medseal.model import CONTENT_KINDS, Decision, Finding, Fix, Kind, Level, Message, Verdict, Where
from medseal.rules import (
    DEFAULT_SEVERITY,
    ENCRYPT_MODES,
    FIX_RECIPIENT_MODES,
    POLICY_FIELDS,
    STANDARD_PROVIDERS,
    TYPO_REFERENCES,
    Policy,
    domain_matches,
    domain_of,
    domain_pattern_problem,
    parse_policy,
)
from medseal.scan import ScanContext, scan_findings

__all__ = [
    "CLEAR_FIELDS",
    "DEFAULT_SEVERITY",
    "ENCRYPT_MODES",
    "FIX_RECIPIENT_MODES",
    "POLICY_FIELDS",
    "RECIPIENT_FIXES",
    "STANDARD_PROVIDERS",
    "TYPO_REFERENCES",
    "Policy",
    "assess",
    "blocker_reason",
    "decide",
    "domain_matches",
    "domain_of",
    "domain_pattern_problem",
    "finding_level",
    "needs_encryption",
    "parse_policy",
]

#: Where an identifier travels in clear whatever the envelope, unless protect rewrites or drops it.
CLEAR_FIELDS = frozenset({Where.SUBJECT, Where.ATTACHMENT_NAME, Where.HEADER})
#: Recipient findings that ``fix_recipients`` corrects (drop the misdirected, separate the patients, drop Cc).
RECIPIENT_FIXES = frozenset({Kind.RECIPIENT_MISMATCH, Kind.PATIENTS_EXPOSED, Kind.TOO_MANY_RECIPIENTS})

#: The catalogue's reason for each kind of blocker (others: ``ui.blocked``).
_REASON_FOR = {
    Kind.EHEALTHBOX_RECIPIENT: "reason.use_ehealthbox",
    Kind.ADDRESS_TYPO: "reason.check_address",
    Kind.RECIPIENT_MISMATCH: "reason.fix_recipients_needed",
    Kind.PATIENTS_EXPOSED: "reason.fix_recipients_needed",
    Kind.TOO_MANY_RECIPIENTS: "reason.fix_recipients_needed",
    Kind.UNREADABLE_ATTACHMENT: "reason.unreadable",
}


def blocker_reason(kind: Kind) -> str:
    """The catalogue key that tells the user why a blocker of ``kind`` stops the send and what to do."""
    return _REASON_FOR.get(kind, "ui.blocked")


def needs_encryption(
    message: Message, findings: Iterable[Finding], policy: Policy, directory: Directory | None = None
) -> bool:
    """Whether the content goes inside an envelope, by ``[protect] encrypt``: ``findings`` (patient data in the
    content and at least one recipient policy does not trust), ``patients`` (that, or any recipient is a
    directory patient), ``untrusted`` (any recipient policy does not trust, whatever the content)."""
    untrusted = not message.recipients or any(not policy.is_trusted(a) for a in message.recipients)
    if policy.encrypt == "untrusted" and untrusted:
        return True
    to_patient = directory is not None and any(directory.patient_by_email(a) for a in message.recipients)
    if policy.encrypt == "patients" and to_patient:
        return True
    carries_data = any(f.kind in CONTENT_KINDS for f in findings)
    return carries_data and untrusted


def finding_level(finding: Finding, encrypted: bool, policy: Policy) -> Level:
    """The level policy gives one finding. Identifiers in the body or attachments only warn when every
    recipient is trusted (no envelope needed); in the subject or a file name they always count, since the
    guidance asks for a pseudonymised subject."""
    level = policy.level_of(finding.kind)
    if finding.kind in CONTENT_KINDS and not encrypted and finding.where not in CLEAR_FIELDS:
        return min(level, Level.WARN)
    return level


def _fix(finding: Finding, encrypted: bool, fix_recipients: bool) -> Fix:
    """What protect does about ``finding``: see :class:`~medseal.model.Fix`."""
    if finding.kind in CONTENT_KINDS:
        if finding.where in (Where.SUBJECT, Where.ATTACHMENT_NAME):
            return Fix.PSEUDONYMISE
        if finding.where is Where.HEADER:
            return Fix.DROP_HEADER
        return Fix.ENVELOPE if encrypted else Fix.NONE  # every recipient trusted: it travels as it is
    if finding.kind is Kind.STANDARD_MAILBOX:
        return Fix.ENVELOPE  # only raised on patient data to an untrusted mailbox: the envelope is its remedy
    if finding.kind in RECIPIENT_FIXES and fix_recipients:
        return Fix.FIX_RECIPIENTS
    return Fix.NONE


def decide(
    findings: Sequence[Finding],
    message: Message,
    policy: Policy,
    *,
    directory: Directory | None = None,
    fix_recipients: bool = False,
) -> Verdict:
    """The verdict on ``message``: per finding its level and its fix, the worst level, and the blockers.

    ``fix_recipients`` is the user's consent to let protect correct the recipients; without it a blocking
    recipient finding is a blocker."""
    encrypted = needs_encryption(message, findings, policy, directory)
    decisions = tuple(
        Decision(finding, finding_level(finding, encrypted, policy), _fix(finding, encrypted, fix_recipients))
        for finding in findings
    )
    level = max((d.level for d in decisions), default=Level.OK)
    reasons = dict.fromkeys(d.finding.kind.value for d in decisions if d.level is Level.BLOCK)
    blockers = dict.fromkeys(d.finding.kind for d in decisions if d.blocks)
    return Verdict(
        level=level,
        findings=tuple(findings),
        reasons=tuple(reasons),
        needs_encryption=encrypted,
        decisions=decisions,
        blockers=tuple(blockers),
    )


def assess(message: Message, context: ScanContext | None = None, *, fix_recipients: bool = False) -> Verdict:
    """Scan ``message`` (every detector) and decide: the verdict a send of it would get."""
    context = context or ScanContext()
    findings = scan_findings(message, context)
    return decide(findings, message, context.policy, directory=context.directory, fix_recipients=fix_recipients)
