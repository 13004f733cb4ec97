"""Generated envelope passwords, kept for their sender only: the relay's answer to "how do I get the password?".

A client such as an EMR program or a scanner cannot show a password, and the relay must never mail it next to
the message (nor to the same provider in clear). So each generated password is sealed to the sending user's
public key (:func:`medseal_relay.userauth.seal_for`) together with what tells the handovers apart (time,
pseudonymised subject, recipients) and appended to ``handovers/<user>.jsonl``. The user reads them on the
relay's HTTPS page, behind the same login as for sending (:mod:`medseal_relay.page`), and passes each password
on by another channel (SMS, phone, in person). Handovers older than :data:`KEEP_DAYS` are dropped.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from medseal_relay.userauth import open_sealed, seal_for

KEEP_DAYS = 14


@dataclass(frozen=True)
class Handover:
    time: float
    subject: str
    recipients: tuple[str, ...]
    password: str


class HandoverStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)

    def _path(self, user: str) -> Path:
        return self.folder / f"{user}.jsonl"

    def add(self, user: str, public_key: str, handovers: Sequence[Handover]) -> None:
        """Append sealed handovers durably (fsync) before the message is acknowledged."""
        lines = b""
        for h in handovers:
            secret = json.dumps(
                {"subject": h.subject, "recipients": list(h.recipients), "password": h.password}
            ).encode()
            lines += json.dumps({"time": h.time, "sealed": seal_for(public_key, secret)}).encode() + b"\n"
        fd = os.open(self._path(user), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, lines)
            os.fsync(fd)
        finally:
            os.close(fd)

    def recent(self, user: str, private_key: X25519PrivateKey, now: float | None = None) -> list[Handover]:
        """The user's handovers of the last :data:`KEEP_DAYS` days, newest first."""
        horizon = (now or time.time()) - KEEP_DAYS * 86400
        try:
            lines = self._path(user).read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        out = []
        for line in lines:
            try:
                record = json.loads(line)
                if record["time"] < horizon:
                    continue
                data = json.loads(open_sealed(private_key, record["sealed"]))
                out.append(Handover(record["time"], data["subject"], tuple(data["recipients"]), data["password"]))
            except (ValueError, KeyError, TypeError):
                continue
        return sorted(out, key=lambda h: h.time, reverse=True)

    def purge(self, now: float | None = None) -> None:
        """Drop handovers past :data:`KEEP_DAYS` (the file is rewritten beside and renamed into place)."""
        horizon = (now or time.time()) - KEEP_DAYS * 86400
        for path in self.folder.glob("*.jsonl"):
            lines = path.read_text(encoding="utf-8").splitlines()
            kept = [line for line in lines if _time(line) >= horizon]
            if len(kept) != len(lines):
                tmp = path.with_name(f".{path.name}.tmp")
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write("".join(f"{line}\n" for line in kept))
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp, path)


def _time(line: str) -> float:
    try:
        return float(json.loads(line)["time"])
    except (ValueError, KeyError, TypeError):
        return 0.0
