"""Relay users: passwords stored as scrypt hashes, and a per-user key pair for the password handovers.

A stored password is ``scrypt$N$r$p$<salt>$<hash>`` (base64, RFC 7914 scrypt from :mod:`hashlib`): slow to test
on purpose (about 50 ms), so a stolen ``relay.toml`` does not give the passwords away cheaply.

Each user also has an X25519 key pair: the relay encrypts every generated envelope password to the user's public
key, and keeps the private key only sealed under a key derived from the user's password. The handover page can
therefore show a password only to someone who just typed the user's password; the spool and the handover files
on disk never hold one in clear.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
_SEAL_INFO = b"medseal-relay handover v1"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _scrypt(password: str, salt: bytes, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=64 * 2**20, dklen=32)


def hash_password(password: str) -> str:
    """The stored form of ``password`` (a fresh salt each time)."""
    salt = os.urandom(16)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(_scrypt(password, salt))}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored`` (constant-time comparison); ``False`` for a malformed hash."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        actual = _scrypt(password, _unb64(salt), int(n), int(r), int(p))
        return hmac.compare_digest(actual, _unb64(digest))
    except (ValueError, TypeError):
        return False


def new_password() -> str:
    """A generated login password: 24 URL-safe characters (144 bits)."""
    return secrets.token_urlsafe(18)


@dataclass(frozen=True)
class HandoverKeys:
    """A user's handover key pair as stored: the public key, and the private key sealed under the password."""

    public: str
    sealed_private: str = field(repr=False)


def new_handover_keys(password: str) -> HandoverKeys:
    private = X25519PrivateKey.generate()
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    salt, nonce = os.urandom(16), os.urandom(12)
    sealed = AESGCM(_scrypt(password, salt)).encrypt(nonce, raw, _SEAL_INFO)
    public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return HandoverKeys(_b64(public), _b64(salt + nonce + sealed))


def unseal_private(keys: HandoverKeys, password: str) -> X25519PrivateKey:
    """The private key; ``ValueError`` if the password is wrong or the stored key damaged."""
    blob = _unb64(keys.sealed_private)
    salt, nonce, sealed = blob[:16], blob[16:28], blob[28:]
    try:
        raw = AESGCM(_scrypt(password, salt)).decrypt(nonce, sealed, _SEAL_INFO)
    except Exception as exc:  # InvalidTag: one opaque error
        raise ValueError("cannot unseal the handover key") from exc
    return X25519PrivateKey.from_private_bytes(raw)


def _box_key(shared: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_SEAL_INFO).derive(shared)


def seal_for(public: str, secret: bytes) -> str:
    """``secret`` encrypted to the holder of ``public`` (ephemeral X25519, HKDF-SHA256, AES-256-GCM)."""
    ephemeral = X25519PrivateKey.generate()
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(_unb64(public)))
    nonce = os.urandom(12)
    sealed = AESGCM(_box_key(shared)).encrypt(nonce, secret, _SEAL_INFO)
    epub = ephemeral.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return _b64(epub + nonce + sealed)


def open_sealed(private: X25519PrivateKey, blob: str) -> bytes:
    """The secret :func:`seal_for` sealed; ``ValueError`` if it was not sealed for this key."""
    raw = _unb64(blob)
    epub, nonce, sealed = raw[:32], raw[32:44], raw[44:]
    shared = private.exchange(X25519PublicKey.from_public_bytes(epub))
    try:
        return AESGCM(_box_key(shared)).decrypt(nonce, sealed, _SEAL_INFO)
    except Exception as exc:
        raise ValueError("not sealed for this key") from exc
