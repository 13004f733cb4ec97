"""Real servers on loopback for the relay's end-to-end tests: an aiosmtpd upstream sink, the relay itself as
``medseal relay`` in a subprocess (so it can be killed with SIGKILL), and smtplib clients over STARTTLS."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import smtplib
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "examples"
MEDSEAL = [sys.executable, "-m", "medseal_cli.main"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Sink:
    """The "provider": aiosmtpd on loopback; keeps ``(sender, recipients, bytes)``; ``reply`` can be changed to
    make it fail temporarily (``451 ...``) or permanently (``550 ...``)."""

    def __init__(self, port: int | None = None) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.reply = "250 OK"
        self.refuse: dict[str, str] = {}  # recipient -> reply, for that recipient's messages only
        self.port = port or free_port()
        self._arrived = threading.Condition()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        if not self.reply.startswith("250"):
            return self.reply
        for rcpt in envelope.rcpt_tos:
            if rcpt in self.refuse:
                return self.refuse[rcpt]
        with self._arrived:
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content)))
            self._arrived.notify_all()
        return "250 OK"

    def start(self) -> Sink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def wait(self, count: int, timeout: float = 60) -> list[tuple[str, list[str], bytes]]:
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(self.messages)} of {count} messages reached the sink")
                self._arrived.wait(left)
            return list(self.messages)


def set_keys(text: str, table: str, **values: object) -> str:
    """``relay.toml`` with ``key = value`` lines of ``[table]`` replaced (values written as TOML)."""
    out, current = [], ""
    for line in text.splitlines():
        header = re.match(r"^\[([^\]]+)\]", line)
        if header:
            current = header.group(1)
        key = re.match(r"^(\w+)\s*=", line)
        if current == table and key and key.group(1) in values:
            value = values[key.group(1)]
            rendered = (
                ("true" if value else "false") if isinstance(value, bool)
                else str(value) if isinstance(value, int | float) else f'"{value}"'
            )
            line = f"{key.group(1)} = {rendered}"
        out.append(line)
    return "\n".join(out) + "\n"


@dataclass
class RelayDir:
    folder: Path
    password: str

    @property
    def config(self) -> Path:
        return self.folder / "relay.toml"

    @property
    def cert(self) -> Path:
        return self.folder / "cert.pem"

    def edit(self, table: str, **values: object) -> None:
        self.config.write_text(set_keys(self.config.read_text(encoding="utf-8"), table, **values), encoding="utf-8")


def init_relay(folder: Path, upstream_port: int, **relay_values: object) -> RelayDir:
    result = subprocess.run([*MEDSEAL, "relay", "--init", str(folder)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    relay = RelayDir(folder, (folder / "practice.password").read_text(encoding="utf-8").strip())
    values: dict[str, object] = {
        "directory": str(EXAMPLES / "patients.csv"),
        "policy": str(EXAMPLES / "policy.toml"),
        "retry_first_seconds": 0.5,
        "retry_max_seconds": 2,
        "connections_per_minute": 200,
    }
    values.update(relay_values)
    relay.edit("relay", **values)
    relay.edit("upstream", host="127.0.0.1", port=upstream_port, starttls="never-loopback-only")
    relay.edit("handover", listen=f"127.0.0.1:{free_port()}")
    return relay


class RelayProcess:
    """``medseal relay --config ... --listen 127.0.0.1:PORT`` in a subprocess with its log in a file."""

    def __init__(self, relay: RelayDir, port: int | None = None, *extra: str) -> None:
        self.relay = relay
        self.port = port or free_port()
        self.extra = extra
        self.log_path = relay.folder / f"relay-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> RelayProcess:
        env = {**os.environ, "MEDSEAL_DEBUG": "1", "XDG_CONFIG_HOME": str(self.relay.folder / "xdg")}
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [*MEDSEAL, "relay", "--config", str(self.relay.config), "--listen", f"127.0.0.1:{self.port}",
                 *self.extra],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "listening" in self.log():
                return self
            if self.process.poll() is not None:
                raise RuntimeError(f"the relay exited ({self.process.returncode}):\n{self.log()}")
            time.sleep(0.1)
        raise TimeoutError(f"the relay did not start:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def kill(self) -> None:
        """SIGKILL: no clean-up, as in a crash or power cut."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> int:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout=30)


def tls_context(cert: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(cert))


@contextlib.contextmanager
def client(
    relay: RelayDir, port: int, *, user: str | None = "practice", password: str | None = None,
    source: str = "127.0.0.1", starttls: bool = True,
) -> Iterator[smtplib.SMTP]:
    """An smtplib session to the relay: STARTTLS (verifying the dev certificate) then AUTH."""
    session = smtplib.SMTP("127.0.0.1", port, timeout=60, source_address=(source, 0))
    try:
        session.ehlo("client.test")
        if starttls:
            session.starttls(context=tls_context(relay.cert))
            session.ehlo("client.test")
        if user is not None:
            session.login(user, password if password is not None else relay.password)
        yield session
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            session.quit()


def example(name: str) -> bytes:
    return (EXAMPLES / "messages" / name).read_bytes()


def relay_command(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MEDSEAL, "relay", *args], capture_output=True, text=True, check=False, timeout=60)
