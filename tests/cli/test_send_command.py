"""``medseal send`` end to end: a real aiosmtpd server on 127.0.0.1 with STARTTLS receives the protected mail."""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

import pytest

from medseal.crypto.keys import read_key
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


NN = b"%02d" % (97 - 900101123 % 97)


class FailsNth(Recorder):
    """A relay that accepts messages but refuses the ``n``-th DATA with a permanent error."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n, self.seen = n, 0

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # type: ignore[override]
        self.seen += 1
        if self.seen == self.n:
            return "554 5.7.1 refused by policy for this test"
        return await super().handle_DATA(server, session, envelope)  # type: ignore[arg-type]


FAMILY = (
    b"From: Dr. A. Martin <dr.martin@cabinet-demo.be>\r\nTo: marie.dupont.demo@gmail.com, soeur@famille-dupont.be\r\n"
    b"Cc: frere.demo@gmail.com\r\nSubject: Resultats\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
    b"Bonjour Madame Dupont, vos resultats (NISS 85.07.30-033.28) sont normaux.\r\n"
)


@pytest.mark.parametrize("fail_at", [1, 2, 3])
def test_split_send_refused_midway_reports_what_went_and_its_passwords(
    tmp_path: Path, pki, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], fail_at: int  # type: ignore[no-untyped-def]  # noqa: F811
) -> None:
    """Marie has an access code, her family does not: two messages (access code, then a generated password)."""
    from aiosmtpd.controller import Controller

    from medseal_cli.audit_log import verify

    from .test_smtp import free_port

    handler = FailsNth(fail_at)
    controller = Controller(
        handler, hostname="127.0.0.1", port=free_port(), tls_context=pki.server_context(), require_starttls=True,
        auth_required=True, auth_require_tls=True, authenticator=authenticator,
    )
    controller.start()
    try:
        monkeypatch.setenv("MEDSEAL_SMTP_PASSWORD", PASSWORD)
        config = tmp_path / "policy.toml"
        config.write_text(
            (EXAMPLES / "policy.toml").read_text()
            + f'\n[smtp]\nhost = "127.0.0.1"\nport = {controller.port}\nusername = "{USER}"\nuse_keyring = false\n'
            f'cafile = "{pki.ca_cert}"\ntimeout = 10\n'
        )
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(FAMILY)))
        log = tmp_path / "audit.jsonl"
        code = main(["send", "-t", "-oi", "--config", str(config), "--directory", str(EXAMPLES / "patients.csv"),
                     "--key-file", str(tmp_path / "key"), "--audit", str(log)])
    finally:
        controller.stop()
    err = capsys.readouterr().err
    delivered = handler.envelopes
    assert len(delivered) == min(fail_at - 1, 2)
    assert code == (0 if fail_at == 3 else 2), err
    generated = re.findall(r"[a-z2-9]{4}(?:-[a-z2-9]{4}){3}", err)
    if fail_at >= 2:  # Marie's message went: it opens with her access code, whose value is never printed
        assert open_message(bytes(delivered[0].original_content), password="tulip-harbor-lantern-42").body_text
        assert "tulip-harbor-lantern-42" not in err
    if fail_at == 2:
        assert "message 1 of 2 to marie.dupont.demo@gmail.com: delivered" in err
        assert "message 2 of 2" in err and "refused" in err
        assert generated == []  # the family's message never left: its password is useless, not shown
    if fail_at == 3:
        (password,) = generated
        assert open_message(bytes(delivered[1].original_content), password=password).body_text
    records = [json.loads(line) for line in log.read_text().splitlines()]
    (record,) = records
    expected = {1: "apply-partial-0-of-2", 2: "apply-partial-1-of-2", 3: "apply"}[fail_at]
    assert record["action"] == expected
    assert "famille-dupont" not in log.read_text()
    assert ("gmail.com" in record["recipient_domains"]) == (fail_at >= 2)  # only where mail really went
    assert any(d.startswith("other-") for d in record["recipient_domains"]) == (fail_at == 3)
    assert verify(log, read_key(tmp_path / "key")).ok
