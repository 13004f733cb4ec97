"""Relay a (protected) message to the practice's SMTP server, with STARTTLS required.

The settings come from the ``[smtp]`` table of the policy file (:meth:`SmtpConfig.from_mapping`); the
password never does: it comes from an environment variable (``MEDSEAL_SMTP_PASSWORD`` by default) or from
the system keyring (service ``medseal-smtp/<host>``, user name as configured) when the optional ``keyring``
package is installed.

Safe by default: the server's certificate is verified (system trust store, or ``cafile``), AUTH is only ever
sent over TLS, and relaying without TLS is refused unless the host is this machine (``localhost``,
``127.0.0.0/8``, ``::1``) *and* the configuration says ``starttls = "never-loopback-only"``.
"""

from __future__ import annotations

import importlib
import ipaddress
import os
import re
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, Literal

from medseal.errors import InputError, MedsealError, PolicyError

StartTls = Literal["required", "never-loopback-only"]
STARTTLS_MODES: tuple[StartTls, ...] = ("required", "never-loopback-only")
KEYRING_SERVICE = "medseal-smtp/{host}"

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class RelayRefused(InputError):
    """medseal will not relay under these conditions (no TLS, no password...); the message says what to do."""

    message = "refusing to relay the message"


class RelayError(MedsealError):
    """The SMTP server could not be reached or did not accept the message; carries the server's reply.

    ``temporary`` is true for a 4xx reply or a network failure (worth retrying later: sendmail's
    ``EX_TEMPFAIL``), false for a permanent refusal (5xx).
    """

    message = "the SMTP server did not accept the message"

    def __init__(
        self, message: str | None = None, *, code: int | None = None, temporary: bool = False
    ) -> None:
        super().__init__(message)
        self.code = code
        self.temporary = temporary


@dataclass(frozen=True)
class SmtpConfig:
    """How to reach the practice's outgoing mail server."""

    host: str
    port: int = 587
    username: str | None = None
    password_env: str = "MEDSEAL_SMTP_PASSWORD"
    use_keyring: bool = True
    starttls: StartTls = "required"
    timeout: float = 30
    cafile: str | None = None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], section: str = "smtp") -> SmtpConfig:
        """Build from the ``[smtp]`` table; a :class:`PolicyError` names the offending key."""

        def fail(key: str, problem: str) -> PolicyError:
            return PolicyError(f"{section}.{key}: {problem}")

        known = {f.name for f in fields(cls)}
        for key in data:
            if key in ("password", "pass", "secret"):
                raise fail(
                    key,
                    f"do not store the password in the configuration: put it in the environment "
                    f"variable named by {section}.password_env, or in the keyring",
                )
            if key not in known:
                raise fail(key, f"unknown key (expected one of {', '.join(sorted(known))})")
        if "host" not in data:
            raise fail("host", "missing: the name of the outgoing mail server")
        host = data["host"]
        if not isinstance(host, str) or not host.strip() or any(c.isspace() for c in host.strip()):
            raise fail("host", "must be a host name or an IP address")
        port = data.get("port", 587)
        if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
            raise fail("port", "must be a whole number between 1 and 65535")
        username = data.get("username")
        if username is not None and (not isinstance(username, str) or not username):
            raise fail("username", "must be a non-empty string")
        password_env = data.get("password_env", "MEDSEAL_SMTP_PASSWORD")
        if not isinstance(password_env, str) or not _ENV_NAME.fullmatch(password_env):
            raise fail("password_env", "must be the name of an environment variable")
        use_keyring = data.get("use_keyring", True)
        if not isinstance(use_keyring, bool):
            raise fail("use_keyring", "must be true or false")
        starttls = data.get("starttls", "required")
        if starttls not in STARTTLS_MODES:
            raise fail("starttls", f"must be one of {', '.join(STARTTLS_MODES)}")
        timeout = data.get("timeout", 30)
        if not isinstance(timeout, int | float) or isinstance(timeout, bool) or not 0 < timeout <= 600:
            raise fail("timeout", "must be a number of seconds between 0 and 600")
        cafile = data.get("cafile")
        if cafile is not None and (not isinstance(cafile, str) or not cafile):
            raise fail("cafile", "must be the path of a PEM file of trusted certificates")
        config = cls(
            host.strip(), port, username, password_env, use_keyring, starttls, float(timeout), cafile
        )
        if starttls == "never-loopback-only" and not _is_loopback(config.host):
            raise fail(
                "starttls",
                '"never-loopback-only" is only allowed when smtp.host is this machine '
                "(localhost, 127.0.0.1, ::1)",
            )
        return config


