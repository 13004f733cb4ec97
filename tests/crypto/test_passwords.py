"""Envelope passwords: 80 bits by construction, from an alphabet without look-alikes."""

from __future__ import annotations

import math
import re
from collections import Counter

from medseal.crypto.backend import DeterministicBackend, default_backend, use_backend
from medseal.crypto.passwords import ALPHABET, ENTROPY_BITS, generate_password

SHAPE = re.compile(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}")


def test_alphabet_is_32_unambiguous_symbols() -> None:
    assert len(ALPHABET) == len(set(ALPHABET)) == 32
    assert not set(ALPHABET) & set("01lIoO")
    assert ALPHABET.lower() == ALPHABET and ALPHABET.isalnum()


def test_entropy_is_at_least_80_bits() -> None:
    symbols = sum(c != "-" for c in generate_password())
    assert ENTROPY_BITS == symbols * math.log2(len(ALPHABET)) >= 80


def test_shape_and_freshness() -> None:
    passwords = [generate_password() for _ in range(200)]
    assert all(SHAPE.fullmatch(p) for p in passwords)
    assert len(set(passwords)) == 200


def test_every_symbol_is_used_evenly() -> None:
    with use_backend(DeterministicBackend(default_backend(), b"even")):
        counts = Counter(c for _ in range(2000) for c in generate_password() if c != "-")
    assert set(counts) == set(ALPHABET)
    expected = 2000 * 16 / 32
    assert all(abs(n - expected) < 0.2 * expected for n in counts.values())  # no modulo bias


def test_all_bits_of_the_draw_reach_the_password() -> None:
    class Fixed(DeterministicBackend):
        def __init__(self, value: bytes) -> None:
            super().__init__(default_backend(), b"")
            self.value = value

        def random_bytes(self, n: int) -> bytes:
            return self.value[:n]

    seen = set()
    for bit in range(80):
        value = (1 << bit).to_bytes(10, "big")
        with use_backend(Fixed(value)):
            seen.add(generate_password())
    with use_backend(Fixed(bytes(10))):
        seen.add(generate_password())
    assert len(seen) == 81


# --- access-code strength ------------------------------------------------------------------------------------

import datetime  # noqa: E402

import pytest  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from medseal.crypto.passwords import (  # noqa: E402
    FLOOR_BITS,
    assess_access_code,
    date_forms,
    generate_access_code,
)

_DAYS = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2030, 12, 31))
_SEPS = st.sampled_from(["", ".", "-", "/", " "])
_WORDS = st.sampled_from(
    ["soleil", "bonjour", "motdepasse", "wachtwoord", "passwort", "password", "welkom", "chocolat", "amour",
     "liefde", "bruxelles", "brussel", "football", "princesse", "qwerty", "azerty", "dragon", "monkey",
     "sunshine", "hallo", "schatz", "marie", "julien"]
)
_ROW = st.sampled_from(["azertyuiop", "qsdfghjklm", "wxcvbn", "qwertzuiop", "asdfghjkl", "1234567890",
                        "&é\"'(§è!çà"])


@st.composite
def _dates(draw: st.DrawFn) -> str:
    day = draw(_DAYS)
    sep = draw(_SEPS)
    d, m, y = f"{day.day:02d}", f"{day.month:02d}", f"{day.year:04d}"
    order = draw(st.sampled_from([(d, m, y), (y, m, d), (d, m, y[2:]), (m, d, y), (y[2:], m, d)]))
    return sep.join(order)


@st.composite
def _walks(draw: st.DrawFn) -> str:
    row = draw(_ROW)
    start = draw(st.integers(0, len(row) - 4))
    text = row[start : start + draw(st.integers(4, len(row) - start))]
    return text[::-1] if draw(st.booleans()) else text


@st.composite
def _dictionary(draw: st.DrawFn) -> str:
    word = draw(_WORDS)
    word = word.capitalize() if draw(st.booleans()) else word
    suffix = draw(st.one_of(st.just(""), st.integers(0, 9999).map(str), st.sampled_from(["!", "?", "123"]),
                            _dates()))
    return word + suffix


_PINS = st.text("0123456789", min_size=1, max_size=12)
_WEAK = st.one_of(_dates(), _PINS, _walks(), _dictionary(), st.tuples(_walks(), _dates()).map("".join),
                  st.tuples(_dictionary(), _walks()).map("".join))


@given(_WEAK)
def test_codes_from_the_weak_families_are_all_refused(code: str) -> None:
    strength = assess_access_code(code)
    assert not strength.acceptable, (code, strength)
    assert strength.bits < FLOOR_BITS
    assert strength.reason.startswith("access_code.weak.")


@given(st.builds(lambda _: generate_access_code(), st.integers()))
def test_every_generated_code_is_accepted(code: str) -> None:
    strength = assess_access_code(code, ["Marie", "Dupont", *date_forms(datetime.date(1985, 7, 30))])
    assert strength.acceptable and strength.bits >= FLOOR_BITS
    assert strength.reason == "access_code.ok"


@given(_DAYS, st.sampled_from(["Marie", "Jean-Luc", "Vandenbroucke", "Dupont"]))
def test_the_patients_own_data_is_refused_even_when_long(day: datetime.date, name: str) -> None:
    personal = [name, "Dupont", *date_forms(day)]
    for code in (name + date_forms(day)[0], f"{name}-Dupont-{date_forms(day)[2]}", date_forms(day)[1] + name):
        strength = assess_access_code(code, personal)
        assert not strength.acceptable, code


@pytest.mark.parametrize(
    ("code", "reason"),
    [("", "empty"), ("1", "short"), ("1234", "keyboard"), ("password", "dictionary"), ("30.07.1985", "date"),
     ("1985-07-30", "date"), ("300785", "date"), ("qsdfghjklm", "keyboard"), ("583920174", "pin"),
     ("soleil", "dictionary")],
)
def test_reasons_name_the_weakness_never_the_code(code: str, reason: str) -> None:
    strength = assess_access_code(code)
    assert strength.reason == f"access_code.weak.{reason}"
    assert not code or code not in strength.reason


def test_birth_date_of_the_patient_is_personal() -> None:
    strength = assess_access_code("30071985", date_forms(datetime.date(1985, 7, 30)))
    assert strength.reason == "access_code.weak.personal" and not strength.acceptable


@pytest.mark.parametrize("code", ["Vlinder!Kast9#Regen", "correct horse battery staple", "kq7m-3xtp-9wfa"])
def test_strong_codes_pass(code: str) -> None:
    assert assess_access_code(code).acceptable


def test_a_pin_needs_many_digits() -> None:
    assert not assess_access_code("582039174658").acceptable  # 12 random digits: under 40 bits
    assert assess_access_code("58203917465839271640").acceptable
