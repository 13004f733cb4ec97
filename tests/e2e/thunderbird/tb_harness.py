"""A real, headless Thunderbird for end-to-end tests: private app directory, fresh profile, SMTP sink, driver.

- **App directory**: Thunderbird reads enterprise policies from ``<app dir>/distribution/policies.json`` (and
  first from ``/etc/thunderbird/policies/policies.json`` on Debian). Rather than writing into the system's
  install, each run makes a private app directory: symbolic links to the installed files and a copy of the
  small launcher binary (Thunderbird finds its app directory from its own, resolved path), with its own
  ``distribution/policies.json``. Nothing outside the run's temporary folder is touched.
- **Profile**: ``user.js`` with one POP account (never polled) and one identity whose SMTP server is the sink
  on 127.0.0.1 (no authentication, no TLS), and the extensions sideloaded into ``extensions/<id>.xpi``.
- **Sink**: aiosmtpd on a free loopback port of its own.
- **Driver**: the test-only extension in ``driver/`` polls :class:`JobServer` for messages to compose and
  send.
"""

from __future__ import annotations

import base64
import contextlib
import email
import email.policy
import itertools
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
MEDSEAL_ID = "medseal@medseal.invalid"
DRIVER_ID = "driver@medseal-tests.invalid"
DRIVER_DIR = HERE / "driver"
XPI = Path(os.environ.get("MEDSEAL_XPI", REPO / "plugins" / "thunderbird" / "dist" / "medseal.xpi"))
ARTIFACTS = REPO / "test-artifacts" / "thunderbird"
SYSTEM_POLICIES = Path("/etc/thunderbird/policies/policies.json")
IDENTITY = "dr.test@practice.test"


def thunderbird_install() -> Path:
    """The installed Thunderbird's app directory (``MEDSEAL_THUNDERBIRD_DIR`` or Debian's)."""
    install = Path(os.environ.get("MEDSEAL_THUNDERBIRD_DIR", "/usr/lib/thunderbird"))
    if not (install / "omni.ja").exists():
        raise RuntimeError(f"no Thunderbird in {install}: install the Debian package thunderbird")
    return install


def private_app(install: Path, dest: Path, policies: Mapping[str, Any]) -> Path:
    """An app directory of links to ``install`` with its own ``distribution/policies.json``; the binary."""
    if SYSTEM_POLICIES.exists():
        raise RuntimeError(f"{SYSTEM_POLICIES} exists and would override the tests' policies; move it aside")
    dest.mkdir(parents=True)
    binary_name = "thunderbird-bin" if (install / "thunderbird-bin").exists() else "thunderbird"
    for entry in install.iterdir():
        if entry.name in (binary_name, "distribution", "thunderbird"):
            continue
        (dest / entry.name).symlink_to(entry)
    shutil.copy2(install / binary_name, dest / binary_name)
    (dest / "distribution").mkdir()
    (dest / "distribution" / "policies.json").write_text(json.dumps({"policies": policies}), encoding="utf-8")
    return dest / binary_name


