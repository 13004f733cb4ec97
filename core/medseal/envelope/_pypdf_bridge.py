"""Route pypdf's PDF encryption through medseal's crypto backend; every pypdf internal medseal uses is here.

pypdf picks an AES provider at import time (``cryptography``, else ``pycryptodome``, else none: AES then
raises ``DependencyError``). In Pyodide neither library is available, so :func:`install` replaces, in
``pypdf._encryption``, the AES functions and the ``CryptAES`` class by versions that call
:func:`medseal.crypto.backend.get_backend`, and gives pypdf's ``_encryption`` and ``_writer`` modules a
``secrets`` stand-in that draws from the same backend. medseal installs it on every platform, so that:

- there is one code path, tested on CPython and used in Pyodide;
- with :class:`~medseal.crypto.backend.DeterministicBackend`, pypdf's salts, file key, IVs and file IDs are
  reproducible, and so are the envelopes (tests and cross-backend vectors).

RC4 and MD5 stay pypdf's own: medseal never writes them (it only reads old PDFs with them).

:func:`one_password_hash` also lets the PDFs of one envelope share their password hash. ISO 32000-2's
algorithm 2.B (the R6 password hash) is slow on purpose, and pypdf runs it four times per PDF (U, UE, O, OE);
inside the scope, every PDF encrypted with the same password reuses the first one's U and O salts, so the hash
runs once per salt for the whole message, and each PDF still gets its own random file key (its UE/OE wrap that
key under the shared, memoised key-encryption keys). An interceptor learns nothing new: the PDFs of one message
already share their password, and guessing it costs the same per guess.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from pypdf import _encryption, _writer
from pypdf._crypt_providers import CryptBase
from pypdf.errors import PdfStreamError

from medseal.crypto.backend import AES_BLOCK, get_backend
from medseal.errors import DecryptionError


class BackendSecrets:
    """The part of the ``secrets`` module pypdf uses."""

    @staticmethod
    def token_bytes(nbytes: int | None = None) -> bytes:
        return get_backend().random_bytes(32 if nbytes is None else nbytes)


class BackendAES(CryptBase):
    """pypdf's per-string/per-stream AES-CBC with PKCS#7 padding and a random IV in front."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def encrypt(self, data: bytes) -> bytes:
        backend = get_backend()
        iv = backend.random_bytes(AES_BLOCK)
        whole = len(data) - len(data) % AES_BLOCK
        head = b""
        if whole:
            head = backend.aes_cbc_encrypt(self._key, iv, data if whole == len(data) else data[:whole])
        pad = AES_BLOCK - len(data) % AES_BLOCK
        last = data[whole:] + bytes((pad,)) * pad
        tail = backend.aes_cbc_encrypt(self._key, head[-AES_BLOCK:] if head else iv, last)
        return b"".join((iv, head, tail))

    def decrypt(self, data: bytes, *, strict: bool = True) -> bytes:
        iv, body = data[:AES_BLOCK], data[AES_BLOCK:]
        if not body:
            return b""
        if len(body) % AES_BLOCK:
            if strict:
                raise PdfStreamError("AES data is not a whole number of blocks")
            body += b"\0" * (-len(body) % AES_BLOCK)
        try:
            plain = get_backend().aes_cbc_decrypt(self._key, iv, body)
        except DecryptionError as exc:
            raise PdfStreamError("AES data cannot be decrypted") from exc
        pad = plain[-1]
        if 1 <= pad <= AES_BLOCK and plain[-pad:] == bytes((pad,)) * pad:
            return plain[:-pad]
        if strict:
            raise PdfStreamError("bad AES padding")
        return plain


def _aes_cbc_encrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    return get_backend().aes_cbc_encrypt(key, iv, data)


def _aes_cbc_decrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    return get_backend().aes_cbc_decrypt(key, iv, data)


def _aes_ecb_encrypt(key: bytes, data: bytes) -> bytes:
    return get_backend().aes_ecb_encrypt(key, data)


def _aes_ecb_decrypt(key: bytes, data: bytes) -> bytes:
    return get_backend().aes_ecb_decrypt(key, data)


@dataclass
class _SharedHash:
    """One envelope's memo: algorithm 2.B results, and the U/O values of each (revision, password pair)."""

    hashes: dict[tuple[int, bytes, bytes, bytes], bytes] = field(default_factory=dict)
    values: dict[tuple[int, bytes, bytes], dict[str, bytes]] = field(default_factory=dict)


_shared: ContextVar[_SharedHash | None] = ContextVar("medseal_shared_pdf_hash", default=None)
_AlgV5: Any = _encryption.AlgV5
_original_calculate_hash = _AlgV5.calculate_hash
_original_generate_values = _AlgV5.generate_values


