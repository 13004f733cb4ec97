"""``medseal serve --init DIR``: a ready-to-run server folder.

It writes ``server.toml``, a random API token (``token``, mode 0600), a practice key (``practice.key``, mode
0600, in the core's ``medseal-key-v1:`` form: it keys the pseudonyms, so keep it and back it up; share it
with ``medseal key export`` and ``medseal key import --key-file DIR/practice.key``), and a self-signed
development certificate (``cert.pem``, ``key.pem``). Files already there are kept, never overwritten:
re-running ``--init`` is safe and never changes the practice key (a new key would change every pseudonym).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from medseal.crypto.keys import export_key, generate_key
from medseal_outlook.config import DEFAULT_HOST, DEFAULT_MAX_REQUEST_MB, DEFAULT_PORT
from medseal_outlook.devcert import make_dev_certificate

CONFIG_TEMPLATE = """\
# medseal server configuration, written by `medseal serve --init`.
# Relative paths are read from this file's folder.

[server]
# 127.0.0.1: this computer only. Use 0.0.0.0 behind a hospital's proxy or load balancer.
host = "{host}"
port = {port}
# The server is stateless: raise this, or run several servers (same token and practice key).
workers = 1
# Self-signed development certificate: replace it with your own for production.
certificate = "cert.pem"
private_key = "key.pem"
# The add-in sends it as `Authorization: Bearer <token>`.
token_file = "token"
# Extra https:// origins allowed by CORS (the add-in is served from this server: same origin).
allowed_origins = []
# Request size limit: Outlook's 25 MB of attachments, in base64.
max_request_mb = {max_mb}

[medseal]
# Keys the pseudonyms (HMAC-SHA256): keep it secret and backed up (`medseal key export/import`).
practice_key = "practice.key"
# Optional patient directory (CSV), e.g. "patients.csv"; read again when it changes.
directory = ""
# Optional practice rules (TOML), e.g. "policy.toml".
policy = ""
# Default language when the add-in does not say: fr, nl, de or en.
language = "fr"
# Let medseal move patients' addresses to Bcc and drop needless Cc.
fix_recipients = false
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
    folder: str | os.PathLike[str], host: str = DEFAULT_HOST, port: int = DEFAULT_PORT
) -> InitResult:
    """Create ``folder`` (if needed) and every file the server needs that is not there yet."""
    path = Path(folder).resolve()
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    result = InitResult(path)
    config = CONFIG_TEMPLATE.format(host=host, port=port, max_mb=DEFAULT_MAX_REQUEST_MB)
    _write_new(path / "server.toml", config.encode("utf-8"), 0o644, result)
    _write_new(path / "token", (secrets.token_urlsafe(32) + "\n").encode("ascii"), 0o600, result)
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
