"""The practice key: 256 random bits that make a practice's pseudonyms its own.

Text form (what ``medseal key export`` prints, what the key file holds, what colleagues paste into
``medseal key import``)::

    medseal-key-v1:XXXXX-XXXXX-...-XXX

The part after the colon is Crockford base32 (case-insensitive; I/L/O read as 1/1/0; hyphens and spaces
ignored) of the 32-byte key followed by a 4-byte check value, the first bytes of
``SHA-256("medseal-key-v1" + key)``. A mistyped or truncated key is refused instead of silently yielding a
different set of pseudonyms.

The pure parts (:func:`generate_key`, :func:`export_key`, :func:`import_key`) run anywhere, Pyodide
included; the file helpers are for the CLI. The key file must be private to its owner: on POSIX systems a
file that its group or others may read or write is refused (like ``ssh`` does for private keys), with the
``chmod`` that fixes it, because a leaked practice key lets anyone who also holds a message link its
pseudonym back to a national number.
"""

from __future__ import annotations

import os
import stat
import tempfile
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


def _link_exclusive(tmp: Path, path: Path, text: bytes) -> None:
    """Publish ``tmp`` as ``path`` unless ``path`` exists (``FileExistsError``), atomically where possible."""
    try:
        os.link(tmp, path)  # atomic, and never clobbers a colleague's key
    except FileExistsError:
        raise
    except (OSError, AttributeError):  # no hard links here (file system, or Pyodide): exclusive create, then write
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())


def write_key(path: Path, key: bytes, *, overwrite: bool = False) -> None:
    """Write ``key`` to ``path`` atomically with mode 0600, creating parent directories (mode 0700).

    Without ``overwrite`` an existing file is left alone and :class:`KeyFileError` raised (replacing the key
    changes every pseudonym of the practice).
    """
    text = (export_key(key) + "\n").encode("ascii")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".key-", dir=path.parent)  # mode 0600
    except OSError as exc:
        raise KeyFileError(f"{path}: cannot create the practice key file ({exc.strerror})") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            _link_exclusive(tmp, path, text)
    except FileExistsError:
        raise KeyFileError(f"{path}: a practice key file already exists") from None
    except OSError as exc:
        raise KeyFileError(f"{path}: cannot write the practice key file ({exc.strerror})") from None
    finally:
        tmp.unlink(missing_ok=True)


def load_or_create_key(path: Path | None = None) -> bytes:
    """The practice key at ``path`` (default :func:`default_key_path`), created on first use."""
    path = path or default_key_path()
    if not path.exists():
        try:
            write_key(path, generate_key())
        except KeyFileError:
            if not path.exists():  # lost no race: a real failure
                raise
    return read_key(path)
