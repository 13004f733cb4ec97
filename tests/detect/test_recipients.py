"""Recipient checks: typos, patients exposed to each other, the wrong patient, the eHealthBox."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medseal.detect.recipients import check_recipients, edit_distance_at_most_one, mask_address
from medseal.directory import parse_directory
from medseal.model import Finding, Kind, Message, Where
from medseal.policy import TYPO_REFERENCES, Policy, parse_policy

DIRECTORY = parse_directory(
    "last_name,first_name,niss,email,role\n"
    "Dupont,Marie,85073003328,marie@gmail.com,patient\n"
    "Peeters,Jan,62031415470,jan@telenet.be,patient\n"
    "Janssens,Luc,,luc@cardio-demo.be,professional\n"
)
ABOUT_MARIE = Finding(
    Kind.NISS, Where.SUBJECT, (0, 11), 0.9, "85.07.30-xxx.xx", "", patient_key="niss:85073003328"
)


def kinds(findings: list[Finding]) -> list[Kind]:
    return [f.kind for f in findings]


@pytest.mark.parametrize(
    "domain", ["gmial.com", "gmail.co", "outlok.be", "hotmial.com", "skynet.bee", "telnet.be"]
)
def test_typo_domains_are_found(domain: str) -> None:
    message = Message(to=(f"someone@{domain}",))
    assert kinds(check_recipients(message, [], None, Policy())) == [Kind.ADDRESS_TYPO]


@pytest.mark.parametrize(
    "domain", ["gmail.com", "telenet.be", "chu-liege.be", "uzleuven.be", "ehealth.fgov.be"]
)
def test_real_domains_are_not_typos(domain: str) -> None:
    assert check_recipients(Message(to=(f"someone@{domain}",)), [], None, Policy()) == []


def test_trusted_domain_is_never_a_typo() -> None:
    policy = parse_policy('[recipients]\ntrusted_domains = ["gmail.be"]\n')
    assert check_recipients(Message(to=("a@gmail.be",)), [], None, policy) == []


def test_two_patients_visible_to_each_other() -> None:
    message = Message(to=("marie@gmail.com",), cc=("jan@telenet.be",))
    found = check_recipients(message, [], DIRECTORY, Policy())
    assert kinds(found) == [Kind.PATIENTS_EXPOSED]


def test_patients_in_bcc_are_not_exposed() -> None:
    message = Message(to=("secretariat@cabinet.be",), bcc=("marie@gmail.com", "jan@telenet.be"))
    assert Kind.PATIENTS_EXPOSED not in kinds(check_recipients(message, [], DIRECTORY, Policy()))


def test_message_about_marie_sent_to_jan_is_a_mismatch() -> None:
    found = check_recipients(Message(to=("jan@telenet.be",)), [ABOUT_MARIE], DIRECTORY, Policy())
    assert Kind.RECIPIENT_MISMATCH in kinds(found)
    mismatch = next(f for f in found if f.kind is Kind.RECIPIENT_MISMATCH)
    assert mismatch.masked == "j***@telenet.be"


def test_message_about_marie_sent_to_marie_is_fine_but_needs_encryption() -> None:
    found = check_recipients(Message(to=("marie@gmail.com",)), [ABOUT_MARIE], DIRECTORY, Policy())
    assert kinds(found) == [Kind.STANDARD_MAILBOX]


def test_professional_gets_ehealthbox_finding_only_with_patient_data() -> None:
    message = Message(to=("luc@cardio-demo.be",))
    assert check_recipients(message, [], DIRECTORY, Policy()) == []
    assert kinds(check_recipients(message, [ABOUT_MARIE], DIRECTORY, Policy())) == [Kind.EHEALTHBOX_RECIPIENT]


def test_needless_cc_on_patient_data() -> None:
    message = Message(to=("marie@gmail.com",), cc=("x@cabinet.be",))
    assert Kind.TOO_MANY_RECIPIENTS in kinds(check_recipients(message, [ABOUT_MARIE], DIRECTORY, Policy()))
    assert Kind.TOO_MANY_RECIPIENTS not in kinds(check_recipients(message, [], DIRECTORY, Policy()))


@given(st.sampled_from(TYPO_REFERENCES), st.integers(0, 30), st.sampled_from("abcdefghijklmnopqrstuvwxyz"))
def test_one_substitution_is_one_edit(reference: str, position: int, letter: str) -> None:
    position %= len(reference)
    changed = reference[:position] + letter + reference[position + 1 :]
    assert edit_distance_at_most_one(reference, changed)
    assert edit_distance_at_most_one(reference, reference[:position] + reference[position + 1 :])


@given(st.text(min_size=0, max_size=12), st.text(min_size=0, max_size=12))
def test_edit_distance_is_symmetric(a: str, b: str) -> None:
    assert edit_distance_at_most_one(a, b) == edit_distance_at_most_one(b, a)


def test_transposition_counts_as_one_edit() -> None:
    assert edit_distance_at_most_one("gmail.com", "gmial.com")
    assert not edit_distance_at_most_one("gmail.com", "giaml.com")


@given(st.emails())
def test_masked_address_hides_the_local_part(address: str) -> None:
    local, _, domain = address.rpartition("@")
    assert mask_address(address) == f"{local[:1]}***@{domain}"
