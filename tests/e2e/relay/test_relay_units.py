"""The relay's parts on their own: password hashes, handover sealing, the spool's commit rule, SMTP reply text,
the decision for each kind of message, the configuration's refusals, the NDR."""

from __future__ import annotations

import email
import email.policy
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from interceptor import assert_nothing_in_clear
from relay_harness import EXAMPLES, example

from medseal_cli.context import load_context
from medseal_cli.key_file import create_key
from medseal_relay.config import RelayConfigError, load_config, read_credentials
from medseal_relay.decide import Practice, decide, smtp_text
from medseal_relay.handover import Handover, HandoverStore
from medseal_relay.ndr import non_delivery_report
from medseal_relay.provision import init_relay_dir
from medseal_relay.spool import Spool
from medseal_relay.userauth import (
    hash_password,
    new_handover_keys,
    open_sealed,
    seal_for,
    unseal_private,
    verify_password,
)


@settings(max_examples=10, deadline=None)
@given(st.text(min_size=1, max_size=40), st.text(min_size=1, max_size=40))
def test_password_hash_verifies_only_its_password(password: str, other: str) -> None:
    stored = hash_password(password)
    assert password not in stored.split("$")[4:]  # not the salt or the hash (N, r, p may be any digits)
    assert verify_password(password, stored)
    assert verify_password(other, stored) == (other == password)


@pytest.mark.parametrize("stored", ["", "plain-password", "scrypt$1$2$3$!!$!!", "bcrypt$x$y$z$a$b"])
def test_malformed_hashes_never_verify(stored: str) -> None:
    assert not verify_password("plain-password", stored)


def test_handover_is_readable_only_with_the_users_password(tmp_path: Path) -> None:
    keys = new_handover_keys("the-login-password")
    with pytest.raises(ValueError):
        unseal_private(keys, "wrong")
    private = unseal_private(keys, "the-login-password")
    assert open_sealed(private, seal_for(keys.public, b"secret")) == b"secret"
    other = unseal_private(new_handover_keys("x"), "x")
    with pytest.raises(ValueError):
        open_sealed(other, seal_for(keys.public, b"secret"))
    store = HandoverStore(tmp_path / "h")
    store.add("dr", keys.public, [Handover(1e12, "Résultats – réf. P-ABCD-EFGH", ("a@b.be",), "kq7m-3xtp-9wfa-c4rh")])
    assert b"kq7m" not in (tmp_path / "h" / "dr.jsonl").read_bytes()
    (found,) = store.recent("dr", private, now=1e12)
    assert found.password == "kq7m-3xtp-9wfa-c4rh" and found.recipients == ("a@b.be",)
    assert store.recent("dr", private, now=1e12 + 15 * 86400) == []  # kept 14 days


def test_spool_entry_exists_only_once_committed(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "q")
    entry = spool.commit("s@x.be", [(b"one", ["a@x.be"]), (b"two", ["b@x.be"])], user="practice")
    (listed,) = spool.entries()
    assert listed == entry and spool.read_part(listed, 1) == b"two"
    assert all(os.stat(p).st_mode & 0o077 == 0 for p in (tmp_path / "q").iterdir())
    # an interrupted commit leaves parts without state: not an accepted message, cleaned at start-up
    (tmp_path / "q" / "deadbeef-1.0.eml").write_bytes(b"half")
    (tmp_path / "q" / ".tmp-deadbeef-1.json").write_bytes(b"{")
    again = Spool(tmp_path / "q")
    assert [e.id for e in again.entries()] == [entry.id]
    assert not (tmp_path / "q" / "deadbeef-1.0.eml").exists()
    done = listed.with_part_delivered(0)
    again.save(done)
    assert [p.delivered for p in next(again.entries()).parts] == [True, False]
    again.remove(done)
    assert list(again.entries()) == [] and list((tmp_path / "q").iterdir()) == []


@given(st.text(max_size=300))
def test_smtp_reply_text_is_one_printable_ascii_line(text: str) -> None:
    reply = smtp_text(text)
    assert reply.isascii() and "\r" not in reply and "\n" not in reply and len(reply) <= 400


def test_smtp_reply_keeps_the_reason_readable() -> None:
    assert smtp_text("Utilisez l'eHealthBox : destinataire professionnel") == (
        "Utilisez l'eHealthBox : destinataire professionnel"
    )
    assert smtp_text("für die Empfänger") == "fur die Empfanger"


@pytest.fixture(scope="module")
def practice(tmp_path_factory: pytest.TempPathFactory) -> Practice:
    context = load_context(str(EXAMPLES / "patients.csv"), str(EXAMPLES / "policy.toml"))
    key = create_key(tmp_path_factory.mktemp("key") / "practice.key")
    return Practice(context, key)


