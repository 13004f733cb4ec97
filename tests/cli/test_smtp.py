"""The SMTP relay behind ``medseal send``, against real aiosmtpd servers on 127.0.0.1; sendmail arguments."""

from __future__ import annotations

import io
import socket
import sys
import types
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from email.utils import formataddr
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword
from certs import Pki, make_pki
from hypothesis import given, settings
from hypothesis import strategies as st

from medseal.errors import InputError, PolicyError
from medseal_cli.sendmail import (
    SendmailArgs,
    envelope_from,
    header_addresses,
    parse_sendmail_args,
    read_message,
    strip_bcc,
)
from medseal_cli.smtp import RelayError, RelayRefused, SmtpConfig, _tls_requirement, relay

USER, PASSWORD = "dr.test@practice.example", "correct horse battery"
MESSAGE = (
    b"From: Dr Test <dr.test@practice.example>\r\n"
    b"To: colleague@clinic.example\r\n"
    b"Subject: =?utf-8?q?R=C3=A9sultats?= ref. P-7F3K-2XQM\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n"
    b"\r\n"
    b"Bonjour,\r\n"
    b".\r\n"
    b".a line that starts with a dot\r\n"
    b"R\xc3\xa9sultats en pi\xc3\xa8ce jointe.\r\n"
)


