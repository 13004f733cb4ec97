"""Debian's Dovecot, started for the tests on loopback with its own configuration in a temporary directory.

One user (``dr@cabinet.test``, password in a ``passwd-file``), mail in a Maildir under the temporary directory,
an ``imaps`` listener and a plain ``imap`` listener (for STARTTLS) on random free ports of 127.0.0.1, a TLS
certificate for ``localhost`` only (so ``127.0.0.1`` is a certificate mismatch). ``dovecot -F`` runs in the
foreground and is stopped at the end.
"""

from __future__ import annotations

import imaplib
import shutil
import socket
import ssl
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from certs import Pki, make_pki

USER = "dr@cabinet.test"
PASSWORD = "correct horse 7 battery"  # the test account's password (never a real one)
UTF8_USER = "kine@cabinet.test"
UTF8_PASSWORD = "clé secrète für Kiné"  # a second account whose password is not ASCII (LOGIN cannot carry it)
DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Dovecot:
    root: Path
    pki: Pki
    imaps_port: int
    imap_port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def config(self) -> Path:
        return self.root / "dovecot.conf"

    def client(self) -> imaplib.IMAP4_SSL:
        """A logged-in client of the test's own (to APPEND messages and look at flags)."""
        context = ssl.create_default_context(cafile=str(self.pki.ca_cert))
        client = imaplib.IMAP4_SSL("localhost", self.imaps_port, ssl_context=context, timeout=30)
        client.login(USER, PASSWORD)
        return client

    def start(self) -> None:
        self.process = subprocess.Popen(
            [DOVECOT, "-c", str(self.config), "-F"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = self.root / "dovecot.log"
                text = log.read_text(errors="replace") if log.exists() else ""
                errors = self.process.stderr.read() if self.process.stderr else b""
                raise RuntimeError(f"dovecot exited: {errors!r} {text}")
            try:
                with socket.create_connection(("127.0.0.1", self.imaps_port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("dovecot did not start listening within 20 s")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)
        self.process = None

    def doveadm(self, *args: str) -> str:
        result = subprocess.run(
            ["doveadm", "-c", str(self.config), *args], capture_output=True, timeout=60, check=True
        )
        return result.stdout.decode("utf-8", "replace")


def configure(root: Path) -> Dovecot:
    """Write the PKI, the passwd-file and ``dovecot.conf`` under ``root``."""
    pki = make_pki(root / "pki", names=("localhost",), ips=())
    for sub in ("run", "state", "home"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    shutil.chown(root / "home", "dovecot", "dovecot")
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n{UTF8_USER}:{{PLAIN}}{UTF8_PASSWORD}\n", "utf-8")
    server = Dovecot(root, pki, free_port(), free_port())
    server.config.write_text(
        f"""
instance_name = medseal-test-{server.imaps_port}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{pki.server_cert}
ssl_key = <{pki.server_key}
ssl_min_protocol = TLSv1.2
auth_mechanisms = plain
auth_failure_delay = 0
disable_plaintext_auth = yes
first_valid_uid = 1
mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Sent {{
    special_use = \\Sent
    auto = create
  }}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {server.imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {server.imaps_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
service auth {{
  user = root
}}
service auth-worker {{
  user = root
}}
"""
    )
    return server
