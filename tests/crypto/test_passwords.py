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
