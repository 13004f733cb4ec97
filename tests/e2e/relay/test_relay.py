"""``medseal relay`` end to end: a real relay process, a real upstream (aiosmtpd) and smtplib clients."""

from __future__ import annotations

import email
import email.policy
import io
import json
import os
import smtplib
import stat
import time
import tomllib
import urllib.request
from email.message import EmailMessage

import pytest
from interceptor import assert_nothing_in_clear
from relay_harness import RelayDir, RelayProcess, Sink, client, example, relay_command, tls_context

pytestmark = pytest.mark.e2e

MARIE = {"niss": ["85073003328"], "names": ["Marie Dupont"]}  # "dupont" is in her own address


def _parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _sensitive_to_stranger() -> bytes:
    """Patient data to an address the directory does not know: encrypted with a generated password."""
    mail = EmailMessage()
    mail["From"] = "dr.martin@cabinet-demo.be"
    mail["To"] = "kine.demo@gmail.com"
    mail["Subject"] = "Suivi de Marie Dupont"
    mail.set_content("Bonjour,\n\nMarie Dupont (NISS 85.07.30-033.28) commence la kiné lundi.\n")
    return mail.as_bytes()


def test_init_writes_config_certificate_and_one_hashed_user(relay_dir: RelayDir) -> None:
    folder = relay_dir.folder
    password_file = folder / "practice.password"
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    assert (folder / "cert.pem").read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    assert stat.S_IMODE((folder / "key.pem").stat().st_mode) == 0o600
    text = relay_dir.config.read_text(encoding="utf-8")
    assert relay_dir.password not in text
    data = tomllib.loads(text)
    assert data["users"]["practice"]["password"].startswith("scrypt$")
    fresh = folder.parent / f"{folder.name}-fresh"
    relay_command("--init", str(fresh))
    assert 'listen = "127.0.0.1:8587"' in (fresh / "relay.toml").read_text(encoding="utf-8")
    assert tomllib.loads((fresh / "relay.toml").read_text(encoding="utf-8"))["upstream"]["host"] == ""
    again = relay_command("--init", str(folder))  # never overwrites
    assert again.returncode == 2 and "already exists" in again.stderr
    assert password_file.read_text(encoding="utf-8").strip() == relay_dir.password


def test_clean_message_is_relayed_unchanged(relay: RelayProcess, relay_dir: RelayDir, sink: Sink) -> None:
    raw = example("03-reunion-de-service.eml")
    with client(relay_dir, relay.port) as session:
        session.sendmail("dr.martin@cabinet-demo.be", ["secretariat@cabinet-demo.be"], raw)
    (sender, recipients, got), = sink.wait(1)
    assert sender == "dr.martin@cabinet-demo.be" and recipients == ["secretariat@cabinet-demo.be"]
    assert got.replace(b"\r\n", b"\n").strip() == raw.replace(b"\r\n", b"\n").strip()


def test_sensitive_message_is_relayed_protected(relay: RelayProcess, relay_dir: RelayDir, sink: Sink) -> None:
    raw = example("01-resultats-labo-patiente.eml")
    with client(relay_dir, relay.port) as session:
        session.sendmail("dr.martin@cabinet-demo.be", ["marie.dupont.demo@gmail.com"], raw)
    (_, recipients, got), = sink.wait(1)
    assert recipients == ["marie.dupont.demo@gmail.com"]
    assert_nothing_in_clear(got, **MARIE)
    message = _parse(got)
    assert message["X-Medseal-Envelope"].startswith("pdf-password")
    assert "P-" in message["Subject"]


