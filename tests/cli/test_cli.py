"""The command line, in process and as a real subprocess: exit codes, JSON, masking, files written."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medseal_cli.main import main

pytestmark = pytest.mark.usefixtures("practice_key")

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
MESSAGES = sorted((EXAMPLES / "messages").glob("*.eml"))
DIRECTORY = EXAMPLES / "patients.csv"
POLICY = EXAMPLES / "policy.toml"
ACCESS_CODE = EXAMPLES / "access-code-marie.txt"
LAB = EXAMPLES / "messages" / "01-resultats-labo-patiente.eml"

# What must never appear in any output: the example patients' numbers (both forms) and names.
SECRETS = re.compile(
    r"85073003328|85\.07\.30-033\.28|62031415470|62\.03\.14-154\.70|91110208795|02052141234|"
    r"Dupont|Peeters|Lambert|Müller|Mueller",
    re.IGNORECASE,
)


def run(
    args: list[str],
    capsys: pytest.CaptureFixture[str],
    stdin: bytes | None = None,
    monkeypatch: pytest.MonkeyPatch | None = None,
) -> tuple[int, str, str]:
    if stdin is not None:
        assert monkeypatch is not None
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def cli(
    *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """The installed console script, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "medseal_cli.main", *args],
        input=stdin,
        capture_output=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        check=False,
    )


@pytest.fixture
def key_file(tmp_path: Path) -> str:
    return str(tmp_path / "config" / "key")


# -- scan ---------------------------------------------------------------------------------------------------


def test_scan_examples_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        ["scan", "--json", "--directory", str(DIRECTORY), "--config", str(POLICY), *map(str, MESSAGES)], capsys
    )
    assert code == 1
    document = json.loads(out)
    by_name = {Path(m["source"]).name: m for m in document["messages"]}
    assert by_name["03-reunion-de-service.eml"] == {"source": str(MESSAGES[2]), "verdict": "ok", "findings": []}
    lab = by_name["01-resultats-labo-patiente.eml"]
    assert lab["verdict"] == "block"
    assert {(f["kind"], f["where"]) for f in lab["findings"]} >= {
        ("niss", "subject"),
        ("patient_name", "subject"),
        ("patient_name", "attachment_name"),
        ("niss", "attachment"),
        ("standard_mailbox", "recipients"),
    }
    assert {f["kind"] for f in by_name["02-verwijsbrief-collega.eml"]["findings"]} >= {"ehealthbox_recipient", "niss"}
    assert [f["kind"] for f in by_name["04-rappel-vaccination-groupe.eml"]["findings"]] == ["patients_exposed"]
    assert "address_typo" in {f["kind"] for f in by_name["05-faute-de-frappe.eml"]["findings"]}
    for message in document["messages"]:
        for finding in message["findings"]:
            assert set(finding) == {"kind", "where", "masked", "confidence", "detail"}
            assert 0.0 <= finding["confidence"] <= 1.0
    assert not SECRETS.search(out) and not SECRETS.search(err)


@pytest.mark.parametrize("lang", ["fr", "nl", "de", "en"])
def test_scan_text_report_in_each_language(lang: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["scan", "--lang", lang, "--directory", str(DIRECTORY), str(LAB)], capsys)
    assert code == 1
    expected = {
        "fr": "Numéro national",
        "nl": "Rijksregisternummer",
        "de": "Nationalregisternummer",
        "en": "National number",
    }[lang]
    assert expected in out and "85.07.30-xxx.xx" in out
    assert not SECRETS.search(out)


def test_scan_folder_mbox_and_maildir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mbox = tmp_path / "sent.mbox"
    with mbox.open("wb") as handle:
        for message in MESSAGES:
            handle.write(b"From medseal@localhost Mon Nov 16 09:30:00 2026\n")
            handle.write(message.read_bytes().replace(b"\r\n", b"\n").replace(b"\nFrom ", b"\n>From "))
            handle.write(b"\n")
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    for i, message in enumerate(MESSAGES):
        shutil.copy(message, maildir / "cur" / f"{i}.host:2,S")
    for target in (EXAMPLES / "messages", mbox, maildir):
        code, out, _ = run(["scan", "--json", str(target)], capsys)
        assert code == 1
        verdicts = [m["verdict"] for m in json.loads(out)["messages"]]
        assert len(verdicts) == len(MESSAGES) and verdicts.count("ok") >= 1 and "block" in verdicts


