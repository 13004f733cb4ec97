"""Write ``tests/vectors/crypto_vectors.json``: published known answers plus generated cases.

Published vectors (FIPS 180-2, RFC 4231, RFC 7914, FIPS-197, SP 800-38A, the GCM specification) are checked
here against ``cryptography``/``hashlib`` before they are written; generated cases (other lengths, medseal's
recipes) record what the CPython backend gives, so that every other backend must give the same bytes.

Run ``python tests/crypto/make_vectors.py`` only when adding cases: the file is committed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from medseal.crypto.backend import DeterministicBackend, default_backend, use_backend

OUT = Path(__file__).resolve().parents[1] / "vectors" / "crypto_vectors.json"

NIST_CBC_PLAIN = (
    "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
    "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710"
)
GCM_KEY = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"
GCM_PLAIN = (
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
)

PUBLISHED: dict[str, list[dict[str, Any]]] = {
    "sha256": [
        {
            "source": "FIPS 180-2 B.1",
            "data": "616263",
            "digest": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        },
    ],
    "sha384": [
        {
            "source": "FIPS 180-2 D.1",
            "data": "616263",
            "digest": "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
            "8086072ba1e7cc2358baeca134c825a7",
        },
    ],
    "sha512": [
        {
            "source": "FIPS 180-2 C.1",
            "data": "616263",
            "digest": "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        },
    ],
    "hmac_sha256": [
        {
            "source": "RFC 4231 4.2",
            "key": "0b" * 20,
            "data": b"Hi There".hex(),
            "mac": "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
        },
        {
            "source": "RFC 4231 4.3",
            "key": b"Jefe".hex(),
            "data": b"what do ya want for nothing?".hex(),
            "mac": "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        },
        {
            "source": "RFC 4231 4.7",
            "key": "aa" * 131,
            "data": b"Test Using Larger Than Block-Size Key - Hash Key First".hex(),
            "mac": "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
        },
    ],
    "pbkdf2_hmac_sha256": [
        {
            "source": "RFC 7914 11",
            "password": b"passwd".hex(),
            "salt": b"salt".hex(),
            "iterations": 1,
            "length": 64,
            "key": "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
            "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783",
        },
        {
            "source": "RFC 7914 11",
            "password": b"Password".hex(),
            "salt": b"NaCl".hex(),
            "iterations": 80000,
            "length": 64,
            "key": "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
            "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d",
        },
    ],
    "aes_ecb": [
        {
            "source": "FIPS-197 C.1",
            "key": "000102030405060708090a0b0c0d0e0f",
            "plain": "00112233445566778899aabbccddeeff",
            "cipher": "69c4e0d86a7b0430d8cdb78070b4c55a",
        },
        {
            "source": "FIPS-197 C.3",
            "key": "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
            "plain": "00112233445566778899aabbccddeeff",
            "cipher": "8ea2b7ca516745bfeafc49904b496089",
        },
    ],
    "aes_cbc": [
        {
            "source": "SP 800-38A F.2.1",
            "key": "2b7e151628aed2a6abf7158809cf4f3c",
            "iv": "000102030405060708090a0b0c0d0e0f",
            "plain": NIST_CBC_PLAIN,
            "cipher": "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2"
            "73bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7",
        },
        {
            "source": "SP 800-38A F.2.5",
            "key": "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
            "iv": "000102030405060708090a0b0c0d0e0f",
            "plain": NIST_CBC_PLAIN,
            "cipher": "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d"
            "39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b",
        },
    ],
    "aes_gcm": [
        {
            "source": "GCM spec test case 13",
            "key": "00" * 32,
            "nonce": "00" * 12,
            "plain": "",
            "aad": "",
            "cipher": "530f8afbc74536b9a963b4f1c4cb738b",
        },
        {
            "source": "GCM spec test case 14",
            "key": "00" * 32,
            "nonce": "00" * 12,
            "plain": "00" * 16,
            "aad": "",
            "cipher": "cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919",
        },
        {
            "source": "GCM spec test case 16",
            "key": GCM_KEY,
            "nonce": "cafebabefacedbaddecaf888",
            "plain": GCM_PLAIN,
            "aad": "feedfacedeadbeeffeedfacedeadbeefabaddad2",
            "cipher": "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
            "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
            "76fc6ece0f4e1768cddf8853bb2d551b",
        },
    ],
}


def pattern(n: int, salt: int = 0) -> bytes:
    """Reproducible filler bytes."""
    return bytes((i * 31 + salt * 7 + 11) % 256 for i in range(n))


def generated() -> dict[str, list[dict[str, Any]]]:
    b = default_backend()
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in PUBLISHED}
    for n in (0, 1, 55, 64, 111, 128, 1000):
        data = pattern(n)
        for name in ("sha256", "sha384", "sha512"):
            out[name].append(
                {"source": "generated", "data": data.hex(), "digest": getattr(b, name)(data).hex()}
            )
    for key_len, data_len in ((0, 0), (32, 0), (64, 100), (65, 3)):
        key, data = pattern(key_len, 1), pattern(data_len, 2)
        out["hmac_sha256"].append(
            {
                "source": "generated",
                "key": key.hex(),
                "data": data.hex(),
                "mac": b.hmac_sha256(key, data).hex(),
            }
        )
    for iterations, length in ((2, 1), (1000, 33), (4096, 32)):
        password, salt = b"kq7m-3xtp-9wfa-c4rh", pattern(16, 3)
        out["pbkdf2_hmac_sha256"].append(
            {
                "source": "generated",
                "password": password.hex(),
                "salt": salt.hex(),
                "iterations": iterations,
                "length": length,
                "key": b.pbkdf2_hmac_sha256(password, salt, iterations, length).hex(),
            }
        )
    for key_len in (16, 24, 32):
        key = pattern(key_len, 4)
        plain = pattern(64, 5)
        out["aes_ecb"].append(
            {
                "source": "generated",
                "key": key.hex(),
                "plain": plain.hex(),
                "cipher": b.aes_ecb_encrypt(key, plain).hex(),
            }
        )
        for n in (0, 16, 48, 1024):
            iv, plain = pattern(16, 6), pattern(n, 7)
            out["aes_cbc"].append(
                {
                    "source": "generated",
                    "key": key.hex(),
                    "iv": iv.hex(),
                    "plain": plain.hex(),
                    "cipher": b.aes_cbc_encrypt(key, iv, plain).hex(),
                }
            )
        for n, aad_len in ((0, 5), (1, 0), (17, 20), (1000, 1)):
            nonce, plain, aad = pattern(12, 8), pattern(n, 9), pattern(aad_len, 10)
            out["aes_gcm"].append(
                {
                    "source": "generated",
                    "key": key.hex(),
                    "nonce": nonce.hex(),
                    "plain": plain.hex(),
                    "aad": aad.hex(),
                    "cipher": b.aes_gcm_encrypt(key, nonce, plain, aad).hex(),
                }
            )
    return out


def recipes() -> dict[str, list[dict[str, Any]]]:
    """medseal's own constructions, which every backend must reproduce exactly."""
    from pypdf._encryption import AlgV5

    from medseal.crypto.keys import export_key
    from medseal.crypto.passwords import generate_password
    from medseal.crypto.pseudonym import pseudonym
    from medseal.envelope import _pypdf_bridge

    _pypdf_bridge.install()
    b = default_backend()
    seed = b"medseal test vectors"
    deterministic = DeterministicBackend(b, seed)
    draws = [0, 1, 31, 32, 33, 100]
    stream = [deterministic.random_bytes(n).hex() for n in draws]
    key = pattern(32, 11)
    identities = [
        "niss:85073003328",
        "niss:85.07.30-033.28",
        "name:dupont|marie",
        "name: Dupont | Marie ",
        "name:van den berg|marie-jose",
        "name:Van  Den Berg|Marie-José",
    ]
    with use_backend(DeterministicBackend(b, seed)):
        passwords = [generate_password() for _ in range(3)]
    r6 = []
    for password, salt, udata in (
        (b"", pattern(8, 12), b""),
        (b"kq7m-3xtp-9wfa-c4rh", pattern(8, 13), pattern(48, 14)),
        ("Wachtwoord-éé".encode(), pattern(8, 15), b""),
    ):
        r6.append(
            {
                "password": password.hex(),
                "salt": salt.hex(),
                "udata": udata.hex(),
                "hash": AlgV5.calculate_hash(6, password, salt, udata).hex(),
            }
        )
    return {
        "deterministic_random": [{"seed": seed.hex(), "draws": draws, "stream": stream}],
        "pseudonym": [
            {"key": key.hex(), "patient_key": i, "pseudonym": pseudonym(key, i)} for i in identities
        ],
        "export_key": [{"key": key.hex(), "text": export_key(key)}],
        "passwords": [{"seed": seed.hex(), "passwords": passwords}],
        "pdf_r6_hash": r6,
    }


