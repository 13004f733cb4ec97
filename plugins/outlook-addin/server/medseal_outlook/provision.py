"""``medseal serve --init DIR``: a ready-to-run server folder; ``--add-user`` and ``--migrate-token``.

It writes ``server.toml`` (with the first user's token *hash*), that user's API token (``token``, mode
0600, written once: give it to the user, who pastes it into the medseal pane, then delete it), a practice
key (``practice.key``, mode 0600, in the core's ``medseal-key-v1:`` form: it keys the pseudonyms, so keep
it and back it up; share it with ``medseal key export`` and ``medseal key import --key-file
DIR/practice.key``), and a self-signed
development certificate (``cert.pem``, ``key.pem``). Files already there are kept, never overwritten:
re-running ``--init`` is safe and never changes the practice key (a new key would change every pseudonym).
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from medseal.crypto.keys import export_key, generate_key
from medseal_outlook.config import (
    DEFAULT_BODY_TIMEOUT_S,
    DEFAULT_HEADER_TIMEOUT_S,
    DEFAULT_HOST,
    DEFAULT_IDLE_TIMEOUT_S,
    DEFAULT_MAX_CONCURRENT,
    DEFAULT_MAX_REQUEST_MB,
    DEFAULT_PORT,
    ConfigError,
    load_config,
    read_toml,
)
from medseal_outlook.devcert import make_dev_certificate
from medseal_outlook.users import UsersError, check_name, new_token, parse_users, user_table

CONFIG_TEMPLATE = """\
# medseal server configuration, written by `medseal serve --init`.
# Relative paths are read from this file's folder.

[server]
# 127.0.0.1: this computer only. Use 0.0.0.0 behind a hospital's proxy or load balancer.
host = "{host}"
port = {port}
# Raise this, or run several servers (same server.toml and practice key; the audit log takes a lock, so
# servers on one machine may share it, servers on several machines each keep their own).
workers = 1
# Self-signed development certificate: replace it with your own for production.
certificate = "cert.pem"
private_key = "key.pem"
# Extra https:// origins allowed by CORS (the add-in is served from this server: same origin).
allowed_origins = []
# Request size limit: Outlook's 25 MB of attachments, in base64.
max_request_mb = {max_mb}
# Seconds to send the headers (a fresh connection that stays silent is closed too), the whole body, and
# idle seconds between two requests on a kept-alive connection.
header_timeout_s = {header_s}
body_timeout_s = {body_s}
idle_timeout_s = {idle_s}
# API requests handled at once per worker; more get 503 (busy) with Retry-After.
max_concurrent = {max_concurrent}
# Processes (per worker) for messages over 1 MiB, so that a big one does not slow the others; 0: threads only.
core_processes = 1

[medseal]
# Keys the pseudonyms (HMAC-SHA256): keep it secret and backed up (`medseal key export/import`).
practice_key = "practice.key"
# Optional patient directory (CSV), e.g. "patients.csv"; read again when it changes.
directory = ""
# Optional practice rules (TOML), e.g. "policy.toml".
policy = ""
# The audit trail: one record per answer (who, what was decided, finding counts, pseudonyms, recipients'
# domains; never a patient's identifier), chained by HMAC under the practice key, with its anchor beside it
# (audit.log.head). Check it with `medseal audit verify audit.log --key-file practice.key`. "" turns it off.
audit_log = "audit.log"
# Default language when the add-in does not say: fr, nl, de or en.
language = "fr"
# Let medseal move patients' addresses to Bcc and drop needless Cc.
fix_recipients = false

# One [[users]] table per person. The add-in sends the user's token as `Authorization: Bearer <token>`;
# only its SHA-256 is here. Add one: medseal serve --config server.toml --add-user NAME.
# Revoke one: `disabled = true` or delete its table (refused from the next request on, no restart needed).
"""


@dataclass
class InitResult:
    """What ``--init`` wrote and what it kept."""

    folder: Path
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)

    @property
    def config(self) -> Path:
        return self.folder / "server.toml"


def _write_new(path: Path, data: bytes, mode: int, result: InitResult) -> None:
    """Create ``path`` with ``mode`` from the start (no window with wider rights); keep it if present."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        result.kept.append(path)
        return
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(path, mode)  # the umask may have narrowed it, never widened it; make it exact
    result.written.append(path)


