"""Never lose what the user had, and secrets only where they must go: every output flag of every command.

Each row of the table names a command call whose output would land on a file the user already has (an existing
file, the input, the practice key, another output of the same call). The call must exit 2 with a message that
names the flag, and leave every file byte for byte as it was; ``--force`` lifts the refusal only for files that
are neither an input nor the key.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
import shutil
import subprocess
from email.message import EmailMessage
from pathlib import Path

import pytest

from .test_cli import ACCESS_CODE, DIRECTORY, EXAMPLES, LAB, POLICY, run

pytestmark = pytest.mark.usefixtures("practice_key")
BLOCKED = EXAMPLES / "messages" / "02-verwijsbrief-collega.eml"


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def work(tmp_path: Path, practice_key: Path) -> Path:
    """A folder with the user's files: a message, the directory, a policy, a key, files that already exist."""
    shutil.copy(LAB, tmp_path / "msg.eml")
    shutil.copy(BLOCKED, tmp_path / "blocked.eml")
    shutil.copy(DIRECTORY, tmp_path / "patients.csv")
    shutil.copy(POLICY, tmp_path / "policy.toml")
    (tmp_path / "smtp.toml").write_text(
        POLICY.read_text() + '\n[smtp]\nhost = "127.0.0.1"\nport = 9\nuse_keyring = false\ntimeout = 1\n'
    )
    shutil.copy(ACCESS_CODE, tmp_path / "code.txt")
    (tmp_path / "existing.txt").write_text("the user's own notes\n")
    (tmp_path / "ehbox").mkdir()
    (tmp_path / "ehbox" / "title.txt").write_text("an earlier export\n")
    (tmp_path / "opened").mkdir()
    (tmp_path / "opened" / "body.txt").write_text("an earlier opened message\n")
    return tmp_path


PROTECT = ["protect", "msg.eml", "--directory", "patients.csv", "--key-file", "key"]
PROTECT_BLOCKED = ["protect", "blocked.eml", "--directory", "patients.csv", "--config", "policy.toml",
                   "--key-file", "key"]
SEND = ["send", "-t", "--directory", "patients.csv", "--config", "smtp.toml", "--key-file", "key"]

#: (id, arguments, flag named in the error, whether --force may lift the refusal)
TABLE = [
    ("protect -o existing", [*PROTECT, "-o", "existing.txt"], "-o", True),
    ("protect -o input", [*PROTECT, "-o", "msg.eml"], "-o", False),
    ("protect -o key", [*PROTECT, "-o", "key"], "-o", False),
    ("protect -o directory", [*PROTECT, "-o", "patients.csv"], "-o", False),
    ("protect --password-out existing", [*PROTECT, "-o", "new.eml", "--password-out", "existing.txt"],
     "--password-out", True),
    ("protect -o X --password-out X", [*PROTECT, "-o", "same.txt", "--password-out", "same.txt"],
     "--password-out", False),
    ("protect --password-out key", [*PROTECT, "-o", "new.eml", "--password-out", "key"], "--password-out", False),
    ("protect --audit input", [*PROTECT, "-o", "new.eml", "--audit", "msg.eml"], "--audit", False),
    ("protect --audit key", [*PROTECT, "-o", "new.eml", "--audit", "key"], "--audit", False),
    ("protect --ehealthbox-export existing", [*PROTECT_BLOCKED, "--ehealthbox-export", "ehbox"],
     "--ehealthbox-export", True),
    ("protect -o = --audit", [*PROTECT, "-o", "log.jsonl", "--audit", "log.jsonl"], "--audit", False),
    ("open -o existing file", ["open", "prot.eml", "--password-file", "code.txt", "-o", "opened"], "-o", True),
    ("key export -o existing", ["key", "export", "--key-file", "key", "-o", "existing.txt"], "-o", True),
    ("key export -o key", ["key", "export", "--key-file", "key", "-o", "key"], "-o", False),
    ("key new over a key", ["key", "new", "--key-file", "key"], "already exists", False),
    ("directory codes -o existing", ["directory", "codes", "--directory", "patients.csv", "-o", "existing.txt",
                                     "--cards", "cards.pdf"], "-o", True),
    ("directory codes -o input", ["directory", "codes", "--directory", "patients.csv", "-o", "patients.csv",
                                  "--cards", "cards.pdf"], "-o", False),
    ("directory codes --cards existing", ["directory", "codes", "--directory", "patients.csv", "-o", "new.csv",
                                          "--cards", "existing.txt"], "--cards", True),
    ("directory codes --cards = -o", ["directory", "codes", "--directory", "patients.csv", "-o", "x.csv",
                                      "--cards", "x.csv"], "--cards", False),
    ("send --password-out existing", [*SEND, "--password-out", "existing.txt"], "--password-out", True),
    ("send --password-out directory", [*SEND, "--password-out", "patients.csv"], "--password-out", False),
    ("scan --audit input", ["scan", "msg.eml", "--key-file", "key", "--audit", "msg.eml"], "--audit", False),
]


