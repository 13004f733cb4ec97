"""policy.decide: per finding a level and a fix, and the blockers protect cannot fix."""

from __future__ import annotations

from medseal.model import Finding, Fix, Kind, Level, Message, Where
from medseal.policy import assess, decide, parse_policy
from medseal.scan import ScanContext

NISS = "85.07.30-033.28"


def _finding(kind: Kind, where: Where) -> Finding:
    return Finding(kind=kind, where=where, span=None, confidence=1.0, masked="x", detail="d")


def test_an_identifier_in_the_body_to_an_untrusted_mailbox_goes_in_an_envelope() -> None:
    verdict = assess(Message(text_body=f"NISS {NISS}", to=("x@gmail.com",)))
    assert verdict.needs_encryption and verdict.level is Level.BLOCK
    body = [d for d in verdict.decisions if d.finding.where is Where.BODY]
    assert body and all(d.fix is Fix.ENVELOPE and d.level is Level.BLOCK for d in body)
    assert verdict.blockers == ()


def test_a_trusted_mailbox_gets_the_body_as_is_but_the_subject_pseudonymised() -> None:
    context = ScanContext(policy=parse_policy('[recipients]\ntrusted_domains = ["chu.be"]'))
    verdict = assess(Message(subject=f"NISS {NISS}", text_body=f"NISS {NISS}", to=("dr@chu.be",)), context)
    fixes = {(d.finding.where, d.fix, d.level) for d in verdict.decisions}
    assert (Where.BODY, Fix.NONE, Level.WARN) in fixes
    assert (Where.SUBJECT, Fix.PSEUDONYMISE, Level.BLOCK) in fixes
    assert not verdict.needs_encryption and verdict.blockers == ()


def test_recipient_findings_block_unless_the_user_lets_protect_fix_them() -> None:
    findings = [_finding(Kind.PATIENTS_EXPOSED, Where.RECIPIENTS), _finding(Kind.ADDRESS_TYPO, Where.RECIPIENTS)]
    message = Message(to=("a@x.be", "b@x.be"))
    policy = parse_policy("")
    refused = decide(findings, message, policy)
    assert refused.blockers == (Kind.PATIENTS_EXPOSED, Kind.ADDRESS_TYPO)
    fixed = decide(findings, message, policy, fix_recipients=True)
    assert fixed.blockers == (Kind.ADDRESS_TYPO,)
    assert fixed.fixes(Fix.FIX_RECIPIENTS) and not refused.fixes(Fix.FIX_RECIPIENTS)
    assert fixed.reasons == ("patients_exposed", "address_typo")


def test_a_header_identifier_is_dropped_and_the_level_follows_the_severity_table() -> None:
    policy = parse_policy('[severity]\nniss = "warn"')
    verdict = decide([_finding(Kind.NISS, Where.HEADER)], Message(to=("x@gmail.com",)), policy)
    assert [(d.level, d.fix) for d in verdict.decisions] == [(Level.WARN, Fix.DROP_HEADER)]
    assert verdict.level is Level.WARN and verdict.reasons == ()
