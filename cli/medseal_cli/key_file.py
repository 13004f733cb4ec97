"""Writing the practice key file (the core only reads it): private, atomic, never over another key."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from medseal.crypto.keys import export_key, generate_key
from medseal.errors import KeyFileError


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


def create_key(path: Path) -> bytes:
    """``medseal key new``: a fresh key written to ``path``, which must not exist yet."""
    key = generate_key()
    write_key(path, key)
    return key
