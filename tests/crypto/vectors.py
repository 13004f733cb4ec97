"""The shared crypto vectors as a check any backend can be put through (CPython here, Pyodide in tests/e2e).

``check_backend(backend)`` asserts every primitive's known answers; ``check_recipes(backend)`` asserts that
medseal's constructions (deterministic random stream, pseudonyms, key export, passwords, the PDF revision-6
hash through the pypdf bridge) give the recorded bytes when they run on ``backend``. Both return the number
of cases checked. Only the standard library and medseal are imported, so this runs inside Pyodide too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from medseal.crypto.backend import CryptoBackend, DeterministicBackend, use_backend
from medseal.errors import DecryptionError

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "crypto_vectors.json"


def load_vectors(path: Path = VECTORS) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _h(value: str) -> bytes:
    return bytes.fromhex(value)


def check_backend(backend: CryptoBackend, vectors: dict[str, Any] | None = None) -> int:
    """Assert every primitive vector on ``backend``."""
    v = vectors or load_vectors()
    count = 0
    for name in ("sha256", "sha384", "sha512"):
        for case in v[name]:
            assert getattr(backend, name)(_h(case["data"])).hex() == case["digest"], (name, case["source"])
            count += 1
    for case in v["hmac_sha256"]:
        assert backend.hmac_sha256(_h(case["key"]), _h(case["data"])).hex() == case["mac"], case["source"]
        count += 1
    for case in v["pbkdf2_hmac_sha256"]:
        got = backend.pbkdf2_hmac_sha256(
            _h(case["password"]), _h(case["salt"]), case["iterations"], case["length"]
        )
        assert got.hex() == case["key"], case["source"]
        count += 1
    for case in v["aes_ecb"]:
        key, plain, cipher = _h(case["key"]), _h(case["plain"]), _h(case["cipher"])
        assert backend.aes_ecb_encrypt(key, plain) == cipher, case["source"]
        assert backend.aes_ecb_decrypt(key, cipher) == plain, case["source"]
        count += 1
    for case in v["aes_cbc"]:
        key, iv, plain, cipher = _h(case["key"]), _h(case["iv"]), _h(case["plain"]), _h(case["cipher"])
        assert backend.aes_cbc_encrypt(key, iv, plain) == cipher, case["source"]
        assert backend.aes_cbc_decrypt(key, iv, cipher) == plain, case["source"]
        count += 1
    for case in v["aes_gcm"]:
        key, nonce, plain, aad = _h(case["key"]), _h(case["nonce"]), _h(case["plain"]), _h(case["aad"])
        cipher = _h(case["cipher"])
        assert backend.aes_gcm_encrypt(key, nonce, plain, aad) == cipher, case["source"]
        assert backend.aes_gcm_decrypt(key, nonce, cipher, aad) == plain, case["source"]
        tampered = cipher[:-1] + bytes([cipher[-1] ^ 1])
        for data, extra in ((tampered, aad), (cipher[:-1], aad), (cipher, aad + b"x")):
            try:
                backend.aes_gcm_decrypt(key, nonce, data, extra)
            except DecryptionError:
                continue
            raise AssertionError(f"{case['source']}: altered GCM data accepted")
        count += 1
    return count


def check_recipes(backend: CryptoBackend, vectors: dict[str, Any] | None = None) -> int:
    """Assert medseal's constructions on ``backend`` (they reach it through ``get_backend``)."""
    from pypdf._encryption import AlgV5

    from medseal.crypto.keys import export_key, import_key
    from medseal.crypto.passwords import generate_password
    from medseal.crypto.pseudonym import pseudonym
    from medseal.envelope import _pypdf_bridge

    v = vectors or load_vectors()
    count = 0
    for case in v["deterministic_random"]:
        stream = DeterministicBackend(backend, _h(case["seed"]))
        assert [stream.random_bytes(n).hex() for n in case["draws"]] == case["stream"]
        count += 1
    _pypdf_bridge.install()
    with use_backend(backend):
        for case in v["pseudonym"]:
            assert pseudonym(_h(case["key"]), case["patient_key"]) == case["pseudonym"]
            count += 1
        for case in v["export_key"]:
            assert export_key(_h(case["key"])) == case["text"]
            assert import_key(case["text"]) == _h(case["key"])
            count += 1
        for case in v["pdf_r6_hash"]:
            got = AlgV5.calculate_hash(6, _h(case["password"]), _h(case["salt"]), _h(case["udata"]))
            assert got.hex() == case["hash"]
            count += 1
    for case in v["passwords"]:
        with use_backend(DeterministicBackend(backend, _h(case["seed"]))):
            assert [generate_password() for _ in case["passwords"]] == case["passwords"]
        count += 1
    return count
