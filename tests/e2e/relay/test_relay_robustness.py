"""The relay under a login storm and in Postfix filter mode across failures and crashes between the parts of a
split message: real relay processes, an aiosmtpd reinjection target, smtplib playing Postfix's ``smtp`` client
(it hands the filter the same envelope and bytes on every retry, as Postfix does with its queue file)."""

from __future__ import annotations

import base64
import os
import smtplib
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from interceptor import assert_nothing_in_clear
from relay_harness import RelayDir, RelayProcess, Sink, client, example, free_port, init_relay

from medseal_relay.userauth import _scrypt

pytestmark = pytest.mark.e2e

MARIE = {"niss": ["85073003328"], "names": ["Marie Dupont"]}
SENDER = "dr.martin@cabinet-demo.be"
PATIENT, SECRETARIAT = "marie.dupont.demo@gmail.com", "secretariat@cabinet-demo.be"


def split_message() -> bytes:
    """To the patient (her access code) with the secretariat in copy: medseal sends two messages."""
    raw = example("01-resultats-labo-patiente.eml")
    return raw.replace(f"To: {PATIENT}\n".encode(), f"To: {PATIENT}\nCc: {SECRETARIAT}\n".encode(), 1)


# --- login storm -------------------------------------------------------------------------------------------

def slow_hash(password: str) -> str:
    """The same password, stored with scrypt N=2**15: each check takes a good while, as under a storm."""
    salt = os.urandom(16)
    digest = _scrypt(password, salt, n=2**15)
    return f"scrypt${2**15}$8$1${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def test_a_login_storm_does_not_stall_other_sessions(tmp_path: Path) -> None:
    sink = Sink().start()
    relay_dir = init_relay(tmp_path / "storm", sink.port)
    text = relay_dir.config.read_text(encoding="utf-8")
    start = text.index('password = "scrypt$', text.index("[users.practice]"))
    end = text.index("\n", start)
    relay_dir.config.write_text(f'{text[:start]}password = "{slow_hash(relay_dir.password)}"{text[end:]}',
                                encoding="utf-8")
    relay = RelayProcess(relay_dir).start()
    logins = 8
    events: list[str] = []
    lock = threading.Lock()
    ready = threading.Barrier(logins + 1, timeout=60)
    failures: list[BaseException] = []

    def note(event: str) -> None:
        with lock:
            events.append(event)

    def login() -> None:
        try:
            with client(relay_dir, relay.port, user=None) as session:
                ready.wait()
                session.login("practice", relay_dir.password)  # one AUTH PLAIN line with the credentials
                note("login")
        except BaseException as exc:  # reported below
            failures.append(exc)

    try:
        with client(relay_dir, relay.port) as other:  # already logged in: its commands must keep their answers
            threads = [threading.Thread(target=login) for _ in range(logins)]
            for thread in threads:
                thread.start()
            ready.wait()
            threading.Event().wait(0.05)  # the AUTH lines are on their way
            for _ in range(20):
                assert other.noop()[0] == 250
            note("20 commands answered")
            for thread in threads:
                thread.join(timeout=120)
        assert not failures, failures
        assert events.count("login") == logins  # every login of the storm succeeded
        # Checked on the event loop, each login would hold every session for its scrypt: the other session's
        # commands could only slip in between logins. Checked in the login pool, they are answered at once.
        assert events.index("20 commands answered") < logins // 2, events
    finally:
        relay.stop()
        sink.stop()


# --- Postfix filter mode: each part reinjected once --------------------------------------------------------

class Reinjection(Sink):
    """Postfix's second ``smtpd``: ``on_part(recipients)`` may answer for a part instead (e.g. 451, or crash)."""

    def __init__(self) -> None:
        super().__init__()
        self.on_part: Callable[[list[str]], str | None] = lambda recipients: None

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        reply = self.on_part(list(envelope.rcpt_tos))
        if reply is not None:
            return reply
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def filtering(tmp_path: Path) -> Iterator[tuple[RelayDir, Reinjection, int]]:
    reinjection = Reinjection().start()
    upstream = Sink().start()
    relay_dir = init_relay(tmp_path / "filter", upstream.port)
    filter_port = free_port()
    relay_dir.edit("filter", listen=f"127.0.0.1:{filter_port}", reinject=f"127.0.0.1:{reinjection.port}")
    text = relay_dir.config.read_text(encoding="utf-8")  # Postfix has no login: the sender names the user
    relay_dir.config.write_text(text.replace("addresses = []", f'addresses = ["{SENDER}"]', 1), encoding="utf-8")
    yield relay_dir, reinjection, filter_port
    reinjection.stop()
    upstream.stop()


