"""``protect --ehealthbox-export DIR``: what the eHealthBox web form needs, when e-mail is the wrong channel.

Writes ``title.txt`` (the pseudonymised subject), ``body.txt`` (and ``body.html``), the annexes under
``annexes/`` with pseudonymised file names, and ``recipients.txt``. These are the user's own files, to upload
through the eHealthBox, the secure channel between health professionals.
"""

from __future__ import annotations

from pathlib import Path

from medseal.model import Message
from medseal.protect import ProtectOptions, ProtectResult
from medseal.scan import ScanContext
from medseal_cli.open_command import safe_name


def export_for_ehealthbox(
    target: Path, message: Message, result: ProtectResult, context: ScanContext, options: ProtectOptions
) -> list[Path]:
    del context, options  # the pseudonymised names are in the result already
    target.mkdir(parents=True, exist_ok=True)
    annexes = target / "annexes"
    annexes.mkdir(exist_ok=True)
    written = []
    files: list[tuple[Path, bytes]] = [
        (target / "title.txt", (result.subject or message.subject).encode("utf-8") + b"\n"),
        (target / "body.txt", (message.text_body or "").encode("utf-8")),
        (target / "recipients.txt", "\n".join(message.recipients).encode("utf-8") + b"\n"),
    ]
    if message.html_body:
        files.append((target / "body.html", message.html_body.encode("utf-8")))
    taken: set[str] = set()
    for index, attachment in enumerate(message.attachments):
        name = safe_name(result.renamed.get(index, attachment.filename), taken)
        files.append((annexes / name, attachment.data))
    for path, data in files:
        path.write_bytes(data)
        written.append(path)
    return written