def test_generated_password_never_travels_and_is_on_the_handover_page(
    relay: RelayProcess, relay_dir: RelayDir, sink: Sink
) -> None:
    from pypdf import PdfReader

    with client(relay_dir, relay.port) as session:
        session.sendmail("dr.martin@cabinet-demo.be", ["kine.demo@gmail.com"], _sensitive_to_stranger())
    (_, _, got), = sink.wait(1)
    assert_nothing_in_clear(got, **MARIE)
    config = tomllib.loads(relay_dir.config.read_text(encoding="utf-8"))
    url = f"https://{config['handover']['listen']}/"
    request = urllib.request.Request(url)
    import base64

    token = base64.b64encode(f"practice:{relay_dir.password}".encode()).decode()
    request.add_header("Authorization", f"Basic {token}")
    https = urllib.request.HTTPSHandler(context=tls_context(relay_dir.cert))
    page = urllib.request.build_opener(https).open(request, timeout=30).read().decode()
    import re

    passwords = re.findall(r"<code>([^<]+)</code>", page)
    assert passwords, page
    password = passwords[0]
    assert password.encode() not in got  # not in the message, nor anywhere in what the provider received
    assert all(password.encode() not in raw for _, _, raw in sink.messages)
    spool = relay_dir.folder / "spool"
    assert all(password.encode() not in p.read_bytes() for p in spool.rglob("*") if p.is_file())
    message = _parse(got)
    pdf = next(part for part in message.iter_attachments() if part.get_filename() == "message.pdf")
    reader = PdfReader(io.BytesIO(pdf.get_content()))
    assert reader.is_encrypted and reader.decrypt(password)
    assert "85.07.30-033.28" in reader.pages[0].extract_text()
    wrong = urllib.request.Request(url)
    wrong.add_header("Authorization", "Basic " + base64.b64encode(b"practice:wrong-password").decode())
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.build_opener(https).open(wrong, timeout=30)
    assert refused.value.code == 401


def test_unprotectable_message_is_refused_with_the_reason_and_a_neutral_ndr(
    relay: RelayProcess, relay_dir: RelayDir, sink: Sink
) -> None:
    raw = example("05-faute-de-frappe.eml")
    with client(relay_dir, relay.port) as session, pytest.raises(smtplib.SMTPDataError) as refused:
        session.sendmail("dr.martin@cabinet-demo.be", ["s.lambert.demo@hotmial.com"], raw)
    assert refused.value.smtp_code == 550
    text = refused.value.smtp_error.decode()
    assert text.startswith("5.7.1 medseal a refuse ce message")
    (_sender, recipients, ndr), = sink.wait(1)  # only the report to the sender: the message never went out
    assert recipients == ["dr.martin@cabinet-demo.be"]
    assert b"hotmial" not in ndr and b"ordonnance" not in ndr.lower()
    report = _parse(ndr)
    assert report["Subject"] == "Message non envoyé (medseal)"
    assert "Raison" in report.get_body().get_content()
    assert_nothing_in_clear(ndr, niss=["85073003328"], names=["Lambert", "Sophie Lambert"])


def test_refusal_is_in_the_users_language(tmp_path, sink: Sink) -> None:  # type: ignore[no-untyped-def]
    from relay_harness import init_relay

    relay_dir = init_relay(tmp_path / "nl", sink.port)
    result = relay_command("--config", str(relay_dir.config), "--add-user", "balie")
    assert result.returncode == 0, result.stderr
    password_file = relay_dir.folder / "balie.password"
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    password = password_file.read_text(encoding="utf-8").strip()
    assert password not in relay_dir.config.read_text(encoding="utf-8")
    text = relay_dir.config.read_text(encoding="utf-8")
    head, _, tail = text.partition("[users.balie]\n")
    relay_dir.config.write_text(head + "[users.balie]\n" + tail.replace('language = ""', 'language = "nl"', 1),
                                encoding="utf-8")
    process = RelayProcess(relay_dir).start()
    try:
        with client(relay_dir, process.port, user="balie", password=password) as session, pytest.raises(
            smtplib.SMTPDataError
        ) as refused:
            session.sendmail("dr.martin@cabinet-demo.be", ["dr.janssens@cardio-demo.be"],
                             example("02-verwijsbrief-collega.eml"))
    finally:
        process.stop()
    assert refused.value.smtp_code == 550
    assert "medseal heeft dit bericht geweigerd" in refused.value.smtp_error.decode()
    assert all(r != ["dr.janssens@cardio-demo.be"] for _, r, _ in sink.messages)


