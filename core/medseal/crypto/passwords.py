"""Envelope passwords a patient can read aloud or type from an SMS, with 80 bits of entropy by construction;
and the strength check of the access codes agreed with patients.

A password is 16 symbols drawn uniformly from a 32-symbol alphabet (5 bits each, 80 bits in all), written
as four groups of four joined by hyphens: ``kq7m-3xtp-9wfa-c4rh``. The hyphens are part of the password.
The alphabet is lower case only and leaves out what is easily confused when read, heard or typed:
``0``/``o``, ``1``/``l`` (and so both of each pair). Each symbol takes exactly 5 bits of one random draw,
so there is no modulo bias.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from medseal.crypto.backend import get_backend
from medseal.text import fold

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


# --- Access codes: how many guesses an attacker holding the envelope needs -----------------------------------

#: The floor, in bits (log2 of the guesses an attacker needs, on average over the attacker's best order).
#:
#: An intercepted envelope is attacked offline: every guess costs one run of the PDF 2.0 password check
#: (ISO 32000-2 algorithm 2.B: SHA-256, then at least 64 rounds of AES-128-CBC over 64 copies of
#: password + hash, each followed by SHA-256/384/512). Measured with ``bench/pdf_guess_rate.py`` on the
#: project's 2-core machine (load ~1.5): 1,058 guesses per second per core in a tight loop over
#: ``cryptography``'s AES and hashlib, 181 through pypdf's ``decrypt``. 2**40 guesses at 1,000/s is ~35
#: core-years; a GPU rig a hundred times faster (not measured here) still needs ~4 months per code, which
#: makes one patient's code not worth cracking for one message, whereas 20 bits (a birth date) fall in minutes.
FLOOR_BITS = 40.0

_LOG2_10 = math.log2(10)
#: Cost, in bits, of the attacker's choice of one recognised piece (which date, which keyboard run...).
_DATE_BITS = math.log2(120 * 366 * 6)  # a day in 120 years, written in one of six orders
_WALK_BITS = 7.0  # a start key, a direction and a length on a handful of keyboard rows
_PERSONAL_BITS = 4.0  # one of the patient's own name parts or date forms
_SEPARATORS = " ./-_"
_DIGIT_RUN = re.compile(r"\d(?:[ ./_-]?\d)*")
#: Keyboard rows of Belgian AZERTY, German QWERTZ and QWERTY (zxcvbn itself knows only QWERTY/Dvorak).
_ROWS = tuple(fold(row) for row in (
    "&é\"'(§è!çà)-", "1234567890°_", "azertyuiop^$", "qsdfghjklmùµ", "<wxcvbn,;:=",
    "qwertzuiopü+", "asdfghjklöä#", "yxcvbnm,.-", "qwertyuiop[]", "asdfghjkl;'", "zxcvbnm,./",
    "azertyuiop", "qwertyuiop",
))  # folded like the codes they are compared with


@dataclass(frozen=True)
class CodeStrength:
    """How well an access code resists an offline attacker.

    ``bits`` is log2 of the guesses needed; ``acceptable`` is ``bits >= FLOOR_BITS``; ``reason`` is a
    catalogue key (``access_code.ok``, ``access_code.weak.date``...) and never contains the code.
    """

    bits: float
    acceptable: bool
    reason: str


@dataclass(frozen=True)
class _Piece:
    start: int
    end: int
    kind: str
    bits: float


def date_forms(date: datetime.date) -> tuple[str, ...]:
    """The ways a birth date is typed as a code: ``30071985``, ``300785``, ``19850730``, ``3007``..."""
    d, m, y, yy = f"{date.day:02d}", f"{date.month:02d}", f"{date.year:04d}", f"{date.year % 100:02d}"
    return (d + m + y, d + m + yy, y + m + d, yy + m + d, m + d + y, m + d + yy, d + m, y)


def _is_date(digits: str) -> bool:
    """Whether ``digits`` (4, 6 or 8 of them) read as a calendar date in some common order."""
    orders: tuple[tuple[slice, slice, slice], ...]
    if len(digits) == 8:
        orders = ((slice(4, 8), slice(2, 4), slice(0, 2)), (slice(0, 4), slice(4, 6), slice(6, 8)),
                  (slice(4, 8), slice(0, 2), slice(2, 4)))
    elif len(digits) == 6:
        orders = ((slice(4, 6), slice(2, 4), slice(0, 2)), (slice(0, 2), slice(2, 4), slice(4, 6)),
                  (slice(4, 6), slice(0, 2), slice(2, 4)))
    elif len(digits) == 4:  # DDMM, MMDD or a year
        return (1900 <= int(digits) <= 2100) or _valid(2000, digits[2:], digits[:2]) or _valid(
            2000, digits[:2], digits[2:]
        )
    else:
        return False
    for year, month, day in orders:
        y = int(digits[year])
        if len(digits) == 6:
            y += 1900 if y > 30 else 2000
        if _valid(y, digits[month], digits[day]):
            return True
    return False


def _valid(year: int, month: str, day: str) -> bool:
    try:
        datetime.date(year, int(month), int(day))
    except ValueError:
        return False
    return True


def _digit_pieces(code: str) -> list[_Piece]:
    """Digit runs cut the attacker's cheapest way: dates (any order), runs along the digit row, single digits.

    A digit run may hold separators (``30.07.1985``); its cheapest cut is found by dynamic programming, so
    ``1001013456`` is a date (``100101``) and a run (``3456``), not ten random digits.
    """
    pieces: list[_Piece] = []
    for match in _DIGIT_RUN.finditer(code):
        where = [match.start() + i for i, c in enumerate(match.group()) if c.isdigit()]
        digits = "".join(code[i] for i in where)
        best: list[tuple[float, list[_Piece]]] = [(0.0, [])]
        for end in range(1, len(digits) + 1):
            options = []
            for start in range(max(0, end - 10), end):
                chunk = digits[start:end]
                if len(chunk) in (4, 6, 8) and _is_date(chunk):
                    kind, bits = "date", _DATE_BITS
                elif len(chunk) >= 3 and (chunk in "01234567890" or chunk in "09876543210"):
                    kind, bits = "keyboard", _WALK_BITS
                elif len(chunk) == 1:
                    kind, bits = "pin", _LOG2_10
                else:
                    continue
                piece = _Piece(where[start], where[end - 1] + 1, kind, bits)
                options.append((best[start][0] + bits, [*best[start][1], piece]))
            best.append(min(options, key=lambda o: o[0]))
        merged: list[_Piece] = []
        for piece in best[-1][1]:  # neighbouring single digits form one PIN piece
            if merged and piece.kind == "pin" == merged[-1].kind:
                last = merged.pop()
                piece = _Piece(last.start, piece.end, "pin", last.bits + piece.bits)
            merged.append(piece)
        pieces.extend(merged)  # a lone digit too: left in the residue, it would split its words
    return pieces


def _walk_pieces(folded: str) -> list[_Piece]:
    """Runs of three or more neighbouring keys on one keyboard row, either way."""
    pieces = []
    i = 0
    while i < len(folded) - 2:
        best = 0
        for row in _ROWS:
            for line in (row, row[::-1]):
                n = 0
                while i + n < len(folded) and folded[i : i + n + 1] in line:
                    n += 1
                best = max(best, n)
        if best >= 3:
            pieces.append(_Piece(i, i + best, "keyboard", _WALK_BITS))
            i += best
        else:
            i += 1
    return pieces


def _personal_pieces(folded: str, personal: Sequence[str]) -> list[_Piece]:
    pieces = []
    tokens = {fold(p).strip() for p in personal}
    tokens |= {t.replace(" ", "").replace("-", "") for t in tokens}
    for token in sorted((t for t in tokens if len(t) >= 3), key=len, reverse=True):
        for found in re.finditer(re.escape(token), folded):
            pieces.append(_Piece(found.start(), found.end(), "personal", _PERSONAL_BITS))
    return pieces


def _non_overlapping(pieces: list[_Piece]) -> list[_Piece]:
    """Longest pieces first (the patient's own data before generic patterns at equal length)."""
    order = {"personal": 0, "date": 1, "keyboard": 2, "pin": 3}
    chosen: list[_Piece] = []
    for piece in sorted(pieces, key=lambda p: (-(p.end - p.start), order[p.kind])):
        if all(piece.end <= c.start or piece.start >= c.end for c in chosen):
            chosen.append(piece)
    return sorted(chosen, key=lambda p: p.start)


def _zxcvbn_bits(code: str, inputs: Sequence[str]) -> tuple[float, list[str]]:
    from zxcvbn import zxcvbn  # lazily: its dictionaries take a moment to load

    result = zxcvbn(code[:100], user_inputs=list(inputs))
    patterns = [
        "personal" if m.get("dictionary_name") == "user_inputs" else str(m["pattern"]) for m in result["sequence"]
    ]
    return math.log2(max(float(result["guesses"]), 1.0)), patterns


_ZXCVBN_REASONS = {"personal": "personal", "dictionary": "dictionary", "spatial": "keyboard", "date": "date",
                   "repeat": "pattern", "sequence": "pattern", "regex": "pattern"}


def assess_access_code(code: str, personal: Sequence[str] = ()) -> CodeStrength:
    """How many guesses ``code`` resists, and whether that clears :data:`FLOOR_BITS`.

    ``personal`` holds what an attacker who knows the patient tries first: name parts and birth-date forms
    (:func:`date_forms`). The estimate is the lower of zxcvbn's (dictionaries of common passwords, names and
    words, l33t, repeats, sequences, QWERTY walks) and medseal's own, which charges a few bits for each
    recognised piece (any date in any order, digit runs at 3.3 bits a digit, AZERTY/QWERTZ walks, the
    patient's own data) and zxcvbn's estimate for what is left.
    """
    if not code.strip():
        return CodeStrength(0.0, False, "access_code.weak.empty")
    folded = fold(code)
    pieces = _non_overlapping(_digit_pieces(folded) + _walk_pieces(folded) + _personal_pieces(folded, personal))
    inputs = [fold(p) for p in personal if p.strip()]
    full_bits, patterns = _zxcvbn_bits(folded, inputs)
    rest, last = [], 0
    for piece in pieces:
        rest.append(folded[last : piece.start])
        last = piece.end
    rest.append(folded[last:])
    residue = "".join(rest).strip(_SEPARATORS)
    residue_bits = full_bits  # nothing recognised: the residue is the whole code
    if pieces:  # what is left once the recognised pieces are taken out
        residue_bits = _zxcvbn_bits(residue, inputs)[0] if residue else 0.0
    own_bits = residue_bits + sum(p.bits for p in pieces)
    bits = round(min(full_bits, own_bits), 1)
    if bits >= FLOOR_BITS:
        return CodeStrength(bits, True, "access_code.ok")
    covered: dict[str, int] = {}
    for piece in pieces:
        if piece.kind != "pin" or piece.end - piece.start > 1:  # a lone digit names no weakness
            covered[piece.kind] = covered.get(piece.kind, 0) + piece.end - piece.start
    if covered and 2 * sum(covered.values()) >= len(folded.strip(_SEPARATORS)):
        kind = max(covered, key=lambda k: covered[k])
    else:
        kind = next((_ZXCVBN_REASONS[p] for p in patterns if p in _ZXCVBN_REASONS), "short")
    return CodeStrength(bits, False, f"access_code.weak.{kind}")


def generate_access_code() -> str:
    """A fresh access code to hand to a patient: the envelope password's 80-bit form (``kq7m-3xtp-9wfa-c4rh``).

    Lower case, no look-alikes, in groups of four: easy to read from a card and type on a phone, and the
    same in every language.
    """
    return generate_password()
