"""The Pyodide backend: Python's own hashes, AES in WebAssembly, and the audited ``@noble/ciphers`` /
``@noble/hashes`` called synchronously from Python for the rest.

``cryptography`` cannot be had for Pyodide, so inside Pyodide (``sys.platform == "emscripten"``)
:func:`medseal.crypto.backend.default_backend` picks this module. The JavaScript host (the Thunderbird
extension's ``medseal-core.js``, or a test harness) registers a module named ``medseal_noble`` with one flat
function per primitive (``plugins/thunderbird/runtime/medseal-noble.js``) before the core is used; random
bytes come from ``crypto.getRandomValues``.

SHA-2 and HMAC come from Python's ``hashlib``/``hmac`` (HACL* code built into CPython: fast in Pyodide and
not slowed by a browser without JIT); AES-CBC/ECB from the WebAssembly module of :mod:`medseal.crypto._wasm_aes`
when the runtime carries it; random bytes, PBKDF2 and AES-GCM from noble. Every path gives the same bytes as
the CPython backend (shared vectors, checked inside Pyodide).

Bytes cross the bridge as ``Uint8Array`` copies (``pyodide.ffi.to_js``) and come back with ``to_bytes()``.
Arguments are checked here, with the checks the CPython backend uses, so both reject the same mistakes the
same way. Hazardous primitives; see :mod:`medseal.crypto.backend` for the contract. Only imported inside
Pyodide: it needs the ``pyodide`` package and the registered JavaScript module.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
from typing import Any

from pyodide.ffi import JsException, to_js

from medseal.crypto._wasm_aes import WasmAES, load
from medseal.crypto.backend import AES_BLOCK, CryptoBackend, check_aes_args, check_blocks
from medseal.errors import DecryptionError

JS_MODULE = "medseal_noble"


def _js(data: bytes) -> Any:
    """A ``Uint8Array`` copy of ``data``."""
    return to_js(bytes(data))


def _py(result: Any) -> bytes:
    """The bytes of a ``Uint8Array`` returned by noble."""
    return bytes(result.to_bytes())


class PyodideBackend:
    """Primitives from hashlib/hmac, the wasm AES (if present) and noble (module ``medseal_noble``)."""

    def __init__(self, noble: Any, aes: WasmAES | None = None) -> None:
        self._noble = noble
        self._aes = aes
        aes_name = "wasm AES" if aes is not None else "noble AES"
        self.name = f"hashlib + {aes_name} + noble (Pyodide {_pyodide_version()})"

    def random_bytes(self, n: int) -> bytes:
        if n < 0:
            raise ValueError("n must be >= 0")
        return _py(self._noble.randomBytes(n))

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
        return _py(self._noble.pbkdf2HmacSha256(_js(password), _js(salt), iterations, length))

    def aes_cbc_encrypt(self, key: bytes, iv: bytes, data: bytes) -> bytes:
        check_aes_args(key, iv=iv)
        check_blocks(data)
        if self._aes is not None:
            return self._aes.cbc_encrypt(key, iv, data)
        return _py(self._noble.aesCbcEncrypt(_js(key), _js(iv), _js(data)))

    def aes_cbc_decrypt(self, key: bytes, iv: bytes, data: bytes) -> bytes:
        check_aes_args(key, iv=iv)
        if len(data) % AES_BLOCK:
            raise DecryptionError()
        if self._aes is not None:
            return self._aes.cbc_decrypt(key, iv, data)
        return _py(self._noble.aesCbcDecrypt(_js(key), _js(iv), _js(data)))

    def aes_ecb_encrypt(self, key: bytes, data: bytes) -> bytes:
        check_aes_args(key)
        check_blocks(data)
        if self._aes is not None:
            return self._aes.ecb_encrypt(key, data)
        return _py(self._noble.aesEcbEncrypt(_js(key), _js(data)))

    def aes_ecb_decrypt(self, key: bytes, data: bytes) -> bytes:
        check_aes_args(key)
        if len(data) % AES_BLOCK:
            raise DecryptionError()
        if self._aes is not None:
            return self._aes.ecb_decrypt(key, data)
        return _py(self._noble.aesEcbDecrypt(_js(key), _js(data)))

    def aes_gcm_encrypt(self, key: bytes, nonce: bytes, data: bytes, aad: bytes) -> bytes:
        check_aes_args(key, nonce=nonce)
        return _py(self._noble.aesGcmEncrypt(_js(key), _js(nonce), _js(data), _js(aad)))

    def aes_gcm_decrypt(self, key: bytes, nonce: bytes, data: bytes, aad: bytes) -> bytes:
        check_aes_args(key, nonce=nonce)
        try:
            return _py(self._noble.aesGcmDecrypt(_js(key), _js(nonce), _js(data), _js(aad)))
        except JsException:  # noble: "invalid tag" (also a ciphertext shorter than the tag)
            raise DecryptionError() from None


def _pyodide_version() -> str:
    try:
        return str(importlib.import_module("pyodide").__version__)
    except (ImportError, AttributeError):  # pragma: no cover - always present inside Pyodide
        return "?"


def create_backend() -> CryptoBackend:
    """The Pyodide backend; fails loudly if the host page did not register ``medseal_noble``."""
    try:
        noble = importlib.import_module(JS_MODULE)
    except ImportError as error:
        raise RuntimeError(
            f"the JavaScript module {JS_MODULE!r} is not registered: load the core through medseal-core.js"
        ) from error
    return PyodideBackend(noble, load())
