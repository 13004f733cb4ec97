"""How fast an offline attacker tries passwords against an intercepted medseal envelope, per CPU core.

A guess against an AES-256 PDF (security handler revision 6) is one run of ISO 32000-2 algorithm 2.B over
the user password and the ``/U`` entry's validation salt, compared with the ``/U`` hash. Two attackers:
pypdf's own check (what a Python script does) and a tight loop over ``cryptography``'s AES and hashlib
(the best one can do in Python on a CPU). Run: ``python bench/pdf_guess_rate.py [SECONDS]``.
"""

from __future__ import annotations

import hashlib
import io
import sys
import time

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from pypdf import PdfReader

from medseal.envelope.pdf import build_message_pdf


def _hash_2b(password: bytes, salt: bytes, udata: bytes = b"") -> bytes:
    """ISO 32000-2 algorithm 2.B (the hardened hash of revision 6)."""
    k = hashlib.sha256(password + salt + udata).digest()
    round_number = 0
    while True:
        k1 = (password + k + udata) * 64
        encryptor = Cipher(algorithms.AES(k[:16]), modes.CBC(k[16:32])).encryptor()
        e = encryptor.update(k1) + encryptor.finalize()
        choice = sum(e[:16]) % 3
        k = (hashlib.sha256, hashlib.sha384, hashlib.sha512)[choice](e).digest()
        round_number += 1
        if round_number >= 64 and e[-1] <= round_number - 32:
            return k[:32]


def _rate(check: object, seconds: float) -> float:
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        check(f"guess-{count}")  # type: ignore[operator]
        count += 1
    return count / (time.perf_counter() - start)


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    envelope = build_message_pdf("results", [], "kq7m-3xtp-9wfa-c4rh")
    reader = PdfReader(io.BytesIO(envelope.split(b"%MEDSEAL-MAC-V1")[0]))
    user = reader.trailer["/Encrypt"]["/U"].get_object()
    u_hash, salt = bytes(user)[:32], bytes(user)[32:40]
    assert _hash_2b(b"kq7m-3xtp-9wfa-c4rh", salt) == u_hash

    def via_pypdf(guess: str) -> None:
        PdfReader(io.BytesIO(envelope)).decrypt(guess)

    def via_loop(guess: str) -> None:
        if _hash_2b(guess.encode(), salt) == u_hash:
            raise SystemExit(guess)

    print(f"pypdf decrypt():          {_rate(via_pypdf, seconds):8.0f} guesses/s per core")
    print(f"cryptography tight loop:  {_rate(via_loop, seconds):8.0f} guesses/s per core")


if __name__ == "__main__":
    main()
