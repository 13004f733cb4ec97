"""The hazardous-materials layer: the few primitives medseal's recipes are built from, behind one interface.

Nothing outside :mod:`medseal.crypto` and :mod:`medseal.envelope` should call these directly: they are
raw primitives (unpadded CBC, single-block ECB, caller-chosen nonces) that are only safe inside a recipe.

Two implementations give byte-identical results for the same inputs (checked with the shared vectors in
``tests/vectors/crypto_vectors.json``):

- :mod:`medseal.crypto._cpython`: ``cryptography`` (OpenSSL) and ``hashlib``, on CPython;
- :mod:`medseal.crypto._pyodide`: ``@noble/ciphers`` / ``@noble/hashes`` through Pyodide's ``js`` bridge,
  when ``sys.platform == "emscripten"``.

A backend module exposes ``create_backend() -> CryptoBackend``. Every decryption failure surfaces as the
one opaque :class:`medseal.errors.DecryptionError`; wrong key, IV or nonce sizes are programming errors
(``ValueError``).
"""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol, runtime_checkable

AES_BLOCK = 16
AES_KEY_SIZES = (16, 24, 32)
GCM_TAG_SIZE = 16


@runtime_checkable
class CryptoBackend(Protocol):
    """The primitives. All inputs and outputs are ``bytes``; nothing is padded implicitly."""

    name: str

    def random_bytes(self, n: int) -> bytes:
        """``n`` bytes from a cryptographically secure source."""
        ...

    def sha256(self, data: bytes) -> bytes: ...

    def sha384(self, data: bytes) -> bytes: ...

    def sha512(self, data: bytes) -> bytes: ...

    def hmac_sha256(self, key: bytes, data: bytes) -> bytes: ...

    def pbkdf2_hmac_sha256(self, password: bytes, salt: bytes, iterations: int, length: int) -> bytes: ...

    def aes_cbc_encrypt(self, key: bytes, iv: bytes, data: bytes) -> bytes:
        """AES-CBC without padding: ``len(data)`` must be a multiple of 16 (``ValueError`` otherwise)."""
        ...

    def aes_cbc_decrypt(self, key: bytes, iv: bytes, data: bytes) -> bytes:
        """AES-CBC without padding; a length that is not a multiple of 16 raises ``DecryptionError``."""
        ...

    def aes_ecb_encrypt(self, key: bytes, data: bytes) -> bytes:
        """AES-ECB over whole blocks (PDF revision 6 needs it for one block, ``/Perms``)."""
        ...

    def aes_ecb_decrypt(self, key: bytes, data: bytes) -> bytes: ...

    def aes_gcm_encrypt(self, key: bytes, nonce: bytes, data: bytes, aad: bytes) -> bytes:
        """AES-GCM with a 12-byte nonce; returns ciphertext followed by the 16-byte tag."""
        ...

    def aes_gcm_decrypt(self, key: bytes, nonce: bytes, data: bytes, aad: bytes) -> bytes:
        """The inverse of :meth:`aes_gcm_encrypt`; any tag mismatch raises ``DecryptionError``."""
        ...


def check_aes_args(key: bytes, iv: bytes | None = None, nonce: bytes | None = None) -> None:
    """Shared argument checks, so both backends reject the same programming errors the same way."""
    if len(key) not in AES_KEY_SIZES:
        raise ValueError("AES key must be 16, 24 or 32 bytes")
    if iv is not None and len(iv) != AES_BLOCK:
        raise ValueError("AES-CBC IV must be 16 bytes")
    if nonce is not None and len(nonce) != 12:
        raise ValueError("AES-GCM nonce must be 12 bytes")


def check_blocks(data: bytes) -> None:
    if len(data) % AES_BLOCK:
        raise ValueError("data must be a whole number of 16-byte blocks")


_lock = threading.Lock()
_default: CryptoBackend | None = None
_override: CryptoBackend | None = None


def _platform_module() -> str:
    return "medseal.crypto._pyodide" if sys.platform == "emscripten" else "medseal.crypto._cpython"


def default_backend() -> CryptoBackend:
    """The platform's backend, created once."""
    global _default
    with _lock:
        if _default is None:
            module = importlib.import_module(_platform_module())
            backend = module.create_backend()
            if not isinstance(backend, CryptoBackend):  # pragma: no cover - a broken backend module
                raise TypeError(f"{module.__name__}.create_backend() did not return a CryptoBackend")
            _default = backend
        return _default


def get_backend() -> CryptoBackend:
    """The backend in force: the one set by :func:`use_backend`, else the platform's."""
    override = _override
    return override if override is not None else default_backend()


@contextmanager
def use_backend(backend: CryptoBackend) -> Iterator[CryptoBackend]:
    """Use ``backend`` for everything inside the ``with`` block (tests; process-wide, not thread-local)."""
    global _override
    previous = _override
    _override = backend
    try:
        yield backend
    finally:
        _override = previous


class DeterministicBackend:
    """Wraps a backend and replaces its randomness by a reproducible stream (tests and vectors only).

    ``random_bytes`` returns successive bytes of ``HMAC-SHA256(seed, counter)`` blocks (counter: 8 bytes,
    big-endian, from 0), computed with the wrapped backend's HMAC, so two backends that agree on HMAC
    produce the same stream and therefore byte-identical envelopes. Never use it to protect real data.
    """

    def __init__(self, inner: CryptoBackend, seed: bytes) -> None:
        self.inner = inner
        self.name = f"deterministic({inner.name})"
        self._seed = seed
        self._counter = 0
        self._pending = b""

    def random_bytes(self, n: int) -> bytes:
        if n < 0:
            raise ValueError("n must be >= 0")
        chunks = [self._pending]
        have = len(self._pending)
        while have < n:
            block = self.inner.hmac_sha256(self._seed, self._counter.to_bytes(8, "big"))
            self._counter += 1
            chunks.append(block)
            have += len(block)
        stream = b"".join(chunks)
        self._pending = stream[n:]
        return stream[:n]

    def sha256(self, data: bytes) -> bytes:
        return self.inner.sha256(data)

    def sha384(self, data: bytes) -> bytes:
        return self.inner.sha384(data)

    def sha512(self, data: bytes) -> bytes:
        return self.inner.sha512(data)

    def hmac_sha256(self, key: bytes, data: bytes) -> bytes:
        return self.inner.hmac_sha256(key, data)

    def pbkdf2_hmac_sha256(self, password: bytes, salt: bytes, iterations: int, length: int) -> bytes:
        return self.inner.pbkdf2_hmac_sha256(password, salt, iterations, length)

    def aes_cbc_encrypt(self, key: bytes, iv: bytes, data: bytes) -> bytes:
        return self.inner.aes_cbc_encrypt(key, iv, data)

    def aes_cbc_decrypt(self, key: bytes, iv: bytes, data: bytes) -> bytes:
        return self.inner.aes_cbc_decrypt(key, iv, data)

    def aes_ecb_encrypt(self, key: bytes, data: bytes) -> bytes:
        return self.inner.aes_ecb_encrypt(key, data)

    def aes_ecb_decrypt(self, key: bytes, data: bytes) -> bytes:
        return self.inner.aes_ecb_decrypt(key, data)

    def aes_gcm_encrypt(self, key: bytes, nonce: bytes, data: bytes, aad: bytes) -> bytes:
        return self.inner.aes_gcm_encrypt(key, nonce, data, aad)

    def aes_gcm_decrypt(self, key: bytes, nonce: bytes, data: bytes, aad: bytes) -> bytes:
        return self.inner.aes_gcm_decrypt(key, nonce, data, aad)
