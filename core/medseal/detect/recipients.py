"""Recipient checks: the right person, not too many, not a patient's neighbour, not a mistyped domain.

Misdirected mail is a data breach (fiche 8, note 1), so some checks run on every message (address typos,
patients exposed to each other) and the others only once the content identifies a patient.
"""

from __future__ import annotations

from collections.abc import Sequence

from medseal.directory import Directory
from medseal.model import IDENTIFIER_KINDS, Finding, Kind, Message, Where
from medseal.rules import STANDARD_PROVIDERS, TYPO_REFERENCES, Policy, domain_of


def mask_address(address: str) -> str:
    """``marie.dupont@gmail.com`` -> ``m***@gmail.com``: the local part may hold a name."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def edit_distance_at_most_one(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by at most one insertion, deletion, substitution or transposition."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diffs) == 1:
            return True
        return (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and a[diffs[0]] == b[diffs[1]]
            and a[diffs[1]] == b[diffs[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]


def _typo_of(domain: str, policy: Policy) -> str | None:
    known = (
        set(TYPO_REFERENCES) | {p for p in STANDARD_PROVIDERS if "*" not in p} | set(policy.trusted_domains)
    )
    if domain in known or policy.is_trusted("x@" + domain) or policy.is_standard_provider("x@" + domain):
        return None
    for reference in TYPO_REFERENCES:
        if edit_distance_at_most_one(domain, reference):
            return reference
    return None


def _finding(kind: Kind, masked: str, detail: str, confidence: float = 0.9) -> Finding:
    return Finding(
        kind=kind, where=Where.RECIPIENTS, span=None, confidence=confidence, masked=masked, detail=detail
    )


def check_recipients(
    message: Message,
    content_findings: Sequence[Finding],
    directory: Directory | None,
    policy: Policy,
) -> list[Finding]:
    """Recipient findings for ``message`` given what the content revealed."""
    findings: list[Finding] = []
    directory = directory or Directory()
    has_patient_data = any(f.kind in IDENTIFIER_KINDS for f in content_findings)
    about = {f.patient_key for f in content_findings if f.patient_key}

    for address in message.recipients:
        reference = _typo_of(domain_of(address), policy)
        if reference:
            findings.append(
                _finding(
                    Kind.ADDRESS_TYPO, mask_address(address), f"domain is one edit away from {reference}"
                )
            )

    visible_patients = {
        person.patient_key: address
        for address in message.visible_recipients
        if (person := directory.patient_by_email(address)) is not None
    }
    if len(visible_patients) >= 2:
        findings.append(
            _finding(
                Kind.PATIENTS_EXPOSED,
                f"{len(visible_patients)} patients",
                "several directory patients in To/Cc would see each other's addresses",
                0.99,
            )
        )

    if about:
        for address in message.recipients:
            person = directory.patient_by_email(address)
            if person is not None and person.patient_key not in about:
                findings.append(
                    _finding(
                        Kind.RECIPIENT_MISMATCH,
                        mask_address(address),
                        "the message is about another directory patient than this recipient",
                        0.95,
                    )
                )

    if not has_patient_data:
        return findings

    for address in message.recipients:
        person = directory.by_email(address)
        if (person is not None and person.role == "professional") or policy.is_professional(address):
            findings.append(
                _finding(
                    Kind.EHEALTHBOX_RECIPIENT,
                    mask_address(address),
                    "health professional: patient data goes through the eHealthBox",
                )
            )
        elif policy.is_standard_provider(address) and not policy.is_trusted(address):
            findings.append(
                _finding(
                    Kind.STANDARD_MAILBOX,
                    mask_address(address),
                    "standard mailbox: encryption required",
                    0.99,
                )
            )

    if len(message.to) > policy.max_to or len(message.cc) > policy.max_cc:
        findings.append(
            _finding(
                Kind.TOO_MANY_RECIPIENTS,
                f"{len(message.to)} To, {len(message.cc)} Cc",
                f"policy allows {policy.max_to} To and {policy.max_cc} Cc on a message with patient data",
            )
        )
    return findings
