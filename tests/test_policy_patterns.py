"""Trusted and eHealthBox patterns that would cover private mailboxes are refused, with the reason."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medseal.errors import PolicyError
from medseal.policy import STANDARD_PROVIDERS, domain_pattern_problem, parse_policy

PROVIDERS = [p.replace("*", "com") for p in STANDARD_PROVIDERS]


@pytest.mark.parametrize("key", ["trusted_domains", "ehealthbox_domains"])
@pytest.mark.parametrize(
    ("pattern", "why"),
    [("*", "every domain"), ("*.*", "every domain"), ("be", "top-level"), ("*.be", "top-level"), ("com", "top-level"),
     ("gmail.com", "gmail.com"), ("skynet.be", "skynet.be"), ("telenet.be", "telenet.be"),
     ("outlook.com", "outlook.com"), ("hotmail.*", "hotmail"), ("*mail.com", "standard mailbox provider")],
)
def test_too_wide_patterns_are_refused_with_why(key: str, pattern: str, why: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(f'[recipients]\n{key} = ["chu-exemple.be", "{pattern}"]\n', "policy.toml")
    message = str(caught.value)
    assert f"recipients.{key}" in message and "line 2" in message and why in message


@given(st.sampled_from(PROVIDERS), st.sampled_from(["{}", "*.{}", "{}*", "*{}"]))
def test_any_pattern_covering_a_standard_provider_is_refused(provider: str, shape: str) -> None:
    assert domain_pattern_problem(shape.format(provider)) is not None


@pytest.mark.parametrize("pattern", ["chu-exemple.be", "cabinet-demo.be", "skynet-hopital.be", "*.chu-liege.be"])
def test_practice_domains_pass(pattern: str) -> None:
    assert domain_pattern_problem(pattern) is None
    assert parse_policy(f'[recipients]\ntrusted_domains = ["{pattern}"]\n').trusted_domains == (pattern,)
