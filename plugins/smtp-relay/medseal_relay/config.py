"""``relay.toml``: where the relay listens, its TLS files, its users, the upstream server and its limits.

Relative paths are read from the folder of ``relay.toml``. Passwords are never stored in it: users' passwords
as scrypt hashes (:mod:`medseal_relay.userauth`), the upstream password in a separate credentials file that
must not be readable by others (mode 0600).
"""

from __future__ import annotations

import ipaddress
import os
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medseal.errors import InputError
from medseal_cli.smtp import SmtpConfig
from medseal_relay.userauth import HandoverKeys

LANGUAGES = ("fr", "nl", "de", "en")
TLS_MODES = ("starttls", "implicit", "none")
PASSWORD_MODES = ("handover-page", "refuse")


class RelayConfigError(InputError):
    """``relay.toml`` or a file it names is missing or malformed."""

    message = "invalid relay configuration"


@dataclass(frozen=True)
class Address:
    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def is_loopback(self) -> bool:
        return is_loopback(self.host)


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback IP literal (never a DNS lookup)."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def parse_address(text: str, what: str) -> Address:
    """``HOST:PORT`` (``[::1]:PORT`` for IPv6) -> :class:`Address`, or a :class:`RelayConfigError`."""
    host, sep, port = text.strip().rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise RelayConfigError(f"{what}: expected HOST:PORT, got {text!r}")
    return Address(host, int(port))


@dataclass(frozen=True)
class User:
    """One login of the relay (a person, or a machine such as the EMR software or a scanner)."""

    name: str
    password_hash: str = field(repr=False)
    keys: HandoverKeys | None = field(default=None, repr=False)
    language: str | None = None
    addresses: tuple[str, ...] = ()  # envelope senders this user may use; empty: any
    upstream_credentials: Path | None = None

    def may_send_as(self, sender: str) -> bool:
        return not self.addresses or sender.lower() in self.addresses


@dataclass(frozen=True)
class Limits:
    max_message_bytes: int = 25 * 1024 * 1024
    max_recipients: int = 50
    connections_per_minute: int = 60
    max_connections: int = 50
    auth_failures: int = 5
    auth_window_seconds: float = 900.0


@dataclass(frozen=True)
class Retry:
    first_seconds: float = 60.0
    max_seconds: float = 3600.0
    give_up_seconds: float = 5 * 24 * 3600.0


@dataclass(frozen=True)
class RelayConfig:
    path: Path
    listen: Address = Address("127.0.0.1", 8587)
    tls: str = "starttls"
    certificate: Path | None = None
    private_key: Path | None = None
    hostname: str = "medseal-relay"
    spool: Path = Path("spool")
    audit: Path | None = None
    practice_key: Path | None = None
    directory: Path | None = None
    policy: Path | None = None
    language: str = "fr"
    generated_passwords: str = "handover-page"
    limits: Limits = Limits()
    retry: Retry = Retry()
    upstream: SmtpConfig | None = None
    upstream_credentials: Path | None = None
    handover_listen: Address | None = None
    filter_listen: Address | None = None
    reinject: Address | None = None
    users: dict[str, User] = field(default_factory=dict)

    def user_for_sender(self, sender: str) -> User | None:
        """The user whose ``addresses`` list ``sender`` (Postfix filter mode has no login)."""
        for user in self.users.values():
            if sender.lower() in user.addresses:
                return user
        return None


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise RelayConfigError(f"relay.toml: [{key}] must be a table")
    return value


def _get(table: dict[str, Any], where: str, key: str, kind: type, default: Any) -> Any:
    value = table.get(key, default)
    if (kind in (int, float) and isinstance(value, bool)) or not isinstance(
        value, (int, float) if kind is float else kind
    ):
        raise RelayConfigError(f"relay.toml: {where}.{key} must be of type {kind.__name__}")
    return value


def _path(base: Path, value: str) -> Path | None:
    return (base / os.path.expanduser(value)).resolve() if value else None


def read_credentials(path: Path) -> tuple[str, str]:
    """``(user name, password)`` from a credentials file: line 1 the user name, line 2 the password.

    Refused if others can read it (it must be mode 0600, as ``ssh`` insists for its keys)."""
    try:
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise RelayConfigError(
                f"{path}: the upstream credentials file must not be readable by others: chmod 600 {path}"
            )
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise RelayConfigError(f"{path}: cannot read the upstream credentials ({exc.strerror})") from None
    if len(lines) < 2 or not lines[0].strip() or not lines[1]:
        raise RelayConfigError(f"{path}: expected the user name on line 1 and the password on line 2")
    return lines[0].strip(), lines[1]


def _user(name: str, table: Any, base: Path) -> User:
    where = f"users.{name}"
    if not isinstance(table, dict):
        raise RelayConfigError(f"relay.toml: [{where}] must be a table")
    password = _get(table, where, "password", str, "")
    if not password.startswith("scrypt$"):
        raise RelayConfigError(
            f"relay.toml: {where}.password must be an scrypt hash (medseal relay --add-user writes it), "
            "never a password in clear"
        )
    public = _get(table, where, "handover_public", str, "")
    private = _get(table, where, "handover_private", str, "")
    language = _get(table, where, "language", str, "") or None
    if language is not None and language not in LANGUAGES:
        raise RelayConfigError(f"relay.toml: {where}.language must be one of {', '.join(LANGUAGES)}")
    addresses = _get(table, where, "addresses", list, [])
    if not all(isinstance(a, str) and "@" in a for a in addresses):
        raise RelayConfigError(f"relay.toml: {where}.addresses must be a list of e-mail addresses")
    credentials = _path(base, _get(table, where, "upstream_credentials", str, ""))
    keys = HandoverKeys(public, private) if public and private else None
    return User(name, password, keys, language, tuple(a.lower() for a in addresses), credentials)


