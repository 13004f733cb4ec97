"""The practice policy: safe defaults, and errors that name the key and its line."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medseal.errors import PolicyError
from medseal.model import Kind, Level
from medseal.policy import DEFAULT_SEVERITY, Policy, parse_policy


def test_empty_policy_is_the_safe_default() -> None:
    policy = parse_policy("")
    assert policy == Policy()
    assert policy.level_of(Kind.NISS) is Level.BLOCK
    assert policy.max_to == 1 and policy.max_cc == 0
    assert not policy.is_trusted("someone@any-hospital.be"), "no domain is trusted unless the policy says so"


@pytest.mark.parametrize(
    "address", ["a@gmail.com", "b@hotmail.fr", "c@hotmail.be", "d@skynet.be", "e@telenet.be", "f@yahoo.co.uk"]
)
def test_standard_providers(address: str) -> None:
    assert Policy().is_standard_provider(address)


def test_trusted_and_professional_domains_include_subdomains() -> None:
    policy = parse_policy(
        '[recipients]\ntrusted_domains = ["chu-demo.be"]\nehealthbox_domains = ["cardio.be"]\n'
    )
    assert policy.is_trusted("x@chu-demo.be") and policy.is_trusted("x@mail.chu-demo.be")
    assert not policy.is_trusted("x@notchu-demo.be")
    assert policy.is_professional("dr@cardio.be")


def test_severity_override() -> None:
    policy = parse_policy('[severity]\nstandard_mailbox = "block"\nbirth_date = "ok"\n')
    assert policy.level_of(Kind.STANDARD_MAILBOX) is Level.BLOCK
    assert policy.level_of(Kind.BIRTH_DATE) is Level.OK
    assert policy.level_of(Kind.NISS) is DEFAULT_SEVERITY[Kind.NISS]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[recipients]\n\nmax_tx = 3\n", "line 3: recipients.max_tx: unknown key"),
        ('[recipients]\nmax_to = "two"\n', "line 2: recipients.max_to: must be a whole number"),
        ('[severity]\nniss = "maybe"\n', "line 2: severity.niss: must be one of ok, warn, block"),
        ('[severity]\nsomething = "warn"\n', "severity.something: unknown finding kind"),
        ("[nonsense]\nx = 1\n", "nonsense: unknown section"),
        ('[protect]\nfix_recipients = "spam"\n', "protect.fix_recipients: must be one of bcc, split"),
        ("[recipients\n", "policy.toml"),
    ],
    ids=["unknown-key", "wrong-type", "bad-level", "bad-kind", "bad-section", "bad-mode", "bad-toml"],
)
def test_invalid_policy_names_key_and_line(text: str, expected: str) -> None:
    with pytest.raises(PolicyError) as error:
        parse_policy(text, "policy.toml")
    assert expected in str(error.value)
    assert str(error.value).startswith("policy.toml")


@given(st.text(max_size=200))
def test_parse_policy_never_raises_anything_but_policy_error(text: str) -> None:
    with contextlib.suppress(PolicyError):
        parse_policy(text)


@pytest.mark.parametrize("mode", ["findings", "patients", "untrusted"])
def test_protect_encrypt_modes(mode: str) -> None:
    assert parse_policy(f'[protect]\nencrypt = "{mode}"\n').encrypt == mode
    assert parse_policy("").encrypt == "findings"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[protect]\nlanguage = "fr"\nencrypt = "always"\n',
            "line 3: protect.encrypt: must be one of findings, patients, untrusted",
        ),
        ("[protect]\nencrypt = true\n", "line 2: protect.encrypt: must be a string"),
    ],
    ids=["unknown-mode", "not-a-string"],
)
def test_protect_encrypt_errors_name_key_and_line(text: str, expected: str) -> None:
    with pytest.raises(PolicyError) as error:
        parse_policy(text, "policy.toml")
    assert expected in str(error.value)
