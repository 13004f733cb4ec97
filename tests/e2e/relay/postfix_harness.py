"""Debian's Postfix in a private, temporary instance: its own ``main.cf``/``master.cf``, queue and data
directories, listening on loopback ports only, started with ``postfix -c DIR start`` (as root, which Postfix
needs) and stopped with ``postfix -c DIR stop``. The stock instance in ``/etc/postfix`` is neither used nor
needed."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {root}/queue
data_directory = {root}/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
shlib_directory = /usr/lib/postfix
meta_directory = {root}/etc
mail_owner = postfix
setgid_group = postdrop
myhostname = postfix.medseal.test
mydomain = medseal.test
myorigin = cabinet-demo.be
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
relayhost = [127.0.0.1]:{sink_port}
smtp_tls_security_level = none
smtputf8_enable = no
maillog_file_prefixes = {root}
maillog_file = {root}/maillog
# every message goes through medseal before it leaves (after-queue content filter)
content_filter = medseal:[127.0.0.1]:{filter_port}
"""

MASTER_CF = """\
127.0.0.1:{smtp_port} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
# medseal: the content filter (Postfix's smtp client to the relay's filter port) ...
medseal   unix  -       -       n       -       4       smtp
  -o smtp_send_xforward_command=yes
  -o disable_mime_output_conversion=yes
  -o smtp_generic_maps=
# ... and the reinjection smtpd the relay hands filtered messages back to (no second filtering)
127.0.0.1:{reinject_port} inet n  -       n       -       10      smtpd
  -o content_filter=
  -o receive_override_options=no_unknown_recipient_checks,no_header_body_checks,no_milters
  -o smtpd_helo_restrictions=
  -o smtpd_client_restrictions=
  -o smtpd_sender_restrictions=
  -o smtpd_relay_restrictions=permit_mynetworks,reject
  -o smtpd_recipient_restrictions=permit_mynetworks,reject
  -o mynetworks=127.0.0.0/8
  -o smtpd_authorized_xforward_hosts=127.0.0.0/8
"""


class Postfix:
    def __init__(self, smtp_port: int, reinject_port: int, filter_port: int, sink_port: int) -> None:
        # Postfix's daemons run as the postfix user: the instance lives in a folder they can traverse
        # (pytest's tmp_path is private to root)
        root = Path(tempfile.mkdtemp(prefix="medseal-postfix-"))
        root.chmod(0o755)
        self.root = root
        self.etc = root / "etc"
        self.smtp_port = smtp_port
        values = {"root": root, "smtp_port": smtp_port, "reinject_port": reinject_port,
                  "filter_port": filter_port, "sink_port": sink_port}
        self.etc.mkdir(parents=True)
        (root / "data").mkdir()
        (root / "queue").mkdir(mode=0o755)
        (self.etc / "main.cf").write_text(MAIN_CF.format(**values), encoding="utf-8")
        (self.etc / "master.cf").write_text(MASTER_CF.format(**values), encoding="utf-8")
        for name in ("postfix-files", "dynamicmaps.cf"):  # the package's file lists, read by set-permissions
            shutil.copy2(Path("/etc/postfix") / name, self.etc / name)
        for folder in ("postfix-files.d", "dynamicmaps.cf.d"):
            if (Path("/etc/postfix") / folder).is_dir():
                shutil.copytree(Path("/etc/postfix") / folder, self.etc / folder)
        os.chown(root / "data", *_ids("postfix"))

    def _postfix(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["postfix", "-c", str(self.etc), *args], capture_output=True, text=True,
                              check=False, timeout=120)

    def start(self) -> Postfix:
        self._postfix("check")  # creates the queue's subdirectories with their owners
        result = self._postfix("start")
        if result.returncode != 0:
            raise RuntimeError(f"postfix start failed: {result.stderr}{result.stdout}\n{self.log()}")
        deadline = time.monotonic() + 30
        import socket

        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.smtp_port), timeout=2).close()
                return self
            except OSError:
                time.sleep(0.2)
        raise TimeoutError(f"postfix does not listen on {self.smtp_port}:\n{self.log()}")

    def stop(self) -> None:
        self._postfix("stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        path = self.root / "maillog"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def queue(self) -> str:
        return subprocess.run(["postqueue", "-c", str(self.etc), "-p"], capture_output=True, text=True,
                              check=False, timeout=60).stdout

    def flush(self) -> None:
        subprocess.run(["postqueue", "-c", str(self.etc), "-f"], capture_output=True, check=False, timeout=60)


def _ids(user: str) -> tuple[int, int]:
    import pwd

    entry = pwd.getpwnam(user)
    return entry.pw_uid, entry.pw_gid