def hand_over(port: int, raw: bytes) -> dict[str, tuple[int, bytes]]:
    """What Postfix's ``smtp`` client does with the queued message: the same envelope and bytes each time."""
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as session:
        return session.sendmail(SENDER, [PATIENT, SECRETARIAT], raw)


def by_recipient(reinjection: Reinjection) -> dict[str, int]:
    counts: dict[str, int] = {}
    for _, recipients, _ in reinjection.messages:
        for recipient in recipients:
            counts[recipient] = counts.get(recipient, 0) + 1
    return counts


def test_a_retry_after_a_failed_second_part_reinjects_only_that_part(
    filtering: tuple[RelayDir, Reinjection, int],
) -> None:
    relay_dir, reinjection, port = filtering
    refused = []

    def second_part_fails_once(recipients: list[str]) -> str | None:
        if SECRETARIAT in recipients and not refused:
            refused.append(recipients)
            return "451 4.3.0 try again later"
        return None

    reinjection.on_part = second_part_fails_once
    relay = RelayProcess(relay_dir).start()
    try:
        raw = split_message()
        with pytest.raises(smtplib.SMTPDataError) as failed:
            hand_over(port, raw)
        assert failed.value.smtp_code == 451  # Postfix keeps it queued and retries
        assert by_recipient(reinjection) == {PATIENT: 1}
        assert hand_over(port, raw) == {}  # the retry
        assert by_recipient(reinjection) == {PATIENT: 1, SECRETARIAT: 1}
        assert hand_over(port, raw) == {}  # a retry of a message already done: answered, nothing sent again
        assert by_recipient(reinjection) == {PATIENT: 1, SECRETARIAT: 1}
        for _, _, data in reinjection.messages:
            assert_nothing_in_clear(data, **MARIE)
        handovers = relay_dir.folder / "spool" / "handovers" / "practice.jsonl"
        assert len(handovers.read_text(encoding="utf-8").splitlines()) == 1  # one decision, one password

        other = raw.replace(b"Message-ID: <01-", b"Message-ID: <another-", 1)  # a new message is a new entry
        assert hand_over(port, other) == {}
        assert by_recipient(reinjection) == {PATIENT: 2, SECRETARIAT: 2}
    finally:
        relay.stop()


def test_a_crash_between_two_parts_reinjects_each_part_once(filtering: tuple[RelayDir, Reinjection, int]) -> None:
    relay_dir, reinjection, port = filtering
    first = RelayProcess(relay_dir).start()
    crashed = []

    def crash_on_second_part(recipients: list[str]) -> str | None:
        if SECRETARIAT in recipients and not crashed:
            crashed.append(recipients)
            first.kill()  # SIGKILL while the second part is being reinjected: no clean-up
            return "451 4.3.0 the filter went away"
        return None

    reinjection.on_part = crash_on_second_part
    raw = split_message()
    with pytest.raises((smtplib.SMTPServerDisconnected, smtplib.SMTPDataError, ConnectionError)):
        hand_over(port, raw)
    assert crashed and by_recipient(reinjection) == {PATIENT: 1}
    second = RelayProcess(relay_dir).start()  # restarted; Postfix retries the message
    try:
        assert hand_over(port, raw) == {}
        assert by_recipient(reinjection) == {PATIENT: 1, SECRETARIAT: 1}
        patient_copy = next(data for _, r, data in reinjection.messages if r == [PATIENT])
        assert_nothing_in_clear(patient_copy, **MARIE)
        assert not list((relay_dir.folder / "spool" / "filter").glob("*.eml"))  # done: the bytes are gone
    finally:
        assert second.stop() == 0
