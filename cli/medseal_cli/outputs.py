"""Never lose what the user had: every file a command writes is checked first, then written beside and renamed.

A command call collects its inputs (the message, the directory, the policy, the key file...) and claims each
output path before anything is written. A claim is refused, with the flag that asked for it, when the path is
one of the inputs, the practice key, another output of the same call, or an existing file (unless ``--force``,
which never lets an output replace an input or the key). Writing goes to a temporary file in the same folder,
flushed to disk, then renamed into place, so a crash leaves the old file or the new one, never half of one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path, PurePath

from medseal_cli.errors import CliError


def _same(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


class Outputs:
    """The outputs of one command call, checked against its inputs and each other."""

    def __init__(self, *, force: bool = False, inputs: Iterable[str | Path | None] = (),
                 key_file: str | Path | None = None) -> None:
        self.force = force
        self.inputs = [Path(p) for p in inputs if p and str(p) != "-"]
        self.key_file = Path(key_file) if key_file else None
        self.claimed: list[tuple[Path, str]] = []

    def claim(self, path: str | Path, flag: str, *, append: bool = False) -> Path:
        """Reserve ``path`` for ``flag``; ``append`` outputs (an audit log) may already exist."""
        path = Path(path)
        if self.key_file is not None and _same(path, self.key_file):
            raise CliError(f"{path}: {flag} would overwrite the practice key; choose another file")
        for source in self.inputs:
            if _same(path, source):
                raise CliError(f"{path}: {flag} would overwrite an input of this command; choose another file")
        for other, other_flag in self.claimed:
            if _same(path, other):
                raise CliError(f"{path}: {flag} and {other_flag} name the same file; give each its own")
        if path.is_dir():
            raise CliError(f"{path}: {flag} names a folder, not a file")
        if not append and path.exists() and not self.force:
            raise CliError(f"{path}: {flag}: the file exists; choose another name or add --force to replace it")
        self.claimed.append((path, flag))
        return path

    def claim_folder(self, folder: str | Path, names: Iterable[str], flag: str) -> list[Path]:
        """Reserve ``names`` inside ``folder`` (which may exist: only the files themselves must be new)."""
        folder = Path(folder)
        if folder.exists() and not folder.is_dir():
            raise CliError(f"{folder}: {flag} must name a folder")
        return [self.claim(folder / name, flag) for name in names]


def write_file(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write ``data`` to a temporary file beside ``path``, flush it to disk and rename it into place."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise CliError(f"{path}: cannot write ({exc.strerror})") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        raise CliError(f"{path}: cannot write ({exc.strerror})") from None
    finally:
        tmp.unlink(missing_ok=True)


def write_all(files: Iterable[tuple[Path, bytes, int]]) -> None:
    """Write several claimed files (each atomically)."""
    for path, data, mode in files:
        write_file(path, data, mode)


def safe_name(name: str, taken: set[str]) -> str:
    """A plain file name inside the output folder: no folders, no dot files, no clashes."""
    base = PurePath(name.replace("\\", "/")).name.lstrip(".") or "attachment"
    candidate, counter = base, 2
    stem, dot, ext = base.rpartition(".")
    while candidate.lower() in taken:
        candidate = f"{stem}-{counter}.{ext}" if dot else f"{base}-{counter}"
        counter += 1
    taken.add(candidate.lower())
    return candidate