def init_server_dir(
    folder: str | os.PathLike[str], host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, user: str = "admin"
) -> InitResult:
    """Create ``folder`` (if needed) and every file the server needs that is not there yet.

    The first user's token is written (to ``token``) only together with a new ``server.toml`` that holds its
    hash: a kept ``server.toml`` keeps its users, and no token is made that it would not know.
    """
    check_name(user)
    path = Path(folder).resolve()
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    result = InitResult(path)
    if (path / "server.toml").exists():
        result.kept.append(path / "server.toml")
    else:
        token = new_token()
        config = CONFIG_TEMPLATE.format(
            host=host, port=port, max_mb=DEFAULT_MAX_REQUEST_MB, header_s=DEFAULT_HEADER_TIMEOUT_S,
            body_s=DEFAULT_BODY_TIMEOUT_S, idle_s=DEFAULT_IDLE_TIMEOUT_S, max_concurrent=DEFAULT_MAX_CONCURRENT,
        ) + user_table(user, token)
        (path / "token").unlink(missing_ok=True)  # a token left without its server.toml opens nothing
        _write_new(path / "token", (token + "\n").encode("ascii"), 0o600, result)
        _write_new(path / "server.toml", config.encode("utf-8"), 0o644, result)
    _write_new(path / "practice.key", (export_key(generate_key()) + "\n").encode("ascii"), 0o600, result)
    if not (path / "cert.pem").exists() or not (path / "key.pem").exists():
        cert, key = make_dev_certificate()
        for name in ("cert.pem", "key.pem"):
            (path / name).unlink(missing_ok=True)
        _write_new(path / "key.pem", key, 0o600, result)
        _write_new(path / "cert.pem", cert, 0o644, result)
    else:
        result.kept += [path / "cert.pem", path / "key.pem"]
    return result


def _replace_text(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, with its mode, and rename it into place."""
    mode = path.stat().st_mode & 0o777
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _add_user_table(config: Path, name: str, token: str, text: str | None = None) -> None:
    """Append ``name``'s table to ``config`` after checking that the result still parses."""
    try:
        users = parse_users(read_toml(config).get("users"))
    except UsersError as exc:
        raise ConfigError(str(exc)) from None
    if any(user.name == name for user in users):
        raise ConfigError(f"{config} already has a user {name}: choose another name, or delete that user first")
    current = config.read_text(encoding="utf-8") if text is None else text
    _replace_text(config, current.rstrip("\n") + "\n" + user_table(name, token))


def add_user(config_path: str | os.PathLike[str], name: str) -> Path:
    """``--add-user NAME``: a new token for ``name``, its hash added to ``server.toml``; returns the token file.

    The token goes to ``token-NAME`` (mode 0600, beside ``server.toml``; refused if it exists), never to the
    terminal. A running server sees the new user at its next request.
    """
    check_name(name)
    config = Path(config_path).resolve()
    load_config(config)  # refuse to touch a file that is already broken
    token = new_token()
    result = InitResult(config.parent)
    target = config.parent / f"token-{name}"
    _write_new(target, (token + "\n").encode("ascii"), 0o600, result)
    if not result.written:
        raise ConfigError(f"{target} already exists: hand it over and delete it first")
    try:
        _add_user_table(config, name, token)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target


_TOKEN_FILE_LINE = re.compile(r"^(\s*token_file\s*=.*)$", re.MULTILINE)


def migrate_token(config_path: str | os.PathLike[str], name: str) -> Path:
    """``--migrate-token NAME``: the old shared ``token_file`` becomes user ``name`` (its hash only).

    The add-ins that hold that token keep working; ``token_file`` is commented out. Returns the old token
    file, which the administrator should now delete (it is left in place: nothing is removed unasked).
    """
    check_name(name)
    config = Path(config_path).resolve()
    data = read_toml(config)
    server = data.get("server", {})
    value = server.get("token_file") if isinstance(server, dict) else None
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{config} names no token_file: nothing to migrate")
    token_file = (config.parent / os.path.expanduser(value)).resolve()
    try:
        token = token_file.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"cannot read the token file {token_file}") from exc
    if len(token) < 16:
        raise ConfigError(f"the token in {token_file} is too short to keep (16 characters at least)")
    text = config.read_text(encoding="utf-8")
    text = _TOKEN_FILE_LINE.sub(lambda m: f"# {m.group(1)}  # migrated to [[users]] {name}", text, count=1)
    _add_user_table(config, name, token, text)
    load_config(config)
    return token_file