def _calculate_hash(R: int, password: bytes, salt: bytes, udata: bytes) -> bytes:
    shared = _shared.get()
    if shared is None:
        return bytes(_original_calculate_hash(R, password, salt, udata))
    key = (R, password, salt, udata)
    if key not in shared.hashes:
        shared.hashes[key] = bytes(_original_calculate_hash(R, password, salt, udata))
    return shared.hashes[key]


def _generate_values(
    R: int,
    user_password: bytes,
    owner_password: bytes,
    key: bytes,
    p: int,
    metadata_encrypted: bool,
) -> dict[str, bytes]:
    shared = _shared.get()
    if shared is None:
        return dict(_original_generate_values(R, user_password, owner_password, key, p, metadata_encrypted))
    user, owner = user_password[:127], owner_password[:127]
    first = shared.values.get((R, user, owner))
    if first is None:
        first = dict(_original_generate_values(R, user, owner, key, p, metadata_encrypted))
        shared.values[(R, user, owner)] = first
        return first
    u_value, o_value = first["/U"], first["/O"]
    zero_iv = bytes(AES_BLOCK)
    backend = get_backend()
    return {
        "/U": u_value,
        "/UE": backend.aes_cbc_encrypt(_calculate_hash(R, user, u_value[40:48], b""), zero_iv, key),
        "/O": o_value,
        "/OE": backend.aes_cbc_encrypt(_calculate_hash(R, owner, o_value[40:48], u_value[:48]), zero_iv, key),
        "/Perms": _AlgV5.compute_Perms_value(key, p, metadata_encrypted),
    }


@contextmanager
def one_password_hash() -> Iterator[None]:
    """Within the block, PDFs encrypted with one password share its algorithm 2.B hash (see the module doc)."""
    token = _shared.set(_SharedHash())
    try:
        yield
    finally:
        _shared.reset(token)


_ALGV5_REPLACEMENTS: dict[str, object] = {
    "calculate_hash": staticmethod(_calculate_hash),
    "generate_values": staticmethod(_generate_values),
}

_REPLACEMENTS: dict[str, object] = {
    "aes_cbc_encrypt": _aes_cbc_encrypt,
    "aes_cbc_decrypt": _aes_cbc_decrypt,
    "aes_ecb_encrypt": _aes_ecb_encrypt,
    "aes_ecb_decrypt": _aes_ecb_decrypt,
    "CryptAES": BackendAES,
    "secrets": BackendSecrets,
}

_lock = threading.Lock()
_installed = False


def _require(module: ModuleType, names: tuple[str, ...]) -> None:
    missing = [name for name in names if not hasattr(module, name)]
    if missing:  # fail closed: an unpatched pypdf would not use medseal's backend
        raise RuntimeError(f"unsupported pypdf version: {module.__name__} lacks {', '.join(missing)}")


def install() -> None:
    """Make pypdf use medseal's backend (idempotent, thread-safe)."""
    global _installed
    with _lock:
        if _installed:
            return
        _require(_encryption, tuple(_REPLACEMENTS))
        _require(_writer, ("secrets",))
        _require(_AlgV5, (*_ALGV5_REPLACEMENTS, "compute_Perms_value"))
        for name, value in _REPLACEMENTS.items():
            setattr(_encryption, name, value)
        for name, value in _ALGV5_REPLACEMENTS.items():
            setattr(_AlgV5, name, value)
        setattr(_writer, "secrets", BackendSecrets)  # noqa: B010 - a module attribute, on purpose
        _installed = True


def installed() -> bool:
    """Whether pypdf currently uses medseal's backend."""
    return (
        _installed
        and all(getattr(_encryption, name) is value for name, value in _REPLACEMENTS.items())
        and getattr(_writer, "secrets", None) is BackendSecrets
        and _AlgV5.__dict__["calculate_hash"] is _ALGV5_REPLACEMENTS["calculate_hash"]
    )


def file_key(document: object) -> bytes:
    """The file encryption key of an encrypted ``PdfWriter`` or a decrypted ``PdfReader``."""
    encryption = getattr(document, "_encryption", None)
    key = getattr(encryption, "_key", None)
    if not isinstance(key, bytes) or len(key) != 32:
        raise RuntimeError("unsupported pypdf version: no AES-256 file key")
    return key


def add_object(writer: Any, obj: Any) -> Any:
    """Add ``obj`` to ``writer`` as an indirect object and return its reference (pypdf's ``_add_object``)."""
    return writer._add_object(obj)