def test_scan_clean_message_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["scan", str(EXAMPLES / "messages" / "03-reunion-de-service.eml")], capsys)[0] == 0


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (["missing.eml"], "not found"),
        ([str(DIRECTORY)], "not an e-mail"),
    ],
    ids=["missing", "not-mail"],
)
def test_scan_input_errors_exit_two(files: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(["scan", *files], capsys)
    assert code == 2
    assert message in err


def test_malformed_directory_names_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "patients.csv"
    bad.write_text("last_name,first_name,niss\nDupont,Marie,12345678901\n", encoding="utf-8")
    code, _out, err = run(["scan", "--directory", str(bad), str(LAB)], capsys)
    assert code == 2
    assert f"{bad}, line 2" in err and "niss" in err
    assert "12345678901" not in err


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=2000))
def test_scan_stdin_never_crashes(
    raw: bytes, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _out, err = run(["scan", "--json", "-"], capsys, stdin=raw, monkeypatch=monkeypatch)
    assert code in (0, 1, 2)
    assert "Traceback" not in err


def test_no_traceback_for_a_user_in_a_real_process(tmp_path: Path) -> None:
    junk = tmp_path / "junk.eml"
    junk.write_bytes(os.urandom(4096))
    result = cli("scan", str(junk))
    assert result.returncode in (0, 1, 2)
    assert b"Traceback" not in result.stderr
    usage = cli("scan")
    assert usage.returncode == 2 and b"usage:" in usage.stderr


# -- protect / open -----------------------------------------------------------------------------------------


def protect(tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str, source: Path = LAB) -> tuple[int, str]:
    out = tmp_path / "protected.eml"
    code, _o, err = run(
        [
            "protect",
            "--directory",
            str(DIRECTORY),
            "--key-file",
            str(tmp_path / "key"),
            str(source),
            "-o",
            str(out),
            *extra,
        ],
        capsys,
    )
    return code, err


def test_protect_then_open_with_access_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = protect(tmp_path, capsys)
    assert code == 0
    protected = (tmp_path / "protected.eml").read_bytes()
    travelling = re.sub(rb"(?m)^To: .*\r\n", b"", protected)  # the patient's own address is the recipient
    assert not SECRETS.search(travelling.decode("ascii", "replace"))
    assert b"X-Medseal-Envelope: pdf-password; v=1" in protected
    assert not SECRETS.search(err)
    opened = tmp_path / "opened"
    code, _out, _ = run(
        ["open", str(tmp_path / "protected.eml"), "--password-file", str(ACCESS_CODE), "-o", str(opened)], capsys
    )
    assert code == 0
    assert sorted(p.name for p in opened.iterdir()) == ["body.txt", "dupont_marie_labo.pdf"]
    assert "Madame Dupont" in (opened / "body.txt").read_text(encoding="utf-8")
    rescan = run(["scan", "--json", "--directory", str(DIRECTORY), str(tmp_path / "protected.eml")], capsys)
    assert rescan[0] == 0


def test_encrypted_pdfs_open_in_qpdf_and_pdftotext_only_with_the_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert protect(tmp_path, capsys, "--password-out", str(tmp_path / "pw.txt"))[0] == 0
    password = (tmp_path / "pw.txt").read_text().strip()
    assert password == ACCESS_CODE.read_text().strip()
    assert (tmp_path / "pw.txt").stat().st_mode & 0o077 == 0
    import email
    import email.policy

    mail = email.message_from_bytes((tmp_path / "protected.eml").read_bytes(), policy=email.policy.default)
    pdfs = {part.get_filename(): part.get_content() for part in mail.iter_attachments()}
    assert set(pdfs) == {"message.pdf", next(n for n in pdfs if n.startswith("P-"))}
    for name, data in pdfs.items():
        sealed = tmp_path / f"sealed-{name}"
        sealed.write_bytes(data)
        clear = tmp_path / f"clear-{name}"
        assert subprocess.run(["qpdf", "--requires-password", str(sealed)], check=False).returncode == 0
        show = subprocess.run(
            ["qpdf", f"--password={password}", "--show-encryption", str(sealed)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert "R = 6" in show.stdout and "AESv3" in show.stdout
        assert subprocess.run(["pdftotext", str(sealed), "-"], capture_output=True, check=False).returncode != 0
        decrypted = subprocess.run(
            ["qpdf", "--decrypt", f"--password={password}", str(sealed), str(clear)], capture_output=True, check=False
        )
        assert decrypted.returncode in (0, 3), decrypted.stderr
        text = subprocess.run(["pdftotext", str(clear), "-"], capture_output=True, text=True, check=True).stdout
        expected = "Madame Dupont" if name == "message.pdf" else "Hémoglobine"
        assert expected in text


def test_smime_recipient_decrypts_with_openssl(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from envelope.test_smime import make_identity, save

    key_pem, cert_pem = save(tmp_path, make_identity(name="Patient Demo"), "recipient")
    code, _err = protect(tmp_path, capsys, "--recipient-cert", str(cert_pem))
    assert code == 0
    protected = tmp_path / "protected.eml"
    assert b"application/pkcs7-mime" in protected.read_bytes()
    decrypted = subprocess.run(
        ["openssl", "cms", "-decrypt", "-in", str(protected), "-inkey", str(key_pem), "-recip", str(cert_pem)],
        capture_output=True,
        check=False,
    )
    assert decrypted.returncode == 0, decrypted.stderr
    assert b"dupont_marie_labo.pdf" in decrypted.stdout
    opened = tmp_path / "opened"
    code, _out, _ = run(
        ["open", str(protected), "--key", str(key_pem), "--cert", str(cert_pem), "-o", str(opened)], capsys
    )
    assert code == 0 and (opened / "dupont_marie_labo.pdf").read_bytes().startswith(b"%PDF")


def test_wrong_password_exits_two_and_leaves_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert protect(tmp_path, capsys)[0] == 0
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not-the-code-at-all\n")
    opened = tmp_path / "opened"
    code, _out, err = run(
        ["open", str(tmp_path / "protected.eml"), "--password-file", str(wrong), "-o", str(opened)], capsys
    )
    assert code == 2
    assert "cannot be opened" in err
    assert list(opened.iterdir()) == [] if opened.exists() else True


def test_truncated_envelope_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert protect(tmp_path, capsys)[0] == 0
    data = (tmp_path / "protected.eml").read_bytes()
    cut = tmp_path / "cut.eml"
    cut.write_bytes(data[: len(data) * 2 // 3])
    code, _out, _err = run(["open", str(cut), "--password-file", str(ACCESS_CODE), "-o", str(tmp_path / "o")], capsys)
    assert code == 2


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("02-verwijsbrief-collega.eml", "eHealthBox"),
        ("04-rappel-vaccination-groupe.eml", "--fix-recipients"),
        ("05-faute-de-frappe.eml", "adresse"),
    ],
    ids=["ehealthbox", "exposed", "typo"],
)
def test_protect_refuses_with_reason(
    message: str, reason: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = protect(tmp_path, capsys, "--config", str(POLICY), source=EXAMPLES / "messages" / message)
    assert code == 1
    assert reason in err
    assert not (tmp_path / "protected.eml").exists()


def test_fix_recipients_moves_patients_to_bcc(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = EXAMPLES / "messages" / "04-rappel-vaccination-groupe.eml"
    code, _err = protect(tmp_path, capsys, "--config", str(POLICY), "--fix-recipients", source=source)
    assert code == 0
    sent = (tmp_path / "protected.eml").read_bytes()
    assert b"gmail.com" not in sent.split(b"\r\n\r\n")[0], "patients must not be visible in the headers"


def test_ehealthbox_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = EXAMPLES / "messages" / "02-verwijsbrief-collega.eml"
    export = tmp_path / "ehbox"
    code, _err = protect(tmp_path, capsys, "--config", str(POLICY), "--ehealthbox-export", str(export), source=source)
    assert code == 1
    title = (export / "title.txt").read_text(encoding="utf-8")
    assert "Peeters" not in title and "dhr" not in title and re.search(r"r[ée]f\. P-", title)
    assert "INSZ" in (export / "body.txt").read_text(encoding="utf-8")


def test_invalid_policy_is_an_input_error_with_key_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "policy.toml"
    bad.write_text('[recipients]\nmax_to = 1\nmax_cc = "none"\n')
    code, err = protect(tmp_path, capsys, "--config", str(bad))
    assert code == 2
    assert "line 3" in err and "recipients.max_cc" in err


# -- keys, reveal, audit --------------------------------------------------------------------------------------


def test_key_export_import_gives_colleagues_the_same_pseudonyms(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mine, theirs = tmp_path / "mine", tmp_path / "theirs"
    assert run(["key", "new", "--key-file", str(mine)], capsys)[0] == 0
    code, exported, _ = run(["key", "export", "--key-file", str(mine)], capsys)
    assert code == 0 and exported.startswith("medseal-key-v1:")
    (tmp_path / "exported.txt").write_text(exported)
    assert run(["key", "import", str(tmp_path / "exported.txt"), "--key-file", str(theirs)], capsys)[0] == 0
    assert mine.read_bytes() == theirs.read_bytes()
    assert theirs.stat().st_mode & 0o077 == 0


def test_reveal_finds_the_patient_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = protect(tmp_path, capsys)
    assert code == 0
    pseudonym = re.search(r"P-[0-9A-Z]{4}-[0-9A-Z]{4}", err)
    assert pseudonym
    code, out, _ = run(
        ["reveal", pseudonym.group(0), "--directory", str(DIRECTORY), "--key-file", str(tmp_path / "key")], capsys
    )
    assert code == 0
    assert out.strip() == f"{DIRECTORY}, line 2: M. D."
    code, _out, _ = run(
        ["reveal", "P-0000-0000", "--directory", str(DIRECTORY), "--key-file", str(tmp_path / "key")], capsys
    )
    assert code == 1


def test_audit_log_chain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "audit.jsonl"
    for message in MESSAGES:
        protect(tmp_path, capsys, "--config", str(POLICY), "--audit", str(log), "--force", source=message)
    lines = log.read_text().splitlines()
    assert len(lines) == len(MESSAGES)
    assert not SECRETS.search(log.read_text())
    records: list[dict[str, Any]] = [json.loads(line) for line in lines]
    assert {r["verdict"] for r in records} >= {"block", "ok"}
    key = ["--key-file", str(tmp_path / "key")]
    assert run(["audit", "verify", str(log), *key], capsys)[0] == 0
    lines[1], lines[2] = lines[2], lines[1]
    log.write_text("\n".join(lines) + "\n")
    code, out, _ = run(["audit", "verify", str(log), *key], capsys)
    assert code == 1 and "line 2" in out


def test_directory_certificate_file_means_smime(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from envelope.test_smime import make_identity, save

    key_pem, cert_pem = save(tmp_path, make_identity(name="Patient Demo"), "marie")
    directory = tmp_path / "patients.csv"
    directory.write_text(
        "last_name,first_name,niss,email,certificate\n"
        f"Dupont,Marie,85073003328,marie.dupont.demo@gmail.com,{cert_pem.name}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.eml"
    code, _o, _e = run(
        ["protect", "--directory", str(directory), "--key-file", str(tmp_path / "key"), str(LAB), "-o", str(out)],
        capsys,
    )
    assert code == 0
    decrypted = subprocess.run(
        ["openssl", "cms", "-decrypt", "-in", str(out), "-inkey", str(key_pem), "-recip", str(cert_pem)],
        capture_output=True,
        check=False,
    )
    assert decrypted.returncode == 0 and b"dupont_marie_labo.pdf" in decrypted.stdout
