"""``server.toml``: where the server listens, its TLS files, its users (hashed tokens, see
:mod:`medseal_outlook.users`), its limits and the practice's files.

Relative paths are read from the folder of ``server.toml``. The practice key, the patient directory, the
policy and the users are re-read when their files change, so a directory update or a revoked token needs no
restart; nothing else is kept between requests.
"""

from __future__ import annotations

import base64
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medseal.crypto.keys import read_key
from medseal.errors import InputError
from medseal_outlook.users import User, UsersError, parse_users

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8443
#: Outlook's attachment limit is about 25 MB; base64 makes that about 33.4 MB of JSON, plus the body.
DEFAULT_MAX_REQUEST_MB = 36
LANGUAGES = ("fr", "nl", "de", "en")
#: Seconds a client may take to send a request's headers (also: how long a fresh connection may stay silent).
DEFAULT_HEADER_TIMEOUT_S = 10
#: Seconds a client may take to send a whole request body (36 MiB at ~1 MB/s).
DEFAULT_BODY_TIMEOUT_S = 60
#: Seconds a kept-alive connection may stay idle between two requests.
DEFAULT_IDLE_TIMEOUT_S = 5
#: API requests handled at once (per worker); more get a 503 with Retry-After.
DEFAULT_MAX_CONCURRENT = 16

LEGACY_TOKEN_HELP = (
    "server.toml names token_file: one shared token for everybody, kept in clear. Tokens are now per user "
    "and hashed: run `medseal serve --config {config} --migrate-token NAME` once (it stores that token's "
    "hash as user NAME, so the add-ins that use it keep working, and comments token_file out), then delete "
    "the token file; add the other users with --add-user NAME"
)


class ConfigError(InputError):
    """``server.toml`` or a file it names is missing or malformed."""

    message = "invalid server configuration"


@dataclass(frozen=True)
class ServerConfig:
    """What ``server.toml`` says, with paths made absolute."""

    path: Path
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    workers: int = 1
    certificate: Path | None = None
    private_key: Path | None = None
    users: tuple[User, ...] = ()
    allowed_origins: tuple[str, ...] = ()
    max_request_bytes: int = DEFAULT_MAX_REQUEST_MB * 1024 * 1024
    practice_key: Path | None = None
    directory: Path | None = None
    policy: Path | None = None
    #: The keyed audit chain (``medseal audit verify``), shared with the CLI and the relay; None: no chain.
    audit_log: Path | None = None
    language: str = "fr"
    fix_recipients: bool = False
    header_timeout_s: float = DEFAULT_HEADER_TIMEOUT_S
    body_timeout_s: float = DEFAULT_BODY_TIMEOUT_S
    idle_timeout_s: float = DEFAULT_IDLE_TIMEOUT_S
    max_concurrent: int = DEFAULT_MAX_CONCURRENT
    core_processes: int = 1

    def require_users(self) -> None:
        """Refuse to start a server nobody can use (every user removed or disabled)."""
        if not any(not user.disabled for user in self.users):
            raise ConfigError(
                f"{self.path} has no enabled [[users]]: add one with "
                f"`medseal serve --config {self.path} --add-user NAME`"
            )


def _path(base: Path, value: Any, key: str) -> Path | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ConfigError(f"server.toml: {key} must be a path (a string)")
    return (base / os.path.expanduser(value)).resolve()


def _get(table: dict[str, Any], key: str, kind: type, default: Any) -> Any:
    value = table.get(key, default)
    if kind is int and isinstance(value, bool):
        raise ConfigError(f"server.toml: {key} must be an integer")
    if not isinstance(value, kind):
        raise ConfigError(f"server.toml: {key} must be of type {kind.__name__}")
    return value


def _seconds(table: dict[str, Any], key: str, default: float) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 3600:
        raise ConfigError(f"server.toml: {key} must be a number of seconds between 0 and 3600")
    return float(value)


