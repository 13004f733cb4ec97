"""``medseal send`` end to end: a real aiosmtpd server on 127.0.0.1 with STARTTLS receives the protected mail."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from medseal.envelope.opening import open_message
from medseal_cli.main import main

from .test_smtp import PASSWORD, USER, Recorder, authenticator, pki, running  # noqa: F401 - pki is a fixture

pytestmark = pytest.mark.usefixtures("practice_key")

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


@pytest.fixture
def server(pki):  # type: ignore[no-untyped-def]  # noqa: F811
    with running(
        tls_context=pki.server_context(),
        require_starttls=True,
        auth_required=True,
        auth_require_tls=True,
        authenticator=authenticator,
    ) as (recorder, port):
        yield recorder, port


@pytest.fixture
def config(tmp_path: Path, server: tuple[Recorder, int], pki, monkeypatch: pytest.MonkeyPatch) -> Path:  # type: ignore[no-untyped-def]  # noqa: F811
    monkeypatch.setenv("MEDSEAL_SMTP_PASSWORD", PASSWORD)
    path = tmp_path / "policy.toml"
    path.write_text(
        (EXAMPLES / "policy.toml").read_text()
        + f'\n[smtp]\nhost = "127.0.0.1"\nport = {server[1]}\nusername = "{USER}"\nuse_keyring = false\n'
        f'cafile = "{pki.ca_cert}"\ntimeout = 10\n'
    )
    return path


def send(message: Path, config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *extra: str) -> int:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(message.read_bytes())))
    return main(
        [
            "send",
            "-t",
            "-oi",
            "--config",
            str(config),
            "--directory",
            str(EXAMPLES / "patients.csv"),
            "--key-file",
            str(tmp_path / "key"),
            "--password-out",
            str(tmp_path / "pw.txt"),
            *extra,
        ]
    )


def test_protected_message_is_what_arrives(
    tmp_path: Path, config: Path, server: tuple[Recorder, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder, _port = server
    assert send(EXAMPLES / "messages" / "01-resultats-labo-patiente.eml", config, tmp_path, monkeypatch) == 0
    (envelope,) = recorder.envelopes
    assert envelope.rcpt_tos == ["marie.dupont.demo@gmail.com"]
    arrived = bytes(envelope.original_content)
    assert b"X-Medseal-Envelope: pdf-password" in arrived
    assert b"85.07.30" not in arrived and b"Dupont" not in arrived.split(b"\r\nSubject:")[1].split(b"\r\n")[0]
    opened = open_message(arrived, password=(tmp_path / "pw.txt").read_text().strip())
    assert "Madame Dupont" in (opened.body_text or "")


def test_clean_message_arrives_unchanged(
    tmp_path: Path, config: Path, server: tuple[Recorder, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder, _port = server
    source = EXAMPLES / "messages" / "03-reunion-de-service.eml"
    assert send(source, config, tmp_path, monkeypatch) == 0
    (envelope,) = recorder.envelopes
    assert envelope.original_content.replace(b"\r\n", b"\n").endswith(
        source.read_bytes().replace(b"\r\n", b"\n").split(b"\n\n", 1)[1]
    )


def test_blocked_message_is_never_relayed(
    tmp_path: Path,
    config: Path,
    server: tuple[Recorder, int],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    recorder, _port = server
    assert send(EXAMPLES / "messages" / "02-verwijsbrief-collega.eml", config, tmp_path, monkeypatch) == 1
    assert recorder.envelopes == []
    assert "eHealthBox" in capsys.readouterr().err


def test_extra_recipient_argument_is_checked_too(
    tmp_path: Path, config: Path, server: tuple[Recorder, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder, _port = server
    source = EXAMPLES / "messages" / "01-resultats-labo-patiente.eml"
    assert send(source, config, tmp_path, monkeypatch, "jan.peeters.demo@telenet.be") == 1
    assert recorder.envelopes == []
