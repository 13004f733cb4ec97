"""Pseudonyms: deterministic under one key, unlinkable across keys, robust to how the identity is written."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from strategies import niss_numbers

from medseal.crypto.pseudonym import (
    CROCKFORD,
    PSEUDONYM_RE,
    canonical_pseudonym,
    crockford_decode,
    crockford_encode,
    normalise_identity,
    pseudonym,
    reveal,
    reveal_all,
)
from medseal.errors import InputError

keys = st.binary(min_size=32, max_size=32)
names = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéèëçö -", min_size=1, max_size=20).filter(
    lambda s: s.strip(" -") != "" and s.strip() != ""
)


def identities() -> st.SearchStrategy[str]:
    by_name = st.builds(lambda last, first: f"name:{last}|{first}", names, names)
    return st.one_of(niss_numbers().map(lambda n: f"niss:{n}"), by_name)


@given(keys, identities())
def test_same_key_same_patient_same_pseudonym(key: bytes, identity: str) -> None:
    first = pseudonym(key, identity)
    assert first == pseudonym(key, identity)
    assert PSEUDONYM_RE.fullmatch(first)
    assert first.startswith("P-") and len(first) == 11


@given(keys, keys, identities())
def test_other_practice_other_pseudonym(key: bytes, other: bytes, identity: str) -> None:
    assume(key != other)
    assert pseudonym(key, identity) != pseudonym(other, identity)  # fails with probability 2^-40


@given(keys, st.lists(niss_numbers(), min_size=2, max_size=30, unique=True))
@settings(max_examples=40)
def test_different_patients_get_different_pseudonyms(key: bytes, numbers: list[str]) -> None:
    refs = {pseudonym(key, f"niss:{n}") for n in numbers}
    assert len(refs) == len(numbers)


def test_pseudonym_hides_the_number() -> None:
    key = bytes(range(32))
    ref = pseudonym(key, "niss:85073003328")
    assert "8507" not in ref and "3328" not in ref


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("niss:85.07.30-033.28", "niss:85073003328"),
        (" NISS : 85073003328 ", "niss:85073003328"),
        ("name:Dupont|Marie", "name:dupont|marie"),
        ("name: Van  Den Berg |Marie-José", "name:van den berg|marie-jose"),
    ],
    ids=["niss-formatted", "niss-spaced", "name-case", "name-spacing-accents"],
)
def test_identity_normalisation(written: str, canonical: str) -> None:
    assert normalise_identity(written) == canonical
    assert normalise_identity(canonical) == canonical
    key = bytes(32)
    assert pseudonym(key, written) == pseudonym(key, canonical)


@pytest.mark.parametrize("bad", ["85073003328", "niss:123", "name:dupont", "name:|marie", "email:x@y", ""])
def test_not_an_identity(bad: str) -> None:
    with pytest.raises(InputError) as caught:
        pseudonym(bytes(32), bad)
    assert "85073003328" not in str(caught.value)


def test_short_keys_are_refused() -> None:
    with pytest.raises(ValueError):
        pseudonym(b"short", "niss:85073003328")


@given(keys, st.lists(identities(), min_size=1, max_size=15), st.data())
@settings(max_examples=40)
def test_reveal_finds_the_patient_back(key: bytes, people: list[str], data: st.DataObject) -> None:
    target = data.draw(st.sampled_from(people))
    ref = pseudonym(key, target)
    found = reveal(key, ref, people)
    assert found is not None and pseudonym(key, found) == ref
    assert target in reveal_all(key, ref.lower(), people)
    other_practice = bytes(b ^ 0xFF for b in key)
    assert reveal(other_practice, ref, [target]) is None  # fails with probability 2^-40


def test_reveal_skips_malformed_candidates_and_misses() -> None:
    key = bytes(range(32))
    ref = pseudonym(key, "niss:85073003328")
    assert reveal(key, ref, ["garbage", "name:dupont|marie", "niss:85073003328"]) == "niss:85073003328"
    assert reveal(key, ref, ["name:dupont|marie"]) is None
    assert reveal_all(key, ref, []) == []


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("p-7f3k-2xqm", "P-7F3K-2XQM"),
        ("P7F3K2XQM", "P-7F3K-2XQM"),
        ("P-7F3K-2XQO", "P-7F3K-2XQ0"),
        ("P-IL00-0000", "P-1100-0000"),
    ],
)
def test_canonical_pseudonym(typed: str, expected: str) -> None:
    assert canonical_pseudonym(typed) == expected


@pytest.mark.parametrize("bad", ["P-7F3K", "X-7F3K-2XQM", "P-7F3K-2XQU", "P-7F3K-2XQM-1", ""])
def test_not_a_pseudonym(bad: str) -> None:
    with pytest.raises(InputError):
        canonical_pseudonym(bad)


def test_regex_finds_pseudonyms_in_a_subject() -> None:
    subject = "Résultats de laboratoire – réf. P-7F3K-2XQM"
    assert [m.group() for m in PSEUDONYM_RE.finditer(subject)] == ["P-7F3K-2XQM"]
    assert not PSEUDONYM_RE.search("P-7F3K-2XQU") and not PSEUDONYM_RE.search("AP-7F3K-2XQM")


@given(st.binary(max_size=64))
def test_crockford_round_trip(data: bytes) -> None:
    text = crockford_encode(data)
    assert set(text) <= set(CROCKFORD)
    assert crockford_decode(text) == data
    assert crockford_decode(text.lower().replace("1", "l").replace("0", "o")) == data