PREFS: dict[str, object] = {
    # sideloaded, unsigned extensions, enabled without asking
    "xpinstall.signatures.required": False,
    "extensions.autoDisableScopes": 0,
    "extensions.enabledScopes": 15,
    "extensions.update.enabled": False,
    # no first-run, no update checks, no telemetry, no remote content
    "mail.shell.checkDefaultClient": False,
    "mail.provider.suppress_dialog_on_startup": True,
    "mail.rights.version": 1,
    "mailnews.start_page.enabled": False,
    "mail.startup.enabledMailCheckOnce": True,
    "app.update.enabled": False,
    "app.update.auto": False,
    "app.update.checkInstallTime": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "datareporting.healthreport.uploadEnabled": False,
    "toolkit.telemetry.enabled": False,
    "toolkit.telemetry.unified": False,
    "mailnews.message_display.disable_remote_image": True,
    # no traffic beyond loopback: background services off, and any HTTP(S) that remains goes to a closed
    # loopback port through a proxy (loopback itself is never proxied)
    "network.proxy.type": 1,
    "network.proxy.http": "127.0.0.1",
    "network.proxy.http_port": 9,
    "network.proxy.ssl": "127.0.0.1",
    "network.proxy.ssl_port": 9,
    "network.proxy.share_proxy_settings": True,
    "network.proxy.allow_hijacking_localhost": False,
    "network.trr.mode": 5,
    "network.dns.disablePrefetch": True,
    "network.prefetch-next": False,
    "network.http.speculative-parallel-limit": 0,
    "network.connectivity-service.enabled": False,
    "network.captive-portal-service.enabled": False,
    "services.settings.server": "data:,#remote-settings-off",
    "browser.region.network.url": "",
    "browser.region.update.enabled": False,
    "mail.inappnotifications.enabled": False,
    "dom.push.enabled": False,
    "dom.push.connection.enabled": False,
    "geo.enabled": False,
    "security.OCSP.enabled": 0,
    "extensions.getAddons.cache.enabled": False,
    "extensions.systemAddon.update.enabled": False,
    "media.gmp-manager.url": "",
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "browser.safebrowsing.downloads.enabled": False,
    "toolkit.telemetry.server": "data:,",
    "mail.compose.attachment_reminder": False,
    "mail.SpellCheckBeforeSend": False,
    "mail.warn_on_send_accel_key": False,
    "offline.autoDetect": False,
    # Debian's /etc/thunderbird/pref/thunderbird.js turns the JavaScript baseline JIT off (an old crash
    # workaround), which makes all JavaScript, Pyodide's loader and the noble crypto included, 10-40x slower.
    # Thunderbird as Mozilla ships it (Windows, macOS) has it on: so do the tests, unless MEDSEAL_TB_JIT=0.
    "javascript.options.baselinejit": os.environ.get("MEDSEAL_TB_JIT", "1") != "0",
    # the extensions' console output on stdout (medseal logs its timings, never message content)
    "devtools.console.stdout.content": True,
    "devtools.console.stdout.chrome": True,
    # one account and identity; SMTP on loopback
    "mail.accountmanager.accounts": "account1,account2",
    "mail.accountmanager.defaultaccount": "account1",
    "mail.accountmanager.localfoldersserver": "server2",
    "mail.account.account1.server": "server1",
    "mail.account.account1.identities": "id1",
    "mail.server.server1.type": "pop3",
    "mail.server.server1.hostname": "127.0.0.1",
    "mail.server.server1.port": 9,
    "mail.server.server1.userName": "dr.test",
    "mail.server.server1.name": "Practice",
    "mail.server.server1.login_at_startup": False,
    "mail.server.server1.check_new_mail": False,
    "mail.server.server1.download_on_biff": False,
    "mail.account.account2.server": "server2",
    "mail.server.server2.type": "none",
    "mail.server.server2.hostname": "Local Folders",
    "mail.server.server2.userName": "nobody",
    "mail.server.server2.name": "Local Folders",
    "mail.identity.id1.useremail": IDENTITY,
    "mail.identity.id1.fullName": "Dr Test",
    "mail.identity.id1.smtpServer": "smtp1",
    "mail.identity.id1.fcc": False,
    "mail.identity.id1.compose_html": False,
    "mail.identity.id1.valid": True,
    "mail.smtpservers": "smtp1",
    "mail.smtp.defaultserver": "smtp1",
    "mail.smtpserver.smtp1.type": "smtp",
    "mail.smtpserver.smtp1.hostname": "127.0.0.1",
    "mail.smtpserver.smtp1.authMethod": 1,
    "mail.smtpserver.smtp1.try_ssl": 0,
    "mail.smtpserver.smtp1.username": "",
}


def write_profile(profile: Path, smtp_port: int, extensions: Mapping[str, Path]) -> None:
    """A fresh profile: ``user.js`` and the sideloaded extensions."""
    (profile / "extensions").mkdir(parents=True)
    prefs = {**PREFS, "mail.smtpserver.smtp1.port": smtp_port}
    lines = [f"user_pref({json.dumps(name)}, {json.dumps(value)});" for name, value in prefs.items()]
    (profile / "user.js").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for extension_id, xpi in extensions.items():
        shutil.copy2(xpi, profile / "extensions" / f"{extension_id}.xpi")


def zip_dir(source: Path, target: Path) -> Path:
    """An xpi of a directory."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            archive.write(path, path.relative_to(source).as_posix())
    return target


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SmtpSink:
    """aiosmtpd on its own loopback port; keeps every message it receives (after refusing the first
    ``refuse`` with a permanent 554, as a relay that rejects a message would)."""

    def __init__(self, refuse: int = 0) -> None:
        self.refuse = refuse
        self.refused: list[bytes] = []
        self.messages: list[tuple[list[str], bytes]] = []
        self._arrived = threading.Condition()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        if len(self.refused) < self.refuse:
            self.refused.append(bytes(envelope.content))
            return "554 5.7.1 Message refused by the test relay"
        with self._arrived:
            self.messages.append((list(envelope.rcpt_tos), bytes(envelope.content)))
            self._arrived.notify_all()
        return "250 OK"

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    def wait(self, count: int, timeout: float) -> list[EmailMessage]:
        """The first ``count`` messages, parsed; raises TimeoutError if fewer arrive in time."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(self.messages)} of {count} messages arrived")
                self._arrived.wait(left)
            return [parse(raw) for _, raw in self.messages[:count]]


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