class Recorder:
    """An aiosmtpd handler that keeps what it received and refuses ``nobody@`` recipients."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Envelope, address: str,
                          options: list[str]) -> str:
        if address.startswith("nobody@"):
            return f"550 5.1.1 <{address}>: Recipient address rejected"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 OK: queued"


def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(), PASSWORD.encode())
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535 itself


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running(**smtp_parameters: Any) -> Iterator[tuple[Recorder, int]]:
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port(), **smtp_parameters)
    controller.start()
    try:
        yield recorder, controller.port
    finally:
        controller.stop()


Server = Callable[..., AbstractContextManager[tuple[Recorder, int]]]


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def tls_server(pki: Pki) -> Iterator[tuple[Recorder, int]]:
    """STARTTLS required before anything, AUTH required and only offered after TLS."""
    with running(tls_context=pki.server_context(), require_starttls=True, auth_required=True,
                 auth_require_tls=True, authenticator=authenticator) as server:
        yield server


@pytest.fixture(scope="module")
def plain_server() -> Iterator[tuple[Recorder, int]]:
    """No STARTTLS at all."""
    with running() as server:
        yield server


@pytest.fixture
def password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDSEAL_SMTP_PASSWORD", PASSWORD)


def tls_config(pki: Pki, port: int, **changes: Any) -> SmtpConfig:
    values: dict[str, Any] = {"host": "127.0.0.1", "port": port, "username": USER, "use_keyring": False,
                              "cafile": str(pki.ca_cert), "timeout": 10}
    return SmtpConfig(**(values | changes))


# --- relay over STARTTLS ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("password")
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_relay_over_starttls_delivers_the_bytes(
    tls_server: tuple[Recorder, int], pki: Pki, host: str
) -> None:
    recorder, port = tls_server
    before = len(recorder.envelopes)
    relay(MESSAGE, "dr.test@practice.example", ["colleague@clinic.example", "other@clinic.example"],
          tls_config(pki, port, host=host))
    envelope = recorder.envelopes[before]
    assert envelope.mail_from == "dr.test@practice.example"
    assert envelope.rcpt_tos == ["colleague@clinic.example", "other@clinic.example"]
    assert envelope.original_content == MESSAGE
    assert "BODY=8BITMIME" in envelope.mail_options


@pytest.mark.usefixtures("password")
def test_bare_line_feeds_travel_as_crlf(tls_server: tuple[Recorder, int], pki: Pki) -> None:
    recorder, port = tls_server
    relay(MESSAGE.replace(b"\r\n", b"\n"), USER, ["colleague@clinic.example"], tls_config(pki, port))
    assert recorder.envelopes[-1].original_content == MESSAGE


@pytest.mark.usefixtures("password")
def test_sendmail_t_strips_bcc_and_still_delivers_to_it(tls_server: tuple[Recorder, int], pki: Pki) -> None:
    recorder, port = tls_server
    message = MESSAGE.replace(b"To: colleague@clinic.example\r\n",
                              b"To: colleague@clinic.example\r\nBcc: patient.a@mail.example,\r\n"
                              b" patient.b@mail.example\r\n")
    sender, recipients, cleaned = envelope_from(message, parse_sendmail_args(["-t", "-oi"]))
    relay(cleaned, sender, recipients, tls_config(pki, port))
    envelope = recorder.envelopes[-1]
    assert envelope.rcpt_tos == [
        "colleague@clinic.example", "patient.a@mail.example", "patient.b@mail.example"
    ]
    assert envelope.original_content == MESSAGE
    assert b"patient" not in envelope.original_content


def test_wrong_password_is_a_relay_error_with_the_reply(
    tls_server: tuple[Recorder, int], pki: Pki, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder, port = tls_server
    before = len(recorder.envelopes)
    monkeypatch.setenv("MEDSEAL_SMTP_PASSWORD", "wrong horse")
    with pytest.raises(RelayError) as caught:
        relay(MESSAGE, USER, ["colleague@clinic.example"], tls_config(pki, port))
    assert caught.value.code == 535
    assert not caught.value.temporary
    assert "535" in str(caught.value) and "wrong horse" not in str(caught.value)
    assert len(recorder.envelopes) == before


def test_a_server_certificate_that_cannot_be_verified_is_refused(
    tls_server: tuple[Recorder, int], pki: Pki, password: None
) -> None:
    recorder, port = tls_server
    before = len(recorder.envelopes)
    with pytest.raises(RelayError, match="certificate"):
        relay(MESSAGE, USER, ["colleague@clinic.example"], tls_config(pki, port, cafile=None))
    assert len(recorder.envelopes) == before


@pytest.mark.usefixtures("password")
def test_one_refused_recipient_sends_nothing(tls_server: tuple[Recorder, int], pki: Pki) -> None:
    recorder, port = tls_server
    before = len(recorder.envelopes)
    with pytest.raises(RelayError) as caught:
        relay(MESSAGE, USER, ["colleague@clinic.example", "nobody@clinic.example"], tls_config(pki, port))
    assert caught.value.code == 550
    assert "n…@clinic.example" in str(caught.value) and "nobody@" not in str(caught.value)
    assert len(recorder.envelopes) == before


def test_password_from_the_keyring(
    tls_server: tuple[Recorder, int], pki: Pki, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder, port = tls_server
    monkeypatch.delenv("MEDSEAL_SMTP_PASSWORD", raising=False)
    asked: list[tuple[str, str]] = []

    def get_password(service: str, username: str) -> str:
        asked.append((service, username))
        return PASSWORD

    monkeypatch.setitem(sys.modules, "keyring", types.SimpleNamespace(get_password=get_password))
    relay(MESSAGE, USER, ["colleague@clinic.example"], tls_config(pki, port, use_keyring=True))
    assert asked == [("medseal-smtp/127.0.0.1", USER)]
    assert recorder.envelopes[-1].original_content == MESSAGE


def _broken_keyring(service: str, username: str) -> str:
    raise RuntimeError("no keyring backend")


@pytest.mark.parametrize("keyring", [None, types.SimpleNamespace(get_password=_broken_keyring)],
                         ids=["absent", "failing"])
def test_no_password_anywhere_is_refused_before_connecting(
    keyring: object, monkeypatch: pytest.MonkeyPatch, pki: Pki
) -> None:
    monkeypatch.delenv("MEDSEAL_SMTP_PASSWORD", raising=False)
    monkeypatch.setitem(sys.modules, "keyring", keyring)  # None makes `import keyring` fail
    with pytest.raises(RelayRefused, match="MEDSEAL_SMTP_PASSWORD"):
        relay(MESSAGE, USER, ["colleague@clinic.example"], tls_config(pki, free_port(), use_keyring=True))


# --- refusing to relay in clear ----------------------------------------------------------------------------


def test_starttls_required_but_not_offered_is_refused(
    plain_server: tuple[Recorder, int], pki: Pki
) -> None:
    recorder, port = plain_server
    before = len(recorder.envelopes)
    with pytest.raises(RelayRefused, match="STARTTLS"):
        relay(MESSAGE, USER, ["colleague@clinic.example"], tls_config(pki, port, username=None))
    assert len(recorder.envelopes) == before


def test_plain_text_to_this_machine_when_configured(plain_server: tuple[Recorder, int]) -> None:
    recorder, port = plain_server
    config = SmtpConfig(host="127.0.0.1", port=port, starttls="never-loopback-only", use_keyring=False)
    relay(MESSAGE, USER, ["colleague@clinic.example"], config)
    assert recorder.envelopes[-1].original_content == MESSAGE


def test_no_password_in_plain_text_even_to_this_machine(plain_server: tuple[Recorder, int]) -> None:
    _, port = plain_server
    config = SmtpConfig(host="localhost", port=port, username=USER, starttls="never-loopback-only")
    with pytest.raises(RelayRefused, match="TLS"):
        relay(MESSAGE, USER, ["colleague@clinic.example"], config)


@settings(max_examples=25)
@given(st.lists(st.text(st.characters(codec="ascii", exclude_characters="\r\n"), max_size=80), max_size=12))
def test_any_body_arrives_unchanged(plain_server: tuple[Recorder, int], lines: list[str]) -> None:
    recorder, port = plain_server
    message = b"Subject: test\r\n\r\n" + b"".join(line.encode() + b"\r\n" for line in lines)
    config = SmtpConfig(host="127.0.0.1", port=port, starttls="never-loopback-only", use_keyring=False)
    relay(message, USER, ["colleague@clinic.example"], config)
    assert recorder.envelopes[-1].original_content == message


def test_an_unreachable_server_is_a_temporary_relay_error(pki: Pki) -> None:
    with pytest.raises(RelayError) as caught:
        relay(MESSAGE, USER, ["colleague@clinic.example"], tls_config(pki, free_port(), username=None))
    assert caught.value.temporary


def test_no_recipients_is_refused() -> None:
    with pytest.raises(RelayRefused, match="no recipients"):
        relay(MESSAGE, USER, [], SmtpConfig(host="127.0.0.1"))


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST.", "127.0.0.1", "127.1.2.3", "::1", "[::1]"])
def test_tls_may_be_skipped_for_this_machine_only(host: str) -> None:
    assert _tls_requirement(host, "never-loopback-only") is False
    assert _tls_requirement(host, "required") is True


@pytest.mark.parametrize("host", ["smtp.example.be", "10.0.0.1", "127.0.0.1.example.com",
                                  "localhost.example.com", "::2", "0.0.0.0", "", "128.0.0.1"])  # noqa: S104
def test_tls_is_required_for_any_other_host(host: str) -> None:
    with pytest.raises(RelayRefused, match="without encryption"):
        _tls_requirement(host, "never-loopback-only")
    assert _tls_requirement(host, "required") is True


@given(st.ip_addresses())
def test_plain_text_decision_over_ip_addresses(address: Any) -> None:
    if address.is_loopback:
        assert _tls_requirement(str(address), "never-loopback-only") is False
    else:
        with pytest.raises(RelayRefused):
            _tls_requirement(str(address), "never-loopback-only")


# --- configuration --------------------------------------------------------------------------------------


def test_config_from_mapping() -> None:
    config = SmtpConfig.from_mapping({"host": "smtp.practice.example", "port": 465 + 122, "username": USER,
                                      "password_env": "PRACTICE_SMTP", "use_keyring": False, "timeout": 5,
                                      "cafile": "/etc/ssl/practice-ca.pem"})
    assert config == SmtpConfig("smtp.practice.example", 587, USER, "PRACTICE_SMTP", False, "required", 5.0,
                                "/etc/ssl/practice-ca.pem")
    assert SmtpConfig.from_mapping({"host": "smtp.practice.example"}) == SmtpConfig("smtp.practice.example")


CONFIG_ERRORS = [
        ({}, "smtp.host"),
        ({"host": ""}, "smtp.host"),
        ({"host": "a", "port": 0}, "smtp.port"),
        ({"host": "a", "port": "587"}, "smtp.port"),
        ({"host": "a", "port": True}, "smtp.port"),
        ({"host": "a", "starttls": "optional"}, "smtp.starttls"),
        ({"host": "smtp.practice.example", "starttls": "never-loopback-only"}, "smtp.starttls"),
        ({"host": "a", "timeout": -1}, "smtp.timeout"),
        ({"host": "a", "password_env": "NOT A NAME"}, "smtp.password_env"),
        ({"host": "a", "use_keyring": "yes"}, "smtp.use_keyring"),
        ({"host": "a", "usernme": "x"}, "smtp.usernme"),
]


@pytest.mark.parametrize(("mapping", "key"), CONFIG_ERRORS, ids=[key for _, key in CONFIG_ERRORS])
def test_config_errors_name_the_key(mapping: dict[str, Any], key: str) -> None:
    with pytest.raises(PolicyError, match=key.replace(".", r"\.")):
        SmtpConfig.from_mapping(mapping)


def test_config_refuses_a_password_without_echoing_it() -> None:
    with pytest.raises(PolicyError, match=r"smtp\.password") as caught:
        SmtpConfig.from_mapping({"host": "a", "password": "hunter2-secret"})
    assert "hunter2-secret" not in str(caught.value)


# --- sendmail arguments ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["-oem", "-oi", "--", "a@x.example"], SendmailArgs(("a@x.example",), False, None, True)),
        (["-t", "-i", "-f", "me@x.example"], SendmailArgs((), True, "me@x.example", True)),
        (["-fme@x.example", "-ti"], SendmailArgs((), True, "me@x.example", True)),
        (["-r", "<me@x.example>", "-t"], SendmailArgs((), True, "me@x.example", False)),
        (["-f", "<>", "a@x.example"], SendmailArgs(("a@x.example",), False, "", False)),
        (["-F", "Dr Test", "-odb", "-v", "-bm", "a@x.example,b@y.example"],
         SendmailArgs(("a@x.example", "b@y.example"), False, None, False)),
        (["-i", "a@x.example", "-f", "me@x.example", "b@y.example"],
         SendmailArgs(("a@x.example", "b@y.example"), False, "me@x.example", True)),
        (["-oem", "-oi", "-B", "8BITMIME", "-N", "never", "-U", "-t"], SendmailArgs((), True, None, True)),
    ],
    ids=range(8),
)
def test_sendmail_arguments(argv: list[str], expected: SendmailArgs) -> None:
    assert parse_sendmail_args(argv) == expected


@pytest.mark.parametrize("argv", [["-bs"], ["-Z"], ["-f"], ["-f", "me@x.example\r\nRCPT TO:<x@y>"],
                                  ["not-an-address"]], ids=range(5))
def test_bad_sendmail_arguments_are_input_errors(argv: list[str]) -> None:
    with pytest.raises(InputError):
        parse_sendmail_args(argv)


def test_a_lone_dot_ends_the_input_unless_told_otherwise() -> None:
    data = b"Subject: x\r\n\r\nfirst\r\n.\r\nafter\r\n"
    assert read_message(io.BytesIO(data), ignore_dots=False) == b"Subject: x\r\n\r\nfirst\r\n"
    assert read_message(io.BytesIO(data), ignore_dots=True) == data
    assert read_message(io.BytesIO(b"a\n..\n.\n"), ignore_dots=False) == b"a\n..\n"


def test_envelope_sender_sources() -> None:
    to_only = SendmailArgs(("a@x.example",))
    assert envelope_from(MESSAGE, to_only)[0] == "dr.test@practice.example"
    assert envelope_from(MESSAGE, SendmailArgs(("a@x.example",), sender="me@x.example"))[0] == "me@x.example"
    no_from = MESSAGE.replace(b"From: Dr Test <dr.test@practice.example>\r\n", b"")
    assert envelope_from(no_from, to_only, default_sender="cfg@x.example")[0] == "cfg@x.example"
    with pytest.raises(InputError, match="no sender"):
        envelope_from(no_from, to_only)


def test_without_t_the_headers_give_no_recipients_but_bcc_still_goes() -> None:
    message = b"To: a@x.example\r\nBcc: b@x.example\r\n\r\nbody\r\n"
    sender, recipients, cleaned = envelope_from(message, SendmailArgs(("c@x.example",), sender="s@x.example"))
    assert (sender, recipients) == ("s@x.example", ["c@x.example"])
    assert cleaned == b"To: a@x.example\r\n\r\nbody\r\n"
    with pytest.raises(InputError, match="no recipients"):
        envelope_from(message, SendmailArgs(sender="s@x.example"))


def test_strip_bcc_keeps_every_other_byte() -> None:
    message = (b"Received: by x;\n\tMon, 1 Jan 2024\nBCC : hidden@x.example\n"
               b"bcc: =?utf-8?q?A?=\n  <h2@x.example>\nResent-Bcc: h3@x.example\n"
               b"Subject: Bcc: in subject\n\nBcc: in the body stays\n")
    assert strip_bcc(message) == (b"Received: by x;\n\tMon, 1 Jan 2024\nSubject: Bcc: in subject\n\n"
                                  b"Bcc: in the body stays\n")
    assert strip_bcc(b"Subject: no bcc\r\n\r\nbody") == b"Subject: no bcc\r\n\r\nbody"
    assert strip_bcc(b"Bcc: a@x.example\r\nSubject: only headers\r\n") == b"Subject: only headers\r\n"


@pytest.mark.parametrize("value", [
    b"foo", b"a@b@c", b"Marie <m.d@x", b"\xff\xfe@x.example",
    # A comma inside an encoded word (CPython's own folder writes this): the parser would drop an address.
    b"=?utf-8?q?A?= <a@x.example>\r\n =?utf-8?q?=2C?= B <b@x.example>, c@x.example",
], ids=range(5))
def test_an_unreadable_address_header_is_an_input_error(value: bytes) -> None:
    with pytest.raises(InputError, match="To header") as caught:
        header_addresses(b"To: " + value + b"\r\n\r\n")
    assert value.decode("latin-1") not in str(caught.value)


atoms = st.text("abcdefghijklmnopqrstuvwxyz0123456789_+-", min_size=1, max_size=8)
addresses = st.tuples(
    st.text(st.characters(categories=("L",), include_characters=" ,.'\"-()@<>;:\\"), max_size=12),
    st.builds("{}@{}".format, st.lists(atoms, min_size=1, max_size=3).map(".".join),
              st.lists(st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8), min_size=2,
                       max_size=3).map(".".join)),
)


@given(st.lists(addresses, max_size=3), st.lists(addresses, max_size=3), st.lists(addresses, max_size=3),
       st.lists(st.sampled_from(["arg1@cli.example", "arg2@cli.example"]), max_size=2),
       st.sampled_from([b"\r\n", b"\n"]))
def test_recipients_from_headers_and_arguments(
    to: list[tuple[str, str]], cc: list[tuple[str, str]], bcc: list[tuple[str, str]], args: list[str],
    eol: bytes,
) -> None:
    def field(name: str, group: list[tuple[str, str]]) -> bytes:
        if not group:
            return b""
        # Display names quoted or encoded as a mail client would (RFC 5322 / RFC 2047), one address a line.
        value = ("," + eol.decode() + " ").join(formataddr(pair, charset="utf-8") for pair in group)
        return f"{name}: {value}".encode("ascii") + eol

    head = b"From: Dr Test <dr.test@practice.example>" + eol + field("To", to) + field("Cc", cc)
    tail = b"Subject: test" + eol + eol + b"Bonjour," + eol + b"Bcc: in the body" + eol
    raw = head + field("Bcc", bcc) + tail
    args_only = SendmailArgs(tuple(args), extract_recipients=True)
    if not (to or cc or bcc or args):
        with pytest.raises(InputError):
            envelope_from(raw, args_only)
        return
    sender, recipients, cleaned = envelope_from(raw, args_only)
    assert sender == "dr.test@practice.example"
    assert recipients == list(dict.fromkeys([*args, *(address for _, address in to + cc + bcc)]))
    assert cleaned == head + tail
