"""Envelope passwords a patient can read aloud or type from an SMS, with 80 bits of entropy by construction.

A password is 16 symbols drawn uniformly from a 32-symbol alphabet (5 bits each, 80 bits in all), written
as four groups of four joined by hyphens: ``kq7m-3xtp-9wfa-c4rh``. The hyphens are part of the password.
The alphabet is lower case only and leaves out what is easily confused when read, heard or typed:
``0``/``o``, ``1``/``l`` (and so both of each pair). Each symbol takes exactly 5 bits of one random draw,
so there is no modulo bias.
"""

from __future__ import annotations

import math

from medseal.crypto.backend import get_backend

#: 8 digits and 24 letters: no 0, 1, l or o.
ALPHABET = "23456789abcdefghijkmnpqrstuvwxyz"
GROUPS = 4
GROUP_SIZE = 4
SYMBOLS = GROUPS * GROUP_SIZE
#: Entropy of one generated password, in bits.
ENTROPY_BITS = SYMBOLS * math.log2(len(ALPHABET))


def generate_password() -> str:
    """A fresh password, e.g. ``kq7m-3xtp-9wfa-c4rh``."""
    bits = SYMBOLS * 5
    value = int.from_bytes(get_backend().random_bytes(bits // 8), "big")
    symbols = [ALPHABET[(value >> (5 * i)) & 31] for i in range(SYMBOLS)]
    return "-".join("".join(symbols[i : i + GROUP_SIZE]) for i in range(0, SYMBOLS, GROUP_SIZE))