def test_unauthenticated_mail_from_is_refused_and_nothing_relayed(
    relay: RelayProcess, relay_dir: RelayDir, sink: Sink
) -> None:
    with client(relay_dir, relay.port, user=None) as session:
        code, _ = session.mail("anyone@example.com")
        assert code == 530
        code, _ = session.rcpt("victim@example.org")
        assert code >= 500
    with client(relay_dir, relay.port, user=None, starttls=False) as session:
        assert session.mail("anyone@example.com")[0] == 530  # STARTTLS first
        with pytest.raises(smtplib.SMTPException):
            session.login("practice", relay_dir.password)  # AUTH refused without TLS
    time.sleep(0.5)
    assert sink.messages == []


def _auth_plain(session: smtplib.SMTP, user: str, password: str) -> int:
    """One AUTH PLAIN attempt (smtplib's login() would try each mechanism in turn); the reply code."""
    try:
        return session.auth("PLAIN", lambda challenge=None: f"\0{user}\0{password}")[0]
    except smtplib.SMTPAuthenticationError as exc:
        return exc.smtp_code


def test_auth_brute_force_is_locked_out_per_address(relay: RelayProcess, relay_dir: RelayDir) -> None:
    attacker = "127.0.0.7"
    codes = []
    for attempt in range(8):  # bounded
        with client(relay_dir, relay.port, user=None, source=attacker) as session:
            codes.append(_auth_plain(session, "practice", f"guess-{attempt}"))
    assert codes[:5] == [535] * 5 and set(codes[5:]) == {454}
    with client(relay_dir, relay.port, user=None, source=attacker) as session:
        assert _auth_plain(session, "practice", relay_dir.password) == 454  # even the right one, while locked
    with client(relay_dir, relay.port, source="127.0.0.1") as session:  # other clients are unaffected
        assert session.noop()[0] == 250


def test_oversize_message_is_refused(relay: RelayProcess, relay_dir: RelayDir, sink: Sink) -> None:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "dr.martin@cabinet-demo.be", "secretariat@cabinet-demo.be", "big"
    mail.set_content("x" * 100 + "\n")
    mail.add_attachment(os.urandom(3 * 1024 * 1024), maintype="application", subtype="octet-stream",
                        filename="big.bin")
    with client(relay_dir, relay.port) as session:
        assert session.has_extn("size") and int(session.esmtp_features["size"]) == 2 * 1024 * 1024
        with pytest.raises((smtplib.SMTPDataError, smtplib.SMTPSenderRefused, smtplib.SMTPServerDisconnected)):
            session.sendmail("dr.martin@cabinet-demo.be", ["secretariat@cabinet-demo.be"], mail.as_bytes())
    time.sleep(0.5)
    assert sink.messages == []


def test_recipient_limit(relay: RelayProcess, relay_dir: RelayDir) -> None:
    with client(relay_dir, relay.port) as session:
        assert session.mail("dr.martin@cabinet-demo.be")[0] == 250
        codes = [session.rcpt(f"r{i}@cabinet-demo.be")[0] for i in range(12)]
    assert codes[:10] == [250] * 10 and codes[10:] == [452, 452]


def test_malformed_smtp_is_refused_and_the_relay_keeps_serving(relay: RelayProcess, relay_dir: RelayDir) -> None:
    import socket

    with socket.create_connection(("127.0.0.1", relay.port), timeout=30) as raw:
        reader = raw.makefile("rb")
        assert reader.readline().startswith(b"220")
        replies = []
        for line in (b"HELO\r\n", b"\x00\xff\xfe garbage\r\n", b"MAIL FROM:<a@b>\r\n", b"RCPT TO:\r\n",
                     b"DATA\r\n", b"EHLO " + b"a" * 3000 + b"\r\n", b"AUTH PLAIN !!!notbase64\r\n"):
            raw.sendall(line)
            replies.append(reader.readline())
        codes = [int(r[:3]) for r in replies if r[:3].isdigit()]
        assert codes and all(code >= 500 for code in codes), replies
        for _ in range(40):  # bounded: a flood of junk ends with the connection closed
            try:
                raw.sendall(b"NOOP junk\r\n")
                if not reader.readline():
                    break
            except OSError:
                break
        else:
            pytest.fail("the relay accepted 40 junk commands without closing")
    with client(relay_dir, relay.port) as session:
        assert session.noop()[0] == 250


