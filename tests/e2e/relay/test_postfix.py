"""The relay as Postfix's after-queue content filter, with Debian's Postfix in a private instance on loopback:
messages submitted to Postfix reach the "provider" only as medseal decided."""

from __future__ import annotations

import email
import email.policy
import os
import smtplib
import time
from collections.abc import Iterator

import pytest
from interceptor import assert_nothing_in_clear
from postfix_harness import Postfix
from relay_harness import RelayDir, RelayProcess, Sink, example, free_port, init_relay

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(os.geteuid() != 0, reason="Postfix's master must start as root"),
]


@pytest.fixture(scope="module")
def postfix(tmp_path_factory: pytest.TempPathFactory, sink: Sink) -> Iterator[tuple[Postfix, RelayDir]]:
    filter_port, reinject_port, smtp_port = free_port(), free_port(), free_port()
    relay_dir = init_relay(tmp_path_factory.mktemp("relay-filter"), sink.port)
    relay_dir.edit("filter", listen=f"127.0.0.1:{filter_port}", reinject=f"127.0.0.1:{reinject_port}")
    text = relay_dir.config.read_text(encoding="utf-8")  # Postfix has no login: the sender names the user
    relay_dir.config.write_text(text.replace("addresses = []", 'addresses = ["dr.martin@cabinet-demo.be"]', 1),
                                encoding="utf-8")
    relay = RelayProcess(relay_dir).start()
    server = Postfix(smtp_port, reinject_port, filter_port, sink.port)
    try:
        server.start()
        yield server, relay_dir
    finally:
        server.stop()
        relay.stop()


def _submit(server: Postfix, raw: bytes, sender: str, recipients: list[str]) -> None:
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=60) as session:
        session.sendmail(sender, recipients, raw)


def test_sensitive_message_through_postfix_arrives_protected(postfix: tuple[Postfix, RelayDir], sink: Sink) -> None:
    server, _ = postfix
    _submit(server, example("01-resultats-labo-patiente.eml"), "dr.martin@cabinet-demo.be",
            ["marie.dupont.demo@gmail.com"])
    (_, recipients, got), = sink.wait(1, timeout=90)
    assert recipients == ["marie.dupont.demo@gmail.com"]
    assert_nothing_in_clear(got, niss=["85073003328"], names=["Marie Dupont"])
    message = email.message_from_bytes(got, policy=email.policy.default)
    assert str(message["X-Medseal-Envelope"]).startswith("pdf-password")
    assert "postfix.medseal.test" in str(message.get_all("Received"))  # it did go through Postfix


def test_clean_message_through_postfix_is_unchanged(postfix: tuple[Postfix, RelayDir], sink: Sink) -> None:
    server, _ = postfix
    raw = example("03-reunion-de-service.eml")
    _submit(server, raw, "dr.martin@cabinet-demo.be", ["secretariat@cabinet-demo.be"])
    (_, _, got), = sink.wait(1, timeout=90)
    sent = email.message_from_bytes(raw, policy=email.policy.default)
    arrived = email.message_from_bytes(got, policy=email.policy.default)
    assert arrived["Subject"] == sent["Subject"] and "X-Medseal-Envelope" not in arrived
    assert arrived.get_body().get_content() == sent.get_body().get_content()


def test_unprotectable_message_is_refused_by_the_filter_and_never_leaves(
    postfix: tuple[Postfix, RelayDir], sink: Sink
) -> None:
    server, _ = postfix
    _submit(server, example("05-faute-de-frappe.eml"), "dr.martin@cabinet-demo.be", ["s.lambert.demo@hotmial.com"])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and "5.7.1" not in server.log():
        time.sleep(0.3)
    assert "5.7.1 medseal a refuse ce message" in server.log()
    time.sleep(2)
    assert all("s.lambert.demo@hotmial.com" not in r for _, r, _ in sink.messages)


def _stranger(sender: str) -> bytes:
    return (
        f"From: {sender}\r\nTo: kine.demo@gmail.com\r\nSubject: Suivi de Marie Dupont\r\n\r\n"
        "Marie Dupont (NISS 85.07.30-033.28) commence la kine lundi.\r\n"
    ).encode()


def test_generated_password_goes_to_the_senders_handover_page_not_the_message(
    postfix: tuple[Postfix, RelayDir], sink: Sink
) -> None:
    server, relay_dir = postfix
    _submit(server, _stranger("dr.martin@cabinet-demo.be"), "dr.martin@cabinet-demo.be", ["kine.demo@gmail.com"])
    (_, recipients, got), = sink.wait(1, timeout=90)
    assert recipients == ["kine.demo@gmail.com"]
    assert_nothing_in_clear(got, niss=["85073003328"], names=["Marie Dupont"])
    handovers = relay_dir.folder / "spool" / "handovers" / "practice.jsonl"
    assert len(handovers.read_text(encoding="utf-8").splitlines()) == 1


def test_generated_password_for_an_unknown_sender_is_refused(postfix: tuple[Postfix, RelayDir], sink: Sink) -> None:
    server, _ = postfix
    _submit(server, _stranger("stagiaire@cabinet-demo.be"), "stagiaire@cabinet-demo.be", ["kine.demo@gmail.com"])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and "aucun utilisateur du relais" not in server.log():
        time.sleep(0.3)
    assert "aucun utilisateur du relais" in server.log()
    time.sleep(1)
    assert all("kine.demo@gmail.com" not in r for _, r, _ in sink.messages)
