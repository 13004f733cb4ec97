"""The messages behind a path given on the command line: an ``.eml`` file, an mbox file, a Maildir, a folder.

- A **Maildir** is a folder with ``cur/`` and/or ``new/``: every file in them (hidden files and ``tmp/`` are
  skipped), in name order; the label is the message file's path.
- An **mbox** is a file whose first line starts with ``From ``: read with the stdlib's :class:`mailbox.mbox`,
  body lines quoted as ``>From`` given back their ``From``; labels are ``PATH#N`` (N counts from 1).
- Any other **folder**: each file directly in it (hidden ones skipped), in name order, read as one of these.
- Anything else is **one message**, labelled with the path as given (parsing decides whether it is mail).
"""

from __future__ import annotations

import mailbox
import os
import re
from collections.abc import Iterator
from pathlib import Path

from medseal.errors import InputError

_MAILDIR_PARTS = ("cur", "new")
_FROM_QUOTE = re.compile(rb"^>(>*From )", re.MULTILINE)  # mbox writers quote body lines that start "From "


def is_maildir(path: Path) -> bool:
    """True for a folder laid out as a Maildir."""
    return path.is_dir() and any((path / sub).is_dir() for sub in _MAILDIR_PARTS)


def is_mbox(path: Path) -> bool:
    """True for a file whose first line is an mbox ``From `` separator."""
    with path.open("rb") as stream:
        return stream.read(5) == b"From "


def _maildir(path: Path, label: str) -> Iterator[tuple[str, bytes]]:
    for sub in _MAILDIR_PARTS:
        folder = path / sub
        if not folder.is_dir():
            continue
        for name in sorted(os.listdir(folder)):
            item = folder / name
            if name.startswith(".") or not item.is_file():
                continue
            yield os.path.join(label, sub, name), item.read_bytes()


def _mbox(path: Path, label: str) -> Iterator[tuple[str, bytes]]:
    box = mailbox.mbox(path, create=False)
    try:
        for number, key in enumerate(box.iterkeys(), start=1):
            yield f"{label}#{number}", _FROM_QUOTE.sub(rb"\1", box.get_bytes(key))
    finally:
        box.close()


def _file(where: Path, label: str) -> Iterator[tuple[str, bytes]]:
    if is_mbox(where):
        yield from _mbox(where, label)
    else:
        yield label, where.read_bytes()


def iter_messages(path: str | os.PathLike[str]) -> Iterator[tuple[str, bytes]]:
    """(source label, raw bytes) for every message at ``path``; OSError for what cannot be read,
    InputError for a folder without any file."""
    label = os.fspath(path)
    where = Path(label)
    if is_maildir(where):
        yield from _maildir(where, label)
    elif where.is_dir():
        names = sorted(n for n in os.listdir(where) if not n.startswith(".") and (where / n).is_file())
        if not names:
            raise InputError("a folder with no message file in it")
        for name in names:
            yield from _file(where / name, os.path.join(label, name))
    else:
        yield from _file(where, label)
