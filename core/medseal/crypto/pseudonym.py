"""Patient pseudonyms: a keyed hash of the patient's identity, shown as a short reference ``P-7F3K-2XQM``.

A national number has only about 10^8 possible values, so an unkeyed hash of it is no pseudonym at all: anyone
could hash every number and look the result up. medseal therefore uses HMAC-SHA256 under the practice's secret
key (ENISA's recommended keyed-hash pseudonymisation). Colleagues who share the key (``medseal key export`` /
``import``) get the same pseudonym for the same patient; another practice, with another key, gets an unrelated
one.

The identity is the ``patient_key`` of the detectors and the directory: ``niss:85073003328`` (11 digits) or,
without a national number, ``name:dupont|marie`` (folded last name ``|`` folded first name). It is
normalised once more here (:func:`normalise_identity`, idempotent) so that spacing, case and accents cannot
split one patient into two pseudonyms.

The reference shows the first 40 bits of ``HMAC-SHA256(key, "medseal/pseudonym/v1\\n" + identity)`` in
Crockford base32 (digits and upper-case letters without I, L, O, U), as ``P-XXXX-XXXX``. With 40 bits, two
patients of a practice with 10,000 patients share a reference with a probability of about 5 in 10^5;
:func:`reveal` therefore returns the first match and :func:`reveal_all` every one.
"""

from __future__ import annotations

import base64
import re
import unicodedata
from collections.abc import Iterable

from medseal.crypto.backend import get_backend
from medseal.errors import InputError
from medseal.text import fold

#: Crockford's base32 alphabet, in value order.
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_FROM_RFC4648 = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", CROCKFORD)
_TO_RFC4648 = str.maketrans(CROCKFORD, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
#: Characters a person may type for another (Crockford's decoding rules).
READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})

_SYMBOL = "[0-9A-HJKMNP-TV-Z]"
#: A pseudonym as medseal writes it.
PSEUDONYM_RE = re.compile(rf"\bP-{_SYMBOL}{{4}}-{_SYMBOL}{{4}}\b")
_LOOSE_RE = re.compile(r"^\s*P-?([0-9A-Z]{4})-?([0-9A-Z]{4})\s*$", re.IGNORECASE)

_LABEL = b"medseal/pseudonym/v1\n"


def crockford_encode(data: bytes) -> str:
    """Crockford base32 of ``data``, without padding (the last symbol's spare bits are zero)."""
    return base64.b32encode(data).decode("ascii").rstrip("=").translate(_FROM_RFC4648)


def crockford_decode(text: str) -> bytes:
    """The inverse of :func:`crockford_encode`; accepts lower case and I/L/O for 1/1/0.

    Raises ``ValueError`` on any other symbol, on an impossible length or on non-zero spare bits.
    """
    symbols = text.upper().translate(READ_AS)
    if any(c not in CROCKFORD for c in symbols):
        raise ValueError("not a Crockford base32 string")
    padded = symbols.translate(_TO_RFC4648)
    padded += "=" * (-len(padded) % 8)
    try:
        data = base64.b32decode(padded)
    except ValueError:
        raise ValueError("not a Crockford base32 string") from None
    if crockford_encode(data) != symbols:
        raise ValueError("non-canonical Crockford base32 string")
    return data


def normalise_identity(patient_key: str) -> str:
    """The canonical form of a ``patient_key``: ``niss:<11 digits>`` or ``name:<last>|<first>`` (first may be empty).

    Names are folded (case and accents) and their inner spacing collapsed; a national number keeps its
    digits only. Raises :class:`InputError` for anything else (the key itself is never quoted).
    """
    kind, sep, value = unicodedata.normalize("NFC", patient_key).strip().partition(":")
    kind = kind.strip().lower()
    if sep and kind == "niss":
        digits = "".join(c for c in value if c.isascii() and c.isdigit())
        if len(digits) == 11:
            return f"niss:{digits}"
    elif sep and kind == "name" and value.count("|") == 1:
        last, first = (" ".join(fold(part).split()) for part in value.split("|"))
        if last:  # a surname alone (``Mme Dupont``) is an identity too
            return f"name:{last}|{first}"
    raise InputError("not a patient identity (expected niss:<11 digits> or name:<last>|<first>)")


def pseudonym(key: bytes, patient_key: str) -> str:
    """The pseudonym of the patient ``patient_key`` under the practice ``key``."""
    if len(key) < 16:
        raise ValueError("the practice key must be at least 128 bits")
    identity = normalise_identity(patient_key).encode("utf-8")
    digest = get_backend().hmac_sha256(key, _LABEL + identity)
    code = crockford_encode(digest[:5])
    return f"P-{code[:4]}-{code[4:]}"


def canonical_pseudonym(text: str) -> str:
    """``p-7f3k-2xqm``, ``P7F3K2XQM``, misread ``P-7F3K-2XQO`` -> ``P-7F3K-2XQ0``; else ``InputError``."""
    match = _LOOSE_RE.match(text)
    if match:
        code = (match.group(1) + match.group(2)).upper().translate(READ_AS)
        if all(c in CROCKFORD for c in code):
            return f"P-{code[:4]}-{code[4:]}"
    raise InputError("not a pseudonym (expected P-XXXX-XXXX)")


def reveal_all(key: bytes, reference: str, candidates: Iterable[str]) -> list[str]:
    """Every candidate identity (e.g. directory ``patient_key`` values) whose pseudonym is ``reference``."""
    wanted = canonical_pseudonym(reference)
    found: list[str] = []
    for candidate in candidates:
        try:
            if pseudonym(key, candidate) == wanted and candidate not in found:
                found.append(candidate)
        except InputError:
            continue
    return found


def reveal(key: bytes, reference: str, candidates: Iterable[str]) -> str | None:
    """The first candidate identity whose pseudonym is ``reference``, or ``None``."""
    wanted = canonical_pseudonym(reference)
    for candidate in candidates:
        try:
            if pseudonym(key, candidate) == wanted:
                return candidate
        except InputError:
            continue
    return None
