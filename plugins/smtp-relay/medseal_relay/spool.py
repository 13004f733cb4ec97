"""The relay's on-disk queue: nothing the relay answered 250 for is lost, even on a crash or power cut.

One accepted message is one *entry*: its parts (the bytes of each message to relay: the clean original, or its
protected version(s)) as ``<id>.<n>.eml`` files, and its state as ``<id>.json`` (sender, recipients of each part,
which parts are delivered, attempts, the next attempt, the last error). Committing an entry writes the parts and
the state to temporary names, ``fsync``\\ s each file, renames the state into place last and ``fsync``\\ s the
folder: an entry exists exactly when its ``.json`` does, and then all its parts are complete on disk. A state
change is a new ``.json`` written the same way. A delivered entry loses its ``.json`` first, then its parts.

Parts never hold a generated password (those are sealed for the sender, :mod:`medseal_relay.handover`).

The Postfix filter keeps a spool of its own (:func:`filter_entry_id`): there Postfix holds the message and
retries it, and the entry only remembers what the first attempt decided and which parts were already
reinjected, so a retry after a failure or a crash between two parts reinjects each part once.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path


@dataclass(frozen=True)
class Part:
    recipients: tuple[str, ...]
    delivered: bool = False


@dataclass(frozen=True)
class Entry:
    """The state of one accepted message (``kind`` ``message``, or ``ndr`` for a non-delivery report)."""

    id: str
    sender: str
    parts: tuple[Part, ...]
    user: str = ""
    kind: str = "message"
    language: str = "fr"
    created: float = field(default_factory=time.time)
    attempts: int = 0
    next_attempt: float = 0.0
    last_error: str = ""

    @property
    def done(self) -> bool:
        return all(part.delivered for part in self.parts)

    def with_part_delivered(self, index: int) -> Entry:
        parts = list(self.parts)
        parts[index] = replace(parts[index], delivered=True)
        return replace(self, parts=tuple(parts))


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_synced(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


class Spool:
    """The queue folder (created mode 0700)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._clean_leftovers()

    def _clean_leftovers(self) -> None:
        """Temporary files and parts without a state file are from a commit that never finished: not accepted."""
        states = {p.name.split(".")[0] for p in self.folder.glob("*.json")}
        for path in self.folder.iterdir():
            if path.name.startswith(".tmp-") or (path.suffix == ".eml" and path.name.split(".")[0] not in states):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()

    def _state_path(self, entry_id: str) -> Path:
        return self.folder / f"{entry_id}.json"

    def part_path(self, entry_id: str, index: int) -> Path:
        return self.folder / f"{entry_id}.{index}.eml"

    def commit(
        self, sender: str, parts: Sequence[tuple[bytes, Sequence[str]]], *, user: str = "", kind: str = "message",
        language: str = "fr", entry_id: str | None = None,
    ) -> Entry:
        """Write a new entry durably; when this returns, the message may be acknowledged."""
        entry_id = entry_id or f"{time.time_ns():x}-{secrets.token_hex(4)}"
        for index, (data, _) in enumerate(parts):
            tmp = self.folder / f".tmp-{entry_id}.{index}.eml"
            _write_synced(tmp, data)
            os.replace(tmp, self.part_path(entry_id, index))
        entry = Entry(
            entry_id, sender, tuple(Part(tuple(r)) for _, r in parts), user=user, kind=kind, language=language
        )
        self.save(entry)
        return entry

    def save(self, entry: Entry) -> None:
        tmp = self.folder / f".tmp-{entry.id}.json"
        _write_synced(tmp, json.dumps(asdict(entry), sort_keys=True).encode())
        os.replace(tmp, self._state_path(entry.id))
        _fsync_dir(self.folder)

    def read_part(self, entry: Entry, index: int) -> bytes:
        return self.part_path(entry.id, index).read_bytes()

    def remove(self, entry: Entry) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._state_path(entry.id).unlink()
        _fsync_dir(self.folder)
        for index in range(len(entry.parts)):
            with contextlib.suppress(FileNotFoundError):
                self.part_path(entry.id, index).unlink()

    def drop_parts(self, entry: Entry) -> None:
        """Remove the parts' bytes but keep the state (the filter's memory of a finished message)."""
        for index in range(len(entry.parts)):
            with contextlib.suppress(FileNotFoundError):
                self.part_path(entry.id, index).unlink()

    def _load(self, path: Path) -> Entry | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            data["parts"] = tuple(Part(tuple(p["recipients"]), bool(p["delivered"])) for p in data["parts"])
            return Entry(**data)
        except (OSError, ValueError, KeyError, TypeError):
            return None  # removed meanwhile, or not ours

    def get(self, entry_id: str) -> Entry | None:
        return self._load(self._state_path(entry_id))

    def entries(self) -> Iterator[Entry]:
        """Every queued entry, oldest first."""
        for path in sorted(self.folder.glob("*.json")):
            entry = self._load(path)
            if entry is not None:
                yield entry

    def expire(self, older_than: float) -> None:
        """Remove every entry created more than ``older_than`` seconds ago (the filter's old memories)."""
        cutoff = time.time() - older_than
        for entry in list(self.entries()):
            if entry.created < cutoff:
                self.remove(entry)

    def size_of(self, entry: Entry) -> int:
        total = 0
        for index in range(len(entry.parts)):
            with contextlib.suppress(FileNotFoundError):
                total += self.part_path(entry.id, index).stat().st_size
        return total


def filter_entry_id(sender: str, recipients: Sequence[str], raw: bytes) -> str:
    """The filter spool's id of one message as Postfix hands it over: the same on every retry of it.

    Postfix retries a message with the same envelope and the same bytes (its queue file); a different message
    has a different id (SHA-256 of the envelope and the bytes, 128 bits).
    """
    digest = hashlib.sha256()
    for value in (sender, *recipients):
        digest.update(value.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(b"\0" + raw)
    return "f-" + digest.hexdigest()[:32]
