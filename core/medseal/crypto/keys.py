"""The practice key: 256 random bits that make a practice's pseudonyms its own.

Text form (what ``medseal key export`` prints, what the key file holds, what colleagues paste into
``medseal key import``)::

    medseal-key-v1:XXXXX-XXXXX-...-XXX

The part after the colon is Crockford base32 (case-insensitive; I/L/O read as 1/1/0; hyphens and spaces
ignored) of the 32-byte key followed by a 4-byte check value, the first bytes of
``SHA-256("medseal-key-v1" + key)``. A mistyped or truncated key is refused instead of silently yielding a
different set of pseudonyms.

This one text form is what the CLI, the Thunderbird options page and the Outlook server export and import.
The pure parts (:func:`generate_key`, :func:`export_key`, :func:`import_key`) run anywhere, Pyodide
included; :func:`read_key` reads a key file; the core writes no file (the CLI's ``key_file`` module does).
The key file must be private to its owner: on POSIX systems a
file that its group or others may read or write is refused (like ``ssh`` does for private keys), with the
``chmod`` that fixes it, because a leaked practice key lets anyone who also holds a message link its
pseudonym back to a national number.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from medseal.crypto.backend import get_backend
from medseal.crypto.pseudonym import CROCKFORD, READ_AS, crockford_decode, crockford_encode
from medseal.errors import KeyFileError

KEY_SIZE = 32
PREFIX = "medseal-key-v1:"
_CHECK_SIZE = 4
_GROUP = 5


def generate_key() -> bytes:
    """A fresh practice key."""
    return get_backend().random_bytes(KEY_SIZE)


def _check_value(key: bytes) -> bytes:
    return get_backend().sha256(PREFIX.rstrip(":").encode("ascii") + key)[:_CHECK_SIZE]


def export_key(key: bytes) -> str:
    """The shareable text form of ``key``."""
    if len(key) != KEY_SIZE:
        raise ValueError("a practice key is 32 bytes")
    code = crockford_encode(key + _check_value(key))
    return PREFIX + "-".join(code[i : i + _GROUP] for i in range(0, len(code), _GROUP))


def import_key(text: str) -> bytes:
    """The key in ``text`` (as written by :func:`export_key`); :class:`KeyFileError` if it is not one."""
    compact = "".join(text.split())
    if compact[: len(PREFIX)].lower() != PREFIX:
        raise KeyFileError(f"not a medseal practice key (it should start with {PREFIX})")
    code = compact[len(PREFIX) :].replace("-", "")
    if any(c not in CROCKFORD for c in code.upper().translate(READ_AS)):
        raise KeyFileError("the practice key contains characters that cannot be part of a key")
    try:
        payload = crockford_decode(code)
    except ValueError:
        payload = b""
    key, check = payload[:KEY_SIZE], payload[KEY_SIZE:]
    if len(payload) != KEY_SIZE + _CHECK_SIZE or check != _check_value(key):
        raise KeyFileError("the practice key is mistyped or incomplete (its check value does not match)")
    return key


def default_key_path() -> Path:
    """``$XDG_CONFIG_HOME/medseal/key``, else ``~/.config/medseal/key``."""
    base = os.environ.get("XDG_CONFIG_HOME", "").strip()
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".config"
    return root / "medseal" / "key"


def _check_private(path: Path, info: os.stat_result) -> None:
    if os.name != "posix":
        return
    if not stat.S_ISREG(info.st_mode):
        raise KeyFileError(f"{path}: the practice key file is not a regular file")
    if info.st_mode & 0o077:
        mode = stat.S_IMODE(info.st_mode)
        raise KeyFileError(
            f"{path}: the practice key file is accessible to other users (mode {mode:04o}); "
            f"run: chmod 600 {path}"
        )


def read_key(path: Path) -> bytes:
    """Read the key file at ``path``; :class:`KeyFileError` if it is missing, not private or malformed."""
    try:
        with path.open("rb") as handle:
            _check_private(path, os.fstat(handle.fileno()))
            data = handle.read(4096)
    except FileNotFoundError:
        raise KeyFileError(f"{path}: no practice key file") from None
    except OSError as exc:
        raise KeyFileError(f"{path}: cannot read the practice key file ({exc.strerror})") from None
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise KeyFileError(f"{path}: not a medseal practice key file") from None
    try:
        return import_key(text)
    except KeyFileError as exc:
        raise KeyFileError(f"{path}: {exc}") from None