def _is_loopback(host: str) -> bool:
    """``localhost`` or an IP literal on this machine (``127.0.0.0/8``, ``::1``); never a DNS lookup."""
    name = host.strip().rstrip(".").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name.removeprefix("[").removesuffix("]")).is_loopback
    except ValueError:
        return False


def _tls_requirement(host: str, starttls: str = "required") -> bool:
    """Whether the session to ``host`` must use STARTTLS; :class:`RelayRefused` if plain text is refused."""
    if starttls == "required":
        return True
    if starttls == "never-loopback-only":
        if _is_loopback(host):
            return False
        raise RelayRefused(
            f"refusing to send to {host} without encryption: plain text is only allowed to this machine "
            f'(localhost); set smtp.starttls = "required"'
        )
    raise RelayRefused(f"unknown smtp.starttls mode {starttls!r} (one of {', '.join(STARTTLS_MODES)})")


def _password(config: SmtpConfig) -> str | None:
    """From the environment variable, else the keyring (when installed and allowed), else ``None``."""
    value = os.environ.get(config.password_env)
    if value:
        return value
    if not config.use_keyring or config.username is None:
        return None
    try:
        keyring = importlib.import_module("keyring")
    except ImportError:
        return None
    try:
        found = keyring.get_password(KEYRING_SERVICE.format(host=config.host), config.username)
    except Exception:  # keyring backends raise their own types (no backend, locked, D-Bus down)
        return None
    return found if isinstance(found, str) and found else None


def _mask(address: str) -> str:
    """``marie.dupont@example.be`` -> ``m…@example.be``: an address can hold a patient's name."""
    local, at, domain = address.rpartition("@")
    return f"{local[:1]}…@{domain}" if at else "…"


def _reply_text(reply: bytes | str, addresses: Sequence[str]) -> str:
    text = reply.decode("utf-8", errors="replace") if isinstance(reply, bytes) else str(reply)
    text = " ".join(text.split())
    for address in sorted(addresses, key=len, reverse=True):
        text = text.replace(address, _mask(address))
    return text


