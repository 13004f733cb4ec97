"""iter_messages: one .eml file, an mbox file, a Maildir folder."""

from __future__ import annotations

import mailbox
from email.message import EmailMessage
from pathlib import Path

import pytest

from medseal.errors import InputError
from medseal.parse import parse_message
from medseal_cli.mailboxes import iter_messages


def message(subject: str) -> EmailMessage:
    built = EmailMessage()
    built["From"] = "dr@cabinet-exemple.be"
    built["To"] = "patient@example.com"
    built["Subject"] = subject
    built.set_content("From the lab: all normal.\n")  # a body line starting with "From" (mbox quoting)
    return built


def test_single_eml_file(tmp_path: Path) -> None:
    path = tmp_path / "one.eml"
    path.write_bytes(message("un").as_bytes())
    ((label, raw),) = list(iter_messages(str(path)))
    assert label == str(path)
    assert parse_message(raw).subject == "un"


def test_mbox(tmp_path: Path) -> None:
    path = tmp_path / "Sent"
    box = mailbox.mbox(path)
    for subject in ("un", "deux", "trois"):
        box.add(message(subject))
    box.close()
    found = list(iter_messages(path))
    assert [label for label, _ in found] == [f"{path}#1", f"{path}#2", f"{path}#3"]
    parsed = [parse_message(raw) for _, raw in found]
    assert [m.subject for m in parsed] == ["un", "deux", "trois"]
    assert all(m.text_body == "From the lab: all normal.\n" for m in parsed)


def test_maildir_cur_and_new(tmp_path: Path) -> None:
    box = mailbox.Maildir(tmp_path / "Maildir")
    box.add(mailbox.MaildirMessage(message("nouveau")))
    seen = mailbox.MaildirMessage(message("lu"))
    seen.set_subdir("cur")
    box.add(seen)
    (tmp_path / "Maildir" / "cur" / ".hidden").write_bytes(b"not a message")
    (tmp_path / "Maildir" / "tmp" / "partial").write_bytes(message("en cours").as_bytes())
    found = list(iter_messages(tmp_path / "Maildir"))
    assert sorted(parse_message(raw).subject for _, raw in found) == ["lu", "nouveau"]
    assert all(Path(label).parent.name in ("cur", "new") and Path(label).exists() for label, _ in found)


def test_empty_maildir(tmp_path: Path) -> None:
    mailbox.Maildir(tmp_path / "empty")
    assert list(iter_messages(tmp_path / "empty")) == []


def test_plain_folder_of_messages_and_mboxes(tmp_path: Path) -> None:
    (tmp_path / "b.eml").write_bytes(message("b").as_bytes())
    (tmp_path / "a.eml").write_bytes(message("a").as_bytes())
    (tmp_path / ".hidden.eml").write_bytes(message("hidden").as_bytes())
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.eml").write_bytes(message("c").as_bytes())
    box = mailbox.mbox(tmp_path / "c.mbox")
    box.add(message("mbox 1"))
    box.add(message("mbox 2"))
    box.close()
    found = list(iter_messages(tmp_path))
    assert [label for label, _ in found] == [
        str(tmp_path / "a.eml"),
        str(tmp_path / "b.eml"),
        f"{tmp_path / 'c.mbox'}#1",
        f"{tmp_path / 'c.mbox'}#2",
    ]
    assert [parse_message(raw).subject for _, raw in found] == ["a", "b", "mbox 1", "mbox 2"]


def test_folder_without_files(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    with pytest.raises(InputError, match="no message file"):
        list(iter_messages(tmp_path))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        list(iter_messages(tmp_path / "absent.eml"))