@pytest.mark.parametrize(("args", "flag", "forceable"), [row[1:] for row in TABLE], ids=[row[0] for row in TABLE])
def test_no_output_flag_overwrites_what_the_user_had(
    work: Path, args: list[str], flag: str, forceable: bool, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(work)
    if args[0] == "open":
        assert run([*PROTECT, "-o", "prot.eml"], capsys)[0] == 0
    before = _snapshot(work)
    stdin = LAB.read_bytes() if args[0] == "send" else None
    code, _out, err = run(args, capsys, stdin=stdin, monkeypatch=monkeypatch if stdin else None)
    assert code == 2, err
    assert flag in err
    assert _snapshot(work) == before, "a refused call changed a file"
    if not forceable and args[0] not in ("key", "scan"):
        code, _out, err = run([*args, "--force"], capsys, stdin=stdin, monkeypatch=monkeypatch if stdin else None)
        assert code == 2 and _snapshot(work) == before, err


def test_force_replaces_an_existing_output(work: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(work)
    assert run([*PROTECT, "-o", "existing.txt", "--force"], capsys)[0] == 0
    assert (work / "existing.txt").read_bytes().startswith(b"")
    assert b"X-Medseal-Envelope" in (work / "existing.txt").read_bytes()
    assert not [p for p in work.iterdir() if p.name.endswith(".tmp")], "temporary file left behind"


def test_a_missing_key_file_is_an_error_not_a_new_key(work: Path, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(work)
    code, _out, err = run(["protect", "msg.eml", "--directory", "patients.csv", "--key-file", "kye", "-o", "o.eml"],
                          capsys)
    assert code == 2 and "medseal key new --key-file kye" in err
    assert not (work / "kye").exists() and not (work / "o.eml").exists()
    assert run(["key", "new", "--key-file", "kye"], capsys)[0] == 0
    assert (work / "kye").stat().st_mode & 0o077 == 0


# -- secrets: which kind of password, the generated one printed once -------------------------------------------


def _patients_without_codes(work: Path) -> Path:
    text = (work / "patients.csv").read_text().replace("tulip-harbor-lantern-42", "")
    (work / "nocodes.csv").write_text(text)
    return work / "nocodes.csv"


def test_json_says_which_password_and_shows_a_generated_one_once(
    work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(work)
    code, out, err = run([*PROTECT, "-o", "a.eml", "--json"], capsys)
    assert code == 0
    (entry,) = json.loads(out)["passwords"]
    assert entry == {"message": "a.eml", "kind": "access_code", "password": None}
    assert "tulip-harbor-lantern-42" not in out + err

    directory = str(_patients_without_codes(work))
    code, out, err = run(["protect", "msg.eml", "--directory", directory, "--key-file", "key", "-o", "b.eml",
                          "--json"], capsys)
    (entry,) = json.loads(out)["passwords"]
    assert entry["kind"] == "generated" and re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", entry["password"])
    assert (out + err).count(entry["password"]) == 1

    code, out, err = run(["protect", "msg.eml", "--directory", directory, "--key-file", "key", "-o", "c.eml"],
                         capsys)
    (shown,) = re.findall(r"[a-z2-9]{4}(?:-[a-z2-9]{4}){3}", err)
    assert (out + err).count(shown) == 1

    code, out, err = run(["protect", "msg.eml", "--directory", directory, "--key-file", "key", "-o", "d.eml",
                          "--password-file", "code.txt", "--json"], capsys)
    (entry,) = json.loads(out)["passwords"]
    assert entry == {"message": "d.eml", "kind": "supplied", "password": None}

    code, out, err = run(["protect", "msg.eml", "--directory", directory, "--key-file", "key", "-o", "e.eml",
                          "--password-out", "pw.txt", "--json"], capsys)
    (entry,) = json.loads(out)["passwords"]
    written = (work / "pw.txt").read_text().strip()
    assert entry["password"] is None and written not in out + err
    assert (work / "pw.txt").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("password", ["12345678", "30071985", "motdepasse", "azertyuiop"])
def test_a_weak_password_file_is_refused(work: Path, password: str, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(work)
    (work / "weak.txt").write_text(password + "\n")
    code, _out, err = run([*PROTECT, "-o", "x.eml", "--password-file", "weak.txt"], capsys)
    assert code == 2 and "too weak" in err and password not in err
    assert not (work / "x.eml").exists()


def test_a_weak_directory_code_is_refused_by_line(work: Path, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(work)
    (work / "weak.csv").write_text((work / "patients.csv").read_text().replace("tulip-harbor-lantern-42", "1234"))
    code, _out, err = run(["protect", "msg.eml", "--directory", "weak.csv", "--key-file", "key", "-o", "x.eml"],
                          capsys)
    assert code == 2 and "weak.csv" in err and "line 2" in err and "1234" not in err
    assert run(["scan", "msg.eml", "--directory", "weak.csv"], capsys)[0] == 1  # scanning still works


@pytest.mark.parametrize("pattern", ["be", "*", "*.be", "gmail.com", "skynet.be", "hotmail.*"])
def test_a_too_wide_trusted_pattern_is_refused(work: Path, pattern: str, capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(work)
    (work / "wide.toml").write_text(f'[recipients]\ntrusted_domains = ["{pattern}"]\n')
    code, _out, err = run([*PROTECT, "-o", "x.eml", "--config", "wide.toml"], capsys)
    assert code == 2 and "recipients.trusted_domains" in err and "line 2" in err
    assert re.search(r"every domain|top-level domain|standard mailbox provider", err)


# -- open: only the envelope's content --------------------------------------------------------------------------


@pytest.mark.pyodide_incompatible("pdftotext and the CLI's files")
def test_open_writes_only_the_envelope_and_reports_clear_parts(
    work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(work)
    assert run([*PROTECT, "-o", "prot.eml"], capsys)[0] == 0
    mail = email.message_from_bytes((work / "prot.eml").read_bytes(), policy=email.policy.SMTP)
    assert isinstance(mail, EmailMessage)
    mail.add_attachment(b"pay here: evil.example", maintype="text", subtype="plain", filename="instructions.txt")
    (work / "tampered.eml").write_bytes(mail.as_bytes())
    code, out, err = run(["open", "tampered.eml", "--password-file", "code.txt", "-o", "new-open", "--json"], capsys)
    assert code == 0
    summary = json.loads(out)
    assert sorted(Path(p).name for p in summary["files"]) == ["body.txt", "dupont_marie_labo.pdf"]
    assert summary["outside_envelope"] == [{"name": "instructions.txt", "type": "text/plain", "size": 22}]
    assert "instructions.txt" in err and "clear" in err
    assert sorted(p.name for p in (work / "new-open").iterdir()) == ["body.txt", "dupont_marie_labo.pdf"]


# -- directory codes: the cards -------------------------------------------------------------------------------


@pytest.mark.pyodide_incompatible("pdftotext")
def test_directory_codes_writes_a_new_csv_and_one_card_per_patient(
    work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(work)
    (work / "mixed.csv").write_text((work / "patients.csv").read_text().replace(",,patient", ",30071985,patient", 1))
    before = (work / "mixed.csv").read_bytes()
    code, out, err = run(["directory", "codes", "--directory", "mixed.csv", "-o", "new.csv", "--cards", "cards.pdf",
                          "--lang", "fr"], capsys)
    assert code == 0, err
    assert (work / "mixed.csv").read_bytes() == before
    new = (work / "new.csv").read_text()
    codes = re.findall(r"[a-z2-9]{4}(?:-[a-z2-9]{4}){3}", new)
    assert len(codes) == 3  # the three patients without a strong code; the professional gets none
    assert not any(c in out + err for c in codes), "codes go to the two files only"
    assert run(["directory", "check", "--directory", "new.csv"], capsys)[0] == 0
    pages = subprocess.run(["pdfinfo", "cards.pdf"], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Pages:\s+3\b", pages)
    text = subprocess.run(["pdftotext", "cards.pdf", "-"], capture_output=True, text=True, check=True).stdout
    assert all(text.count(c) == 1 for c in codes)
    assert text.count("Votre code d'accès aux messages du cabinet") == 3
    assert "tulip-harbor-lantern-42" not in text  # a strong code is left alone and not printed


@pytest.mark.pyodide_incompatible("pdftotext")
def test_each_card_is_in_its_patients_language_else_the_practices(
    work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from medseal.i18n import LANGUAGES, t

    monkeypatch.chdir(work)
    rows = [("Dupont", "Marie", "fr"), ("Peeters", "Jan", "nl"), ("Müller", "Anna", "de"), ("Smith", "Ann", "en"),
            ("Lambert", "Sophie", "")]
    (work / "langs.csv").write_text("last_name,first_name,language\n" + "".join(f"{a},{b},{c}\n" for a, b, c in rows))
    code, _out, err = run(["directory", "codes", "--directory", "langs.csv", "-o", "new.csv", "--cards", "cards.pdf",
                          "--lang", "nl"], capsys)
    assert code == 0, err
    codes = re.findall(r"[a-z2-9]{4}(?:-[a-z2-9]{4}){3}", (work / "new.csv").read_text())
    assert len(codes) == len(rows)
    text = subprocess.run(["pdftotext", "cards.pdf", "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")[:-1]
    assert len(pages) == len(rows)
    for (last, first, language), page, access_code in zip(rows, pages, codes, strict=True):
        expected = language or "nl"  # no language in the directory: the practice's (here --lang)
        assert f"{first} {last}" in page and text.count(access_code) == 1 and access_code in page
        assert t("card.title", expected) in page and t("card.code_label", expected) in page
        assert not any(t("card.title", other) in page for other in LANGUAGES if other != expected)


def test_protect_prints_the_audit_head_that_verify_checks(
    work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(work)
    code, out, _err = run([*PROTECT_BLOCKED, "--json", "--audit", "log.jsonl"], capsys)
    assert code == 1
    first = json.loads(out)["audit_head"]
    code, _out, err = run([*PROTECT, "-o", "p.eml", "--audit", "log.jsonl"], capsys)
    assert code == 0 and "audit head" in err
    verify = ["audit", "verify", "log.jsonl", "--key-file", "key"]
    assert run([*verify, "--expect-head", first], capsys)[0] == 0
    # a rollback of log and anchor to their state after the first record is caught by the noted head
    second = re.search(r"audit head ([0-9a-f]{64})", err)
    assert second
    lines = (work / "log.jsonl").read_text().splitlines(keepends=True)
    (work / "log.jsonl").write_text(lines[0])
    from medseal.audit import anchor_text, audit_key
    from medseal.crypto.keys import read_key

    (work / "log.jsonl.head").write_text(anchor_text(1, first, audit_key(read_key(work / "key"))))
    assert run(verify, capsys)[0] == 0  # a consistent older pair: only a head noted elsewhere shows it
    code, out, _err = run([*verify, "--expect-head", second.group(1)], capsys)
    assert code == 1 and "cut or rewritten" in out


def test_only_the_codes_that_would_encrypt_are_judged_at_send_time(
    work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A weak code on another patient's row does not stop this message; ``directory check`` lists it."""
    monkeypatch.chdir(work)
    jan = "jan.peeters.demo@telenet.be,"
    text = (work / "patients.csv").read_text().replace(jan + ",", jan + "1234,")
    (work / "other-weak.csv").write_text(text)
    code, _out, err = run(["protect", "msg.eml", "--directory", "other-weak.csv", "--key-file", "key", "-o", "x.eml"],
                          capsys)
    assert code == 0, err
    code, out, _err = run(["directory", "check", "--directory", "other-weak.csv"], capsys)
    assert code == 1 and "line 3" in out and "1234" not in out