def relay(
    message: bytes, sender: str, recipients: Sequence[str], config: SmtpConfig, *, password: str | None = None
) -> None:
    """Send ``message`` (RFC 5322 bytes; line ends made CRLF) from ``sender`` to ``recipients``.

    Raises :class:`RelayRefused` when medseal will not send (no STARTTLS offered, AUTH without TLS, no
    password, no recipients), and :class:`RelayError` with the server's reply when the server refuses
    (bad password, rejected sender or recipient) or cannot be reached. All or nothing: if the server
    refuses any recipient, the transaction is reset and nothing is sent. ``password`` (e.g. from the relay's
    credentials file) takes the place of the environment variable and the keyring.
    """
    if not recipients:
        raise RelayRefused("no recipients: give addresses on the command line or use -t")
    use_tls = _tls_requirement(config.host, config.starttls)
    if config.username is not None and not use_tls:
        raise RelayRefused('refusing to send the SMTP password without TLS: set smtp.starttls = "required"')
    if config.username is not None and password is None:
        password = _password(config)
        if password is None:
            raise RelayRefused(
                f"no SMTP password for {config.username}: set the environment variable {config.password_env} "
                f"or store it with `keyring set {KEYRING_SERVICE.format(host=config.host)} {config.username}`"
            )
    addresses = [sender, *recipients]
    where = f"{config.host}:{config.port}"
    try:
        context = ssl.create_default_context(cafile=config.cafile) if use_tls else None
    except (OSError, ssl.SSLError) as exc:
        raise RelayRefused(f"cannot load smtp.cafile: {exc}") from None
    try:
        with smtplib.SMTP(config.host, config.port, timeout=config.timeout) as session:
            session.ehlo()
            if context is not None:
                if not session.has_extn("starttls"):
                    raise RelayRefused(
                        f"{where} does not offer STARTTLS: medseal will not send patient data unencrypted; "
                        f"check smtp.host and smtp.port (587 is the usual submission port)"
                    )
                session.starttls(context=context)
                session.ehlo()
            if config.username is not None and password is not None:
                if not session.has_extn("auth"):
                    raise RelayRefused(f"{where} offers no AUTH after STARTTLS: check smtp.host, smtp.port")
                try:
                    session.login(config.username, password)
                except UnicodeEncodeError:
                    raise RelayRefused("the SMTP user name and password must be ASCII characters") from None
            _transaction(session, _crlf(message), sender, recipients, where)
    except (RelayRefused, RelayError):
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise RelayError(
            f"{where} refused the user name or password: "
            f"{exc.smtp_code} {_reply_text(exc.smtp_error, addresses)}",
            code=exc.smtp_code,
            temporary=400 <= exc.smtp_code < 500,
        ) from None
    except smtplib.SMTPResponseException as exc:  # sender refused, data refused, unexpected reply
        raise RelayError(
            f"{where} refused the message: {exc.smtp_code} {_reply_text(exc.smtp_error, addresses)}",
            code=exc.smtp_code,
            temporary=400 <= exc.smtp_code < 500,
        ) from None
    except ssl.SSLCertVerificationError as exc:
        raise RelayError(
            f"cannot verify the certificate of {where}: {exc.verify_message}; set smtp.cafile if the server "
            f"uses a private certificate authority",
        ) from None
    except smtplib.SMTPServerDisconnected as exc:
        raise RelayError(f"{where} closed the connection: {exc}", temporary=True) from None
    except (smtplib.SMTPException, ssl.SSLError) as exc:
        raise RelayError(f"the SMTP session with {where} failed: {exc}") from None
    except OSError as exc:  # refused connection, unknown host, time-out
        raise RelayError(f"cannot reach {where}: {exc.strerror or exc}", temporary=True) from None


def _crlf(message: bytes) -> bytes:
    """Every line end as CRLF (servers refuse bare LF); the rest byte for byte."""
    return re.sub(rb"\r\n|\n|\r", b"\r\n", message)


def _transaction(
    session: smtplib.SMTP, message: bytes, sender: str, recipients: Sequence[str], where: str
) -> None:
    """MAIL, every RCPT, then DATA only if all were accepted; smtplib errors propagate to :func:`relay`."""
    addresses = [sender, *recipients]
    options = []
    if not message.isascii():
        if not session.has_extn("8bitmime"):
            raise RelayRefused(f"{where} does not accept 8-bit messages (no 8BITMIME)")
        options.append("BODY=8BITMIME")
    if not all(a.isascii() for a in addresses):
        if not session.has_extn("smtputf8"):
            raise RelayRefused(f"{where} does not accept non-ASCII addresses (no SMTPUTF8)")
        options.append("SMTPUTF8")
    code, reply = session.mail(sender, options)
    if code != 250:
        session.rset()
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    refused = {}
    for rcpt in recipients:
        code, reply = session.rcpt(rcpt)
        if code not in (250, 251):
            refused[rcpt] = (code, reply)
    if refused:
        session.rset()
        raise _refused(refused, addresses)
    code, reply = session.data(message)
    if code != 250:
        raise smtplib.SMTPDataError(code, reply)


def _refused(refused: Mapping[str, tuple[int, bytes]], addresses: Sequence[str]) -> RelayError:
    codes = [code for code, _ in refused.values()]
    details = "; ".join(
        f"{_mask(rcpt)}: {code} {_reply_text(reply, addresses)}" for rcpt, (code, reply) in refused.items()
    )
    return RelayError(
        f"the server refused {len(refused)} recipient(s): {details}",
        code=codes[0] if codes else None,
        temporary=all(400 <= c < 500 for c in codes),
    )