def _stranger() -> bytes:
    return (
        b"From: dr.martin@cabinet-demo.be\r\nTo: kine.demo@gmail.com\r\nSubject: Marie Dupont\r\n\r\n"
        b"Marie Dupont, NISS 85.07.30-033.28.\r\n"
    )


def test_decisions(practice: Practice) -> None:
    clean = decide(example("03-reunion-de-service.eml"), ("secretariat@cabinet-demo.be",), practice, "fr",
                   handover_possible=True)
    assert clean.accepted and clean.action == "send" and clean.handovers == ()
    coded = decide(example("01-resultats-labo-patiente.eml"), ("marie.dupont.demo@gmail.com",), practice, "fr",
                   handover_possible=False)
    assert coded.accepted and coded.action == "apply" and coded.handovers == ()  # the patient's access code
    for data, _ in coded.parts:
        assert_nothing_in_clear(data, niss=["85073003328"], names=["Marie Dupont"])
    generated = decide(_stranger(), ("kine.demo@gmail.com",), practice, "en", handover_possible=True)
    (handover,) = generated.handovers
    assert all(handover.password.encode() not in data for data, _ in generated.parts)
    refused = decide(_stranger(), ("kine.demo@gmail.com",), practice, "en", handover_possible=True,
                     refuse_generated=True)
    assert not refused.accepted and "access code" in refused.reason
    nobody = decide(_stranger(), ("kine.demo@gmail.com",), practice, "de", handover_possible=False)
    assert not nobody.accepted and "Relay-Benutzer" in nobody.reason
    typo = decide(example("05-faute-de-frappe.eml"), ("s.lambert.demo@hotmial.com",), practice, "nl",
                  handover_possible=True)
    assert not typo.accepted and typo.parts == ()
    broken = decide(b"\x00\x01", ("a@b.be",), practice, "fr", handover_possible=True)
    assert not broken.accepted and "illisible" in broken.reason


def test_non_delivery_report_holds_nothing_identifying() -> None:
    report = non_delivery_report("dr.martin@cabinet-demo.be", "fr", "relay", when=0, reason="adresse à vérifier")
    message = email.message_from_bytes(report, policy=email.policy.default)
    assert message["To"] == "dr.martin@cabinet-demo.be" and message["Auto-Submitted"] == "auto-replied"
    assert "1970-01-01 00:00 UTC" in message.get_body().get_content()


def _config(tmp_path: Path, extra: str = "", upstream: str = "") -> Path:
    init_relay_dir(tmp_path / "r")
    path = tmp_path / "r" / "relay.toml"
    text = path.read_text(encoding="utf-8").replace('host = ""', f'host = "{upstream}"', 1) + extra
    path.write_text(text, encoding="utf-8")
    return path


def test_init_config_loads_with_its_defaults(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path))
    assert str(config.listen) == "127.0.0.1:8587" and config.tls == "starttls" and config.upstream is None
    assert set(config.users) == {"practice"} and config.users["practice"].keys is not None


@pytest.mark.parametrize(
    ("upstream", "tls_line", "message"),
    [
        ("smtp.provider.example", 'starttls = "never-loopback-only"', "only allowed when"),
        ("127.0.0.1", 'password = "secret"', "do not store the password"),
    ],
)
def test_config_refuses_unsafe_upstreams(tmp_path: Path, upstream: str, tls_line: str, message: str) -> None:
    path = _config(tmp_path, upstream=upstream)
    text = path.read_text(encoding="utf-8").replace('starttls = "required"', tls_line, 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RelayConfigError, match=message):
        load_config(path)


def test_config_refuses_plain_submission_off_loopback(tmp_path: Path) -> None:
    path = _config(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace('tls = "starttls"', 'tls = "none"', 1), encoding="utf-8")
    assert load_config(path).tls == "none"
    with pytest.raises(RelayConfigError, match="loopback"):
        load_config(path, listen="0.0.0.0:587")


def test_config_refuses_a_password_in_clear_for_a_user(tmp_path: Path) -> None:
    path = _config(tmp_path, extra='\n[users.bad]\npassword = "hunter22"\n')
    with pytest.raises(RelayConfigError, match="scrypt hash"):
        load_config(path)


def test_credentials_file_must_be_private(tmp_path: Path) -> None:
    path = tmp_path / "upstream.credentials"
    path.write_text("relay@practice.be\ns3cret\n", encoding="utf-8")
    path.chmod(0o644)
    with pytest.raises(RelayConfigError, match="chmod 600"):
        read_credentials(path)
    path.chmod(0o600)
    assert read_credentials(path) == ("relay@practice.be", "s3cret")
