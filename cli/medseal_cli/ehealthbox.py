"""``protect --ehealthbox-export DIR``: what the eHealthBox web form needs, when e-mail is the wrong channel.

Writes ``title.txt`` (the pseudonymised subject), ``body.txt`` (and ``body.html``), the annexes under
``annexes/`` with pseudonymised file names, and ``recipients.txt``. These are the user's own files, to upload
through the eHealthBox, the secure channel between health professionals.
"""

from __future__ import annotations

from pathlib import Path

from medseal.model import Message
from medseal.protect import ProtectResult
from medseal_cli.outputs import Outputs, safe_name, write_file


def export_for_ehealthbox(target: Path, message: Message, result: ProtectResult, outputs: Outputs) -> list[Path]:
    """Write the export into ``target`` (which may exist; its files may not, unless ``--force``)."""
    files: list[tuple[str, bytes]] = [
        ("title.txt", (result.subject or message.subject).encode("utf-8") + b"\n"),
        ("body.txt", (message.text_body or "").encode("utf-8")),
        ("recipients.txt", "\n".join(message.recipients).encode("utf-8") + b"\n"),
    ]
    if message.html_body:
        files.append(("body.html", message.html_body.encode("utf-8")))
    taken: set[str] = set()
    for index, attachment in enumerate(message.attachments):
        name = safe_name(result.renamed.get(index, attachment.filename), taken)
        files.append((f"annexes/{name}", attachment.data))
    paths = outputs.claim_folder(target, [name for name, _ in files], "--ehealthbox-export")
    for path, (_name, data) in zip(paths, files, strict=True):
        write_file(path, data)
    return paths