def test_connection_rate_limit(relay: RelayProcess) -> None:
    import socket

    greetings = []
    for _ in range(210):  # bounded: the limit is 200 a minute in these tests
        with socket.create_connection(("127.0.0.1", relay.port), timeout=30,
                                      source_address=("127.0.0.9", 0)) as raw:
            greetings.append(raw.makefile("rb").readline()[:3])
    assert greetings[0] == b"220" and greetings[-1] == b"421"


def test_sender_cannot_hide_a_recipient_in_the_envelope(relay: RelayProcess, relay_dir: RelayDir, sink: Sink) -> None:
    """An envelope-only recipient (Bcc) is checked like the others: not relayed in clear."""
    raw = example("03-reunion-de-service.eml").replace(b"jeudi", b"jeudi, Marie Dupont 85.07.30-033.28", 1)
    with client(relay_dir, relay.port) as session:
        session.sendmail("dr.martin@cabinet-demo.be", ["secretariat@cabinet-demo.be", "spy.demo@gmail.com"], raw)
    messages = sink.wait(1)
    time.sleep(0.5)
    for _, recipients, got in sink.messages:
        if "spy.demo@gmail.com" in recipients:
            assert_nothing_in_clear(got, **MARIE)
    assert any("spy.demo@gmail.com" in r for _, r, _ in messages)


def test_temporary_failures_stay_queued_and_permanent_ones_bounce(
    relay: RelayProcess, relay_dir: RelayDir, sink: Sink
) -> None:
    sink.reply = "451 4.3.0 try later"
    raw = example("03-reunion-de-service.eml")
    with client(relay_dir, relay.port) as session:
        session.sendmail("dr.martin@cabinet-demo.be", ["secretariat@cabinet-demo.be"], raw)
    deadline = time.monotonic() + 30
    queue: list[dict[str, object]] = []
    while time.monotonic() < deadline:
        listed = relay_command("queue", "--config", str(relay_dir.config), "--json")
        queue = json.loads(listed.stdout)["queue"]
        if queue and int(str(queue[0]["attempts"])) >= 2:
            break
        time.sleep(0.3)
    assert queue and int(str(queue[0]["attempts"])) >= 2 and "451" in str(queue[0]["last_error"])
    assert "secretariat" not in json.dumps(queue)
    sink.refuse["secretariat@cabinet-demo.be"] = "550 5.1.1 no such user"
    sink.reply = "250 OK"
    (_, recipients, ndr), = sink.wait(1)
    assert recipients == ["dr.martin@cabinet-demo.be"]
    assert "550" in _parse(ndr).get_body().get_content()
    assert b"secretariat" not in ndr and b"no such user" not in ndr