def read_toml(path: Path) -> dict[str, Any]:
    """``server.toml`` as a dict (ConfigError if unreadable or not TOML)."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc


def load_config(path: str | os.PathLike[str]) -> ServerConfig:
    """Read and check ``server.toml``."""
    config_path = Path(path).resolve()
    data = read_toml(config_path)
    server = data.get("server", {})
    practice = data.get("medseal", {})
    if not isinstance(server, dict) or not isinstance(practice, dict):
        raise ConfigError("server.toml: [server] and [medseal] must be tables")
    base = config_path.parent
    origins = _get(server, "allowed_origins", list, [])
    if not all(isinstance(o, str) and o.startswith("https://") for o in origins):
        raise ConfigError("server.toml: allowed_origins must be a list of https:// origins")
    language = _get(practice, "language", str, "fr")
    if language not in LANGUAGES:
        raise ConfigError(f"server.toml: language must be one of {', '.join(LANGUAGES)}")
    max_mb = _get(server, "max_request_mb", int, DEFAULT_MAX_REQUEST_MB)
    port = _get(server, "port", int, DEFAULT_PORT)
    workers = _get(server, "workers", int, 1)
    max_concurrent = _get(server, "max_concurrent", int, DEFAULT_MAX_CONCURRENT)
    core_processes = _get(server, "core_processes", int, 1)
    if not 0 < port < 65536 or workers < 1 or max_mb < 1 or max_concurrent < 1 or not 0 <= core_processes <= 64:
        raise ConfigError(
            "server.toml: port, workers, max_request_mb, max_concurrent or core_processes out of range"
        )
    if server.get("token_file") not in (None, ""):
        raise ConfigError(LEGACY_TOKEN_HELP.format(config=config_path))
    try:
        users = parse_users(data.get("users"))
    except UsersError as exc:
        raise ConfigError(str(exc)) from None
    return ServerConfig(
        path=config_path,
        host=_get(server, "host", str, DEFAULT_HOST),
        port=port,
        workers=workers,
        certificate=_path(base, server.get("certificate"), "certificate"),
        private_key=_path(base, server.get("private_key"), "private_key"),
        users=users,
        allowed_origins=tuple(o.rstrip("/") for o in origins),
        max_request_bytes=max_mb * 1024 * 1024,
        practice_key=_path(base, practice.get("practice_key"), "practice_key"),
        directory=_path(base, practice.get("directory"), "directory"),
        policy=_path(base, practice.get("policy"), "policy"),
        audit_log=_path(base, practice.get("audit_log"), "audit_log"),
        language=language,
        fix_recipients=_get(practice, "fix_recipients", bool, False),
        header_timeout_s=_seconds(server, "header_timeout_s", DEFAULT_HEADER_TIMEOUT_S),
        body_timeout_s=_seconds(server, "body_timeout_s", DEFAULT_BODY_TIMEOUT_S),
        idle_timeout_s=_seconds(server, "idle_timeout_s", DEFAULT_IDLE_TIMEOUT_S),
        max_concurrent=max_concurrent,
        core_processes=core_processes,
    )


def _read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _read_practice_key(path: Path) -> str:
    """The key file (``medseal-key-v1:…``, private to its owner) as the base64 the core's settings take."""
    return base64.b64encode(read_key(path)).decode("ascii")


@dataclass
class _Watched:
    """A file read again only when its modification time or size changes."""

    path: Path | None
    load: Callable[[Path], str] = _read_text
    stamp: tuple[int, int] | None = None
    value: str = ""

    def read(self) -> str:
        if self.path is None:
            return ""
        try:
            info = self.path.stat()
        except OSError as exc:
            raise ConfigError(f"cannot read {self.path.name}") from exc
        stamp = (info.st_mtime_ns, info.st_size)
        if stamp != self.stamp:
            self.value = self.load(self.path)
            self.stamp = stamp
        return self.value


@dataclass
class PracticeFiles:
    """The core's settings (contract ``settings``) from the files named in ``server.toml``."""

    config: ServerConfig
    _key: _Watched = field(init=False)
    _directory: _Watched = field(init=False)
    _policy: _Watched = field(init=False)

    def __post_init__(self) -> None:
        self._key = _Watched(self.config.practice_key, _read_practice_key)
        self._directory = _Watched(self.config.directory)
        self._policy = _Watched(self.config.policy)

    def settings(self, language: str | None = None) -> dict[str, Any]:
        """The settings dict the core's service takes; raises :class:`ConfigError` if a file is unreadable."""
        if self.config.practice_key is None:
            raise ConfigError("server.toml names no practice_key")
        return {
            "practiceKey": self._key.read(),
            "directoryCsv": self._directory.read(),
            "policyToml": self._policy.read(),
            "language": language if language in LANGUAGES else self.config.language,
            "fixRecipients": self.config.fix_recipients,
            "nativeEncryptionRecipients": [],
        }
