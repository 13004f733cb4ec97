"""``medseal relay --init DIR`` and ``--add-user``: a ready-to-fill ``relay.toml``, a development certificate
and a first user whose generated password is written once to ``DIR/<user>.password`` (mode 0600)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from medseal_cli.key_file import create_key
from medseal_outlook.devcert import make_dev_certificate
from medseal_relay.config import RelayConfigError
from medseal_relay.userauth import hash_password, new_handover_keys, new_password

_USER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")

TEMPLATE = """\
# medseal relay: an SMTP submission gateway in front of the practice's mail provider.
# Every message is checked by medseal: clean -> relayed unchanged, patient data -> relayed protected,
# cannot be protected -> refused at the end of DATA with the reason. See the README, "SMTP relay".

[relay]
listen = "127.0.0.1:8587"       # 0.0.0.0:587 for the practice's network (with a real certificate)
tls = "starttls"                # "starttls" (port 587), "implicit" (port 465), "none" (loopback only)
certificate = "cert.pem"        # self-signed development certificate: replace it for production
private_key = "key.pem"
hostname = "medseal-relay"
spool = "spool"                 # queued messages and sealed password handovers
audit = "audit.log"             # the same hash-chained audit log as the other fronts
practice_key = "practice.key"   # keys the pseudonyms: share it with `medseal key export`
directory = ""                  # the patient directory (CSV), e.g. "patients.csv"
policy = ""                     # the practice's policy (TOML)
language = "fr"                 # default language of refusals and reports (each user may set their own)
generated_passwords = "handover-page"   # or "refuse": require access codes / certificates instead
max_message_mb = 25
max_recipients = 50
connections_per_minute = 60     # per client address
auth_failures = 5               # failed logins per client address within auth_window_seconds, then locked
auth_window_seconds = 900
retry_first_seconds = 60        # upstream temporary failures: retry after 1 min, doubling, at most 1 h,
retry_max_seconds = 3600
give_up_hours = 120             # then bounce to the sender

[upstream]
host = ""                       # FILL IN: the practice's submission server, e.g. "smtp.provider.be"
port = 587
starttls = "required"           # plain text only to a loopback address ("never-loopback-only", tests)
credentials_file = ""           # e.g. "upstream.credentials": user name on line 1, password on line 2 (chmod 600)

[handover]
listen = "127.0.0.1:8588"       # HTTPS page where each user reads their generated passwords

[filter]
listen = ""                     # Postfix after-queue content filter, e.g. "127.0.0.1:10025"
reinject = ""                   # Postfix's reinjection smtpd, e.g. "127.0.0.1:10026"
"""


@dataclass
class InitResult:
    folder: Path
    config: Path
    written: list[Path] = field(default_factory=list)


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """Create ``path`` (never overwrite: nothing the user had is lost)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def user_block(name: str, password: str) -> str:
    keys = new_handover_keys(password)
    return (
        f"\n[users.{name}]\n"
        f'password = "{hash_password(password)}"\n'
        f'handover_public = "{keys.public}"\n'
        f'handover_private = "{keys.sealed_private}"\n'
        "language = \"\"                   # fr, nl, de or en (default: relay.language)\n"
        "addresses = []                  # sender addresses this login may use, e.g. [\"dr.x@practice.be\"]\n"
    )


def init_relay_dir(folder: str | os.PathLike[str]) -> InitResult:
    base = Path(folder).resolve()
    base.mkdir(parents=True, exist_ok=True)
    config = base / "relay.toml"
    targets = [config, base / "cert.pem", base / "key.pem", base / "practice.password"]
    existing = [p for p in targets if p.exists()]
    if existing:
        raise RelayConfigError(
            f"{existing[0]} already exists: medseal relay --init never overwrites; choose an empty folder"
        )
    result = InitResult(base, config)
    certificate, key = make_dev_certificate()
    _write_new(base / "cert.pem", certificate, 0o644)
    _write_new(base / "key.pem", key, 0o600)
    result.written += [base / "cert.pem", base / "key.pem"]
    password = new_password()
    # the password file first: if anything fails afterwards, the password is not lost
    _write_new(base / "practice.password", f"{password}\n".encode(), 0o600)
    result.written.append(base / "practice.password")
    _write_new(config, (TEMPLATE + user_block("practice", password)).encode("utf-8"), 0o600)
    result.written.append(config)
    if not (base / "practice.key").exists():
        create_key(base / "practice.key")
        result.written.append(base / "practice.key")
    return result


def add_user(config: Path, name: str) -> Path:
    """Append ``[users.NAME]`` with a generated password, written once to ``<config dir>/NAME.password``."""
    if not _USER_NAME.fullmatch(name):
        raise RelayConfigError(f"{name!r}: a user name is letters, digits, '.', '_' or '-' (64 at most)")
    text = config.read_text(encoding="utf-8")
    if re.search(rf"^\[users\.{re.escape(name)}\]", text, re.M):
        raise RelayConfigError(f"{config}: user {name} already exists")
    password_file = config.parent / f"{name}.password"
    if password_file.exists():
        raise RelayConfigError(f"{password_file} already exists: move it away first")
    password = new_password()
    _write_new(password_file, f"{password}\n".encode(), 0o600)
    tmp = config.with_name(f".{config.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text.rstrip("\n") + "\n" + user_block(name, password))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, config)
    return password_file