def test_audit_log_has_one_verified_record_per_decision(relay: RelayProcess, relay_dir: RelayDir) -> None:
    import subprocess
    import sys

    log = relay_dir.folder / "audit.log"
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert lines and {line["command"] for line in lines} == {"relay"}
    assert {"send", "apply", "block"} <= {line["action"] for line in lines}
    text = log.read_text(encoding="utf-8")
    assert "85073003328" not in text and "Dupont" not in text
    key = relay_dir.folder / "practice.key"  # the keyed chain verifies under the practice key only
    command = [sys.executable, "-m", "medseal_cli.main", "audit", "verify", str(log), "--key-file", str(key)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_crash_between_accept_and_relay_loses_nothing_and_sends_once(tmp_path, sink: Sink) -> None:  # type: ignore[no-untyped-def]
    from relay_harness import free_port, init_relay

    down = free_port()  # the provider is down while the message is accepted
    relay_dir = init_relay(tmp_path / "crash", down)
    first = RelayProcess(relay_dir).start()
    raw = example("01-resultats-labo-patiente.eml")
    with client(relay_dir, first.port) as session:
        reply = session.sendmail("dr.martin@cabinet-demo.be", ["marie.dupont.demo@gmail.com"], raw)
    assert reply == {}
    queued = json.loads(relay_command("queue", "--config", str(relay_dir.config), "--json").stdout)["queue"]
    assert len(queued) == 1
    first.kill()  # SIGKILL: no clean shutdown
    provider = Sink(port=down).start()
    try:
        second = RelayProcess(relay_dir).start()
        try:
            (_, recipients, got), = provider.wait(1, timeout=60)
            time.sleep(3)  # would a second copy follow?
            assert len(provider.messages) == 1
            assert recipients == ["marie.dupont.demo@gmail.com"]
            assert_nothing_in_clear(got, **MARIE)
            assert json.loads(relay_command("queue", "--config", str(relay_dir.config), "--json").stdout)[
                "queue"] == []
        finally:
            assert second.stop() == 0  # SIGTERM: a clean stop
    finally:
        provider.stop()


def test_implicit_tls_submission(tmp_path, sink: Sink) -> None:  # type: ignore[no-untyped-def]
    """Port 465 style: TLS from the first byte, then AUTH."""
    from relay_harness import init_relay

    relay_dir = init_relay(tmp_path / "tls", sink.port, tls="implicit")
    process = RelayProcess(relay_dir).start()
    try:
        with smtplib.SMTP_SSL("127.0.0.1", process.port, timeout=60, context=tls_context(relay_dir.cert)) as session:
            session.login("practice", relay_dir.password)
            session.sendmail("dr.martin@cabinet-demo.be", ["secretariat@cabinet-demo.be"],
                             example("03-reunion-de-service.eml"))
        (_, recipients, _), = sink.wait(1)
        assert recipients == ["secretariat@cabinet-demo.be"]
    finally:
        process.stop()


def test_plain_upstream_is_refused_off_loopback(relay_dir: RelayDir) -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "medseal_cli.main", "relay", "--config", str(relay_dir.config),
         "--upstream", "smtp.provider.example:25", "--listen", "127.0.0.1:1"],
        capture_output=True, text=True, check=False, timeout=60,
    )
    assert result.returncode == 2 and "never-loopback-only" in result.stderr


def test_one_session_may_send_many_messages(relay: RelayProcess, relay_dir: RelayDir, sink: Sink) -> None:
    """An EMR program sends its batch in one session: more messages than the junk-command limit (30)."""
    raw = example("03-reunion-de-service.eml")
    with client(relay_dir, relay.port) as session:
        for _ in range(35):  # bounded
            session.sendmail("dr.martin@cabinet-demo.be", ["secretariat@cabinet-demo.be"], raw)
    try:
        assert len(sink.wait(35)) == 35
    except TimeoutError as exc:
        queue = relay_command("queue", "--config", str(relay_dir.config)).stdout
        raise AssertionError(f"{exc}\nqueue:\n{queue[:3000]}\nrelay log:\n{relay.log()[-4000:]}") from None


def test_directory_update_needs_no_restart(tmp_path, sink: Sink) -> None:  # type: ignore[no-untyped-def]
    """Marie's access code added to the directory is used by the running relay (no generated password)."""
    from relay_harness import EXAMPLES, init_relay

    lines = (EXAMPLES / "patients.csv").read_text(encoding="utf-8").splitlines()
    directory = tmp_path / "patients.csv"
    directory.write_text("\n".join(line for line in lines if not line.startswith("Dupont,Marie")) + "\n",
                         encoding="utf-8")
    relay_dir = init_relay(tmp_path / "reload", sink.port, directory=str(directory))
    process = RelayProcess(relay_dir).start()
    handovers = relay_dir.folder / "spool" / "handovers" / "practice.jsonl"
    raw = example("01-resultats-labo-patiente.eml")
    try:
        with client(relay_dir, process.port) as session:
            session.sendmail("dr.martin@cabinet-demo.be", ["marie.dupont.demo@gmail.com"], raw)
        sink.wait(1)
        assert len(handovers.read_text(encoding="utf-8").splitlines()) == 1  # no access code: generated
        time.sleep(1.1)  # a distinct modification time
        directory.write_text("\n".join(lines) + "\n", encoding="utf-8")
        with client(relay_dir, process.port) as session:
            session.sendmail("dr.martin@cabinet-demo.be", ["marie.dupont.demo@gmail.com"], raw)
        sink.wait(2)
        assert len(handovers.read_text(encoding="utf-8").splitlines()) == 1  # her access code now
        assert "reloaded" in process.log()
    finally:
        process.stop()
