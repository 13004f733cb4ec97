"""``--state FILE``: where an IMAP audit stopped, so a big folder can be scanned in several runs.

The file (JSON, mode 0600) records the folder, its UIDVALIDITY (the server's promise that a UID keeps naming the
same message), the last UID whose result was reported, and the DPO summary gathered so far (message ids and
kinds only: never an identifier). It is replaced atomically (written beside, then renamed), so a crash leaves
either the old state or the new one. When the server's UIDVALIDITY changed the old UIDs mean nothing: the scan
starts over (with a warning).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medseal_cli.errors import CliError
from medseal_cli.outputs import write_file

FORMAT = "medseal-scan-state/1"


@dataclass
class FolderState:
    folder: str
    uidvalidity: int = 0
    last_uid: int = 0
    summary: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "folder": self.folder,
            "uidvalidity": self.uidvalidity,
            "last_uid": self.last_uid,
            "summary": self.summary,
        }


def load_state(path: str, folder: str) -> FolderState:
    """The state in ``path`` for ``folder`` (a fresh one when the file does not exist yet)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return FolderState(folder)
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"{path}: cannot read the state file ({exc})") from None
    try:
        data = json.loads(text)
        if data.get("format") != FORMAT:
            raise ValueError("not a medseal scan state")
        state = FolderState(
            folder=str(data["folder"]),
            uidvalidity=int(data["uidvalidity"]),
            last_uid=int(data["last_uid"]),
            summary=dict(data.get("summary") or {}),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CliError(f"{path}: not a medseal state file ({exc}); give another --state file") from None
    if state.folder != folder:
        raise CliError(f"{path}: this state file is for {state.folder}; give another --state file for {folder}")
    return state


def save_state(path: str, state: FolderState) -> None:
    """Replace ``path`` atomically with ``state`` (mode 0600)."""
    write_file(Path(path), json.dumps(state.to_json(), ensure_ascii=False, indent=1).encode("utf-8"), 0o600)