def load_config(path: str | os.PathLike[str], listen: str | None = None, upstream: str | None = None) -> RelayConfig:
    """Read ``relay.toml``; ``listen`` and ``upstream`` (``HOST:PORT``) override the file's values."""
    file = Path(path).resolve()
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RelayConfigError(f"{file}: not found (create one with medseal relay --init DIR)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RelayConfigError(f"{file}: cannot read it ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise RelayConfigError(f"{file}: not valid TOML ({exc})") from None
    base = file.parent
    relay = _table(data, "relay")
    known = {"relay", "upstream", "handover", "filter", "users"}
    for key in data:
        if key not in known:
            raise RelayConfigError(f"relay.toml: unknown table [{key}] (expected {', '.join(sorted(known))})")

    def get(key: str, kind: type, default: Any) -> Any:
        return _get(relay, "relay", key, kind, default)

    address = parse_address(listen or get("listen", str, "127.0.0.1:8587"), "relay.listen")
    tls = get("tls", str, "starttls")
    if tls not in TLS_MODES:
        raise RelayConfigError(f"relay.toml: relay.tls must be one of {', '.join(TLS_MODES)}")
    if tls == "none" and not address.is_loopback:
        raise RelayConfigError("relay.toml: relay.tls = \"none\" is only allowed on a loopback address")
    certificate = _path(base, get("certificate", str, ""))
    private_key = _path(base, get("private_key", str, ""))
    if tls != "none" and (certificate is None or private_key is None):
        raise RelayConfigError("relay.toml: relay.certificate and relay.private_key are needed for TLS")
    language = get("language", str, "fr")
    if language not in LANGUAGES:
        raise RelayConfigError(f"relay.toml: relay.language must be one of {', '.join(LANGUAGES)}")
    generated = get("generated_passwords", str, "handover-page")
    if generated not in PASSWORD_MODES:
        raise RelayConfigError(f"relay.toml: relay.generated_passwords must be one of {', '.join(PASSWORD_MODES)}")
    limits = Limits(
        max_message_bytes=int(get("max_message_mb", float, 25) * 1024 * 1024),
        max_recipients=get("max_recipients", int, 50),
        connections_per_minute=get("connections_per_minute", int, 60),
        max_connections=get("max_connections", int, 50),
        auth_failures=get("auth_failures", int, 5),
        auth_window_seconds=float(get("auth_window_seconds", float, 900)),
    )
    retry = Retry(
        first_seconds=float(get("retry_first_seconds", float, 60)),
        max_seconds=float(get("retry_max_seconds", float, 3600)),
        give_up_seconds=float(get("give_up_hours", float, 120)) * 3600,
    )
    for value, key in ((limits.max_recipients, "max_recipients"), (limits.connections_per_minute,
                        "connections_per_minute"), (limits.auth_failures, "auth_failures")):
        if value < 1:
            raise RelayConfigError(f"relay.toml: relay.{key} must be at least 1")

    up = dict(_table(data, "upstream"))
    credentials = _path(base, str(up.pop("credentials_file", "") or ""))
    if upstream:
        target = parse_address(upstream, "--upstream")
        up["host"], up["port"] = target.host, target.port
        if target.is_loopback and "starttls" not in up:
            up["starttls"] = "never-loopback-only"
    if up.get("cafile"):
        up["cafile"] = str(_path(base, str(up["cafile"])))
    else:
        up.pop("cafile", None)
    upstream_config = None
    if up.get("host"):
        if credentials is not None and "username" not in up:
            up["username"] = read_credentials(credentials)[0]
        up.setdefault("use_keyring", False)
        try:
            upstream_config = SmtpConfig.from_mapping(up, "upstream")
        except InputError as exc:
            raise RelayConfigError(f"relay.toml: {exc}") from None

    handover = _table(data, "handover")
    handover_listen = _get(handover, "handover", "listen", str, "")
    filter_table = _table(data, "filter")
    filter_listen = _get(filter_table, "filter", "listen", str, "")
    reinject = _get(filter_table, "filter", "reinject", str, "")
    filter_address = parse_address(filter_listen, "filter.listen") if filter_listen else None
    reinject_address = parse_address(reinject, "filter.reinject") if reinject else None
    if filter_address is not None:
        if reinject_address is None:
            raise RelayConfigError("relay.toml: filter.listen needs filter.reinject (Postfix's second smtpd)")
        if not filter_address.is_loopback or not reinject_address.is_loopback:
            raise RelayConfigError("relay.toml: the Postfix filter and its reinjection must be on loopback")
    users_table = _table(data, "users")
    users = {name: _user(name, table, base) for name, table in users_table.items()}
    return RelayConfig(
        path=file,
        listen=address,
        tls=tls,
        certificate=certificate,
        private_key=private_key,
        hostname=get("hostname", str, "medseal-relay"),
        spool=_path(base, get("spool", str, "spool")) or base / "spool",
        audit=_path(base, get("audit", str, "")),
        practice_key=_path(base, get("practice_key", str, "")),
        directory=_path(base, get("directory", str, "")),
        policy=_path(base, get("policy", str, "")),
        language=language,
        generated_passwords=generated,
        limits=limits,
        retry=retry,
        upstream=upstream_config,
        upstream_credentials=credentials,
        handover_listen=parse_address(handover_listen, "handover.listen") if handover_listen else None,
        filter_listen=filter_address,
        reinject=reinject_address,
        users=users,
    )