def check_published() -> None:
    b = default_backend()
    for case in PUBLISHED["aes_gcm"]:
        got = b.aes_gcm_encrypt(*(bytes.fromhex(case[k]) for k in ("key", "nonce", "plain", "aad")))
        assert got.hex() == case["cipher"], case["source"]
    for case in PUBLISHED["aes_cbc"]:
        got = b.aes_cbc_encrypt(*(bytes.fromhex(case[k]) for k in ("key", "iv", "plain")))
        assert got.hex() == case["cipher"], case["source"]
    for case in PUBLISHED["aes_ecb"]:
        assert (
            b.aes_ecb_encrypt(bytes.fromhex(case["key"]), bytes.fromhex(case["plain"])).hex()
            == case["cipher"]
        )
    for name in ("sha256", "sha384", "sha512"):
        for case in PUBLISHED[name]:
            assert getattr(b, name)(bytes.fromhex(case["data"])).hex() == case["digest"], case["source"]
    for case in PUBLISHED["hmac_sha256"]:
        assert b.hmac_sha256(bytes.fromhex(case["key"]), bytes.fromhex(case["data"])).hex() == case["mac"]
    for case in PUBLISHED["pbkdf2_hmac_sha256"]:
        got = b.pbkdf2_hmac_sha256(
            bytes.fromhex(case["password"]), bytes.fromhex(case["salt"]), case["iterations"], case["length"]
        )
        assert got.hex() == case["key"], case["source"]


def main() -> None:
    check_published()
    vectors: dict[str, Any] = {
        "about": "Known answers every medseal crypto backend must give byte for byte (see vectors.py).",
    }
    extra = generated()
    for name, cases in PUBLISHED.items():
        vectors[name] = cases + extra[name]
    vectors.update(recipes())
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(vectors, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
