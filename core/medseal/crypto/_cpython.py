"""The CPython backend: ``cryptography`` (OpenSSL) for AES, ``hashlib``/``hmac`` for hashes.

Hazardous primitives; see :mod:`medseal.crypto.backend` for the contract.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import cryptography
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from medseal.crypto.backend import AES_BLOCK, CryptoBackend, check_aes_args, check_blocks
from medseal.errors import DecryptionError


class CPythonBackend:
    """Primitives from ``cryptography`` and the standard library."""

    name = f"cryptography {cryptography.__version__}"

    def random_bytes(self, n: int) -> bytes:
        if n < 0:
            raise ValueError("n must be >= 0")
        return secrets.token_bytes(n)

    def sha256(self, data: bytes) -> bytes:
        return hashlib.sha256(data).digest()

    def sha384(self, data: bytes) -> bytes:
        return hashlib.sha384(data).digest()

    def sha512(self, data: bytes) -> bytes:
        return hashlib.sha512(data).digest()

    def hmac_sha256(self, key: bytes, data: bytes) -> bytes:
        return hmac.digest(key, data, "sha256")

    def pbkdf2_hmac_sha256(self, password: bytes, salt: bytes, iterations: int, length: int) -> bytes:
        if iterations < 1 or length < 1:
            raise ValueError("iterations and length must be >= 1")
        return hashlib.pbkdf2_hmac("sha256", password, salt, iterations, length)

    def aes_cbc_encrypt(self, key: bytes, iv: bytes, data: bytes) -> bytes:
        check_aes_args(key, iv=iv)
        check_blocks(data)
        encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
        return encryptor.update(data) + encryptor.finalize()

    def aes_cbc_decrypt(self, key: bytes, iv: bytes, data: bytes) -> bytes:
        check_aes_args(key, iv=iv)
        if len(data) % AES_BLOCK:
            raise DecryptionError()
        decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        return decryptor.update(data) + decryptor.finalize()

    def aes_ecb_encrypt(self, key: bytes, data: bytes) -> bytes:
        check_aes_args(key)
        check_blocks(data)
        encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()  # noqa: S305 - PDF R6 /Perms only
        return encryptor.update(data) + encryptor.finalize()

    def aes_ecb_decrypt(self, key: bytes, data: bytes) -> bytes:
        check_aes_args(key)
        if len(data) % AES_BLOCK:
            raise DecryptionError()
        decryptor = Cipher(algorithms.AES(key), modes.ECB()).decryptor()  # noqa: S305 - PDF R6 /Perms only
        return decryptor.update(data) + decryptor.finalize()

    def aes_gcm_encrypt(self, key: bytes, nonce: bytes, data: bytes, aad: bytes) -> bytes:
        check_aes_args(key, nonce=nonce)
        return AESGCM(key).encrypt(nonce, data, aad)

    def aes_gcm_decrypt(self, key: bytes, nonce: bytes, data: bytes, aad: bytes) -> bytes:
        check_aes_args(key, nonce=nonce)
        try:
            return AESGCM(key).decrypt(nonce, data, aad)
        except InvalidTag:
            raise DecryptionError() from None


def create_backend() -> CryptoBackend:
    return CPythonBackend()
