"""Helpers for the Outlook add-in tests: a real ``medseal serve`` (uvicorn, TLS, dev certificate) on a free
loopback port, an HTTPS client for it, and the add-in's npm test tools.

The server runs in a subprocess exactly as ``medseal serve --config`` runs it (``python -m medseal_outlook``);
its log is kept so tests can check that no message content ever reaches it.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[3]
ADDIN = REPO / "plugins" / "outlook-addin"
SERVER_SRC = ADDIN / "server"
ARTIFACTS = REPO / "test-artifacts" / "outlook"

if importlib.util.find_spec("medseal_outlook") is None:  # not installed yet: use the source tree
    sys.path.insert(0, str(SERVER_SRC))

from medseal_outlook.provision import init_server_dir  # noqa: E402

# Fictitious patient (valid check digits, invented person) used across the Outlook tests.
NISS = "85073003328"
PATIENT_EMAIL = "sophie.lambert@example.org"
#: A second fictitious patient, with an access code: no answer but protect's may ever carry a code.
OTHER_NISS, OTHER_EMAIL, ACCESS_CODE = "62031415470", "jan.peeters@example.org", "moss-lantern-quiver-ember"
DIRECTORY_CSV = (
    "last_name,first_name,niss,birth_date,email,access_code\n"
    f"Lambert,Sophie,{NISS},1985-07-30,{PATIENT_EMAIL},\n"
    f"Peeters,Jan,{OTHER_NISS},1962-03-14,{OTHER_EMAIL},{ACCESS_CODE}\n"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_env() -> dict[str, str]:
    """The environment for a server subprocess: finds medseal_outlook even before it is installed."""
    env = dict(os.environ)
    if importlib.util.find_spec("medseal_outlook") is not None:
        origin = Path(importlib.util.find_spec("medseal_outlook").origin or "").parents[1]  # type: ignore[union-attr]
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(origin), env.get("PYTHONPATH", "")]))
    return env


@dataclass
class Server:
    """A running ``medseal serve``."""

    url: str
    token: str
    folder: Path
    log: Path
    process: subprocess.Popen[bytes]

    @property
    def cert(self) -> Path:
        return self.folder / "cert.pem"

    def client(self, auth: bool = True, **kwargs: object) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token}"} if auth else {}
        tls = ssl.create_default_context(cafile=str(self.cert))
        options: dict[str, object] = {"timeout": 30, **kwargs}
        return httpx.Client(base_url=self.url, verify=tls, headers=headers, **options)  # type: ignore[arg-type]

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def make_server_dir(folder: Path, max_request_mb: int | None = None) -> Path:
    """``medseal serve --init`` plus a small fictitious patient directory."""
    init_server_dir(folder)
    (folder / "patients.csv").write_text(DIRECTORY_CSV, encoding="utf-8")
    config = folder / "server.toml"
    text = config.read_text(encoding="utf-8").replace('directory = ""', 'directory = "patients.csv"')
    if max_request_mb is not None:
        text = text.replace("max_request_mb = 36", f"max_request_mb = {max_request_mb}")
    config.write_text(text, encoding="utf-8")
    return config


def start_server(config: Path, workers: int = 1, log_name: str = "server.log") -> Server:
    """Start ``python -m medseal_outlook --config`` and wait until ``/healthz`` answers over TLS."""
    port = free_port()
    log = config.parent / log_name
    handle = log.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "medseal_outlook", "--config", str(config), "--port", str(port),
         "--workers", str(workers)],
        stdout=handle,
        stderr=subprocess.STDOUT,
        env=server_env(),
    )
    handle.close()
    url = f"https://localhost:{port}"
    server = Server(url, (config.parent / "token").read_text().strip(), config.parent, log, process)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"medseal serve exited early:\n{server.log_text()}")
        try:
            with server.client(auth=False) as client:
                if client.get("/healthz").status_code == 200:
                    return server
        except httpx.HTTPError:
            time.sleep(0.2)
    stop_server(server)
    raise RuntimeError(f"medseal serve did not start:\n{server.log_text()}")


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


def snapshot(**overrides: object) -> dict[str, object]:
    """A realistic compose snapshot (fictitious patient), with ``overrides``."""
    document: dict[str, object] = {
        "version": 1,
        "subject": "Vos résultats de laboratoire",
        "from": "dr.peeters@cabinet.example.be",
        "to": [PATIENT_EMAIL],
        "cc": [],
        "bcc": [],
        "body": {"text": "Bonjour,\n\nVoici vos résultats.\n\nDr Peeters", "html": None},
        "attachments": [],
        "language": "fr",
    }
    document.update(overrides)
    return document