@dataclass
class JobServer:
    """The loopback HTTP server the driver extension polls: jobs out, results and handovers in."""

    jobs: queue.Queue[dict[str, Any]] = field(default_factory=queue.Queue)
    results: dict[int, dict[str, Any]] = field(default_factory=dict)
    handovers: list[dict[str, Any]] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)
    hello: threading.Event = field(default_factory=threading.Event)
    changed: threading.Condition = field(default_factory=threading.Condition)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                try:
                    job = server.jobs.get_nowait()
                except queue.Empty:
                    self.send_response(204)
                    self.end_headers()
                    return
                body = json.dumps(job).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                data = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
                with server.changed:
                    if self.path == "/result":
                        server.results[int(data["id"])] = data
                    elif self.path == "/handover":
                        server.handovers.append(data)
                    elif self.path == "/hello":
                        server.hello.set()
                    elif self.path == "/log":
                        server.logs.append(str(data.get("message")))
                    server.changed.notify_all()
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def submit(self, job: dict[str, Any], timeout: float = 120) -> dict[str, Any]:
        """Hand a job to the driver and wait for its result."""
        job_id = next(self._ids)
        self.jobs.put({**job, "id": job_id})
        deadline = time.monotonic() + timeout
        with self.changed:
            while job_id not in self.results:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"the driver did not finish job {job_id}")
                self.changed.wait(left)
            return self.results[job_id]

    def handover_for(self, message_id: str, timeout: float = 30) -> dict[str, Any]:
        """The password handover medseal pushed for the sent message with this Message-ID."""
        wanted = message_id.strip().strip("<>")
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                for handover in self.handovers:
                    if handover.get("headerMessageId") == wanted:
                        return handover
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("no password handover arrived for the message")
                self.changed.wait(left)


def attachment(name: str, content_type: str, data: bytes) -> dict[str, str]:
    return {"name": name, "contentType": content_type, "dataBase64": base64.b64encode(data).decode()}


def compose_job(
    to: list[str], subject: str, body: str, attachments: list[dict[str, str]] | None = None, **more: Any
) -> dict[str, Any]:
    """A plain-text message for the driver to compose and send."""
    details = {"to": to, "subject": subject, "plainTextBody": body, "isPlainText": True}
    return {"kind": "send", "details": details, "attachments": attachments or [], **more}


READY = re.compile(r"medseal: core ready in ms: ((?:\w+=\d+ ?)+)")
WARM = re.compile(r"medseal: core warmed up in ms: (\d+)")
TIMING = re.compile(r"medseal: (analyse|protect) (\d+) ms \(core (\d+) ms\): (\w+)")


class Thunderbird:
    """One headless Thunderbird process with its own app directory and profile."""

    def __init__(
        self, workdir: Path, smtp_port: int, extensions: Mapping[str, Path], policies: Mapping[str, Any]
    ) -> None:
        self.workdir = workdir
        self.binary = private_app(thunderbird_install(), workdir / "app", policies)
        self.profile = workdir / "profile"
        write_profile(self.profile, smtp_port, extensions)
        self.log_path = workdir / "thunderbird.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0

    def start(self) -> None:
        home = self.workdir / "home"
        home.mkdir()
        env = {**os.environ, "HOME": str(home), "MOZ_HEADLESS": "1", "TMPDIR": str(self.workdir)}
        env.pop("DISPLAY", None)
        with self.log_path.open("wb") as log:
            self.started_at = time.monotonic()
            self.process = subprocess.Popen(
                [str(self.binary), "--headless", "--no-remote", "-profile", str(self.profile)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_log(self, pattern: re.Pattern[str], timeout: float) -> tuple[re.Match[str], float]:
        """The first match of ``pattern`` in the log and the seconds since start when it was seen."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = pattern.search(self.log())
            if match:
                return match, time.monotonic() - self.started_at
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"Thunderbird exited ({self.process.returncode}):\n{self.log()[-3000:]}")
            time.sleep(0.05)
        raise TimeoutError(f"{pattern.pattern!r} not in the Thunderbird log:\n{self.log()[-3000:]}")

    def stop(self) -> None:
        """Kill Thunderbird by its process id (it may not exit by itself), then its own process group."""
        if self.process is None:
            return
        pid = self.process.pid
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)  # the content processes it started, in the group made for it
        self.process = None


@dataclass
class Session:
    """A running Thunderbird with its sink and job server."""

    tb: Thunderbird
    sink: SmtpSink
    jobs: JobServer
    ready_after: float = 0.0  # seconds from Thunderbird's start to medseal's core being ready
    ready_times: dict[str, Any] = field(default_factory=dict)  # the core's own start-up times (ms)


#: The module fixture ``thunderbird``: start one with medseal's policy (and optionally another xpi).
StartThunderbird = Callable[..., Session]
