"""``medseal scan imaps://…`` against Debian's Dovecot on loopback: the report, read-only, resume, bad input."""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from dovecot import PASSWORD, USER, UTF8_PASSWORD, UTF8_USER, Dovecot
from mail_set import Sent

ROOT = Path(__file__).resolve().parents[3]
DIRECTORY = ROOT / "examples" / "patients.csv"
POLICY = ROOT / "examples" / "policy.toml"
# What must never appear in any output: the patients' numbers (both forms), names, and the IMAP password.
SECRETS = re.compile(
    r"85073003328|85\.07\.30-033\.28|62031415470|62\.03\.14-154\.70|91110208795|91\.11\.02-087\.95|02052141234|"
    r"02\.05\.21-412\.34|Dupont|Peeters|Lambert|Müller|" + re.escape(PASSWORD),
    re.IGNORECASE,
)

pytestmark = pytest.mark.e2e


def url(port: int, host: str = "localhost", scheme: str = "imaps", folder: str = "Sent") -> str:
    return f"{scheme}://{quote(USER, safe='')}@{host}:{port}/{folder}"


@pytest.fixture(scope="session")
def password_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("secret") / "imap-password"
    path.write_text(PASSWORD + "\n")
    path.chmod(0o600)
    return path


def medseal(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "MEDSEAL_IMAP_PASSWORD"}
    result = subprocess.run(
        [sys.executable, "-m", "medseal_cli.main", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**environ, **(env or {})},
        check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr
    for output in (result.stdout, result.stderr):
        assert not SECRETS.search(output), SECRETS.search(output)
    return result


def scan(
    dovecot: Dovecot, password_file: Path, *extra: str, target: str | None = None
) -> subprocess.CompletedProcess[str]:
    return medseal(
        "scan", "--json", "--directory", str(DIRECTORY), "--config", str(POLICY),
        "--password-file", str(password_file), "--ca-file", str(dovecot.pki.ca_cert),
        *extra, target or url(dovecot.imaps_port),
    )


def flags(dovecot: Dovecot) -> dict[int, set[str]]:
    client = dovecot.client()
    try:
        client.select("Sent", readonly=True)
        _status, data = client.uid("FETCH", "1:*", "(UID FLAGS)")
    finally:
        client.logout()
    found = {}
    for line in data:
        assert isinstance(line, bytes)
        match = re.search(rb"UID (\d+) FLAGS \(([^)]*)\)|FLAGS \(([^)]*)\) UID (\d+)", line)
        assert match, line
        uid = int(match.group(1) or match.group(4))
        found[uid] = set((match.group(2) or match.group(3) or b"").decode().split())
    return found


def files_report(tmp_path: Path, sent: list[Sent]) -> list[dict[str, Any]]:
    """The same messages scanned as .eml files: the IMAP report must carry the same findings."""
    names = []
    for index, message in enumerate(sent):
        path = tmp_path / f"{index:03d}.eml"
        path.write_bytes(message.raw)
        names.append(str(path))
    result = medseal("scan", "--json", "--directory", str(DIRECTORY), "--config", str(POLICY), *names)
    messages: list[dict[str, Any]] = json.loads(result.stdout)["messages"]
    return messages


def test_report_summary_and_read_only(
    dovecot: Dovecot, sent: list[Sent], password_file: Path, tmp_path: Path
) -> None:
    before = flags(dovecot)
    summary_path, report_path = tmp_path / "summary.json", tmp_path / "report.html"
    result = scan(dovecot, password_file, "--summary", str(summary_path), "--report", str(report_path))
    assert result.returncode == 1, result.stderr
    messages = json.loads(result.stdout)["messages"]
    base = url(dovecot.imaps_port)
    assert [m["source"] for m in messages] == [f"{base};UID={uid}" for uid in range(1, len(sent) + 1)]
    assert base.startswith(f"imaps://dr%40cabinet.test@localhost:{dovecot.imaps_port}/Sent")
    expected = files_report(tmp_path, sent)
    assert [(m["verdict"], m["findings"]) for m in messages] == [(m["verdict"], m["findings"]) for m in expected]
    assert any(m["findings"] for m in messages) and any(not m["findings"] for m in messages)

    # read-only: every flag as it was (no \Seen set by the fetch)
    assert flags(dovecot) == before
    assert any("\\Seen" not in f for f in before.values())

    summary = json.loads(summary_path.read_text())
    assert summary["scanned"] == len(sent) and summary["unreadable"] == 0
    listed = [m for month in summary["months"] for m in month["messages"]]
    flagged = {(m["source"], m["message_id"], tuple(m["kinds"])) for m in listed}
    assert flagged == {
        (f"{base};UID={uid}", s.message_id, s.kinds) for uid, s in enumerate(sent, start=1) if s.kinds
    }
    months = {m["month"]: m for m in summary["months"]}
    assert sorted(months) == ["2026-01", "2026-02", "2026-03", "2026-04"]  # the undated one by its arrival date
    for name, month in months.items():
        in_month = [s for s in sent if f"{s.when:%Y-%m}" == name]
        assert month["scanned"] == len(in_month)
        assert month["flagged"] == sum(bool(s.kinds) for s in in_month)
        for kind in ("niss", "patient_name", "birth_date", "recipient"):
            assert month["by_kind"][kind] == sum(kind in s.kinds for s in in_month)
    assert summary["by_kind"] == {
        kind: sum(kind in s.kinds for s in sent) for kind in ("niss", "patient_name", "birth_date", "recipient")
    }

    page = report_path.read_text()
    assert "<svg" in page and "<script" not in page.lower()
    assert page.count('<rect class="bar"') == 2 * len(months)
    assert "sent-004@cabinet-demo.be" in page and "withheld" in page
    for text in (summary_path.read_text(), page):
        assert not SECRETS.search(text), SECRETS.search(text)


def test_jobs_two_gives_the_same_json(dovecot: Dovecot, password_file: Path, tmp_path: Path) -> None:
    one = scan(dovecot, password_file, "--jobs", "1", "--summary", str(tmp_path / "one.json"))
    two = scan(dovecot, password_file, "--jobs", "2", "--summary", str(tmp_path / "two.json"))
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout
    assert (tmp_path / "one.json").read_text() == (tmp_path / "two.json").read_text()


def test_starttls_gives_the_same_findings(dovecot: Dovecot, password_file: Path) -> None:
    tls = json.loads(scan(dovecot, password_file).stdout)["messages"]
    starttls = scan(dovecot, password_file, target=url(dovecot.imap_port, scheme="imap"))
    assert starttls.returncode == 1, starttls.stderr
    messages = json.loads(starttls.stdout)["messages"]
    assert [m["findings"] for m in messages] == [m["findings"] for m in tls]
    assert messages[0]["source"] == f"imap://dr%40cabinet.test@localhost:{dovecot.imap_port}/Sent;UID=1"


def test_since_asks_the_server_for_recent_messages(dovecot: Dovecot, sent: list[Sent], password_file: Path) -> None:
    result = scan(dovecot, password_file, "--since", "2026-03-01")
    uids = [int(m["source"].rsplit("=", 1)[1]) for m in json.loads(result.stdout)["messages"]]
    assert uids == [uid for uid, s in enumerate(sent, start=1) if s.when.date().isoformat() >= "2026-03-01"]
    assert 0 < len(uids) < len(sent)


def test_password_from_the_environment(dovecot: Dovecot, sent: list[Sent]) -> None:
    result = medseal(
        "scan", "--json", "--ca-file", str(dovecot.pki.ca_cert), "--since", "2026-04-01",
        url(dovecot.imaps_port), env={"MEDSEAL_IMAP_PASSWORD": PASSWORD},
    )
    assert result.returncode in (0, 1), result.stderr
    assert len(json.loads(result.stdout)["messages"]) == sum(s.when.month == 4 for s in sent)


def test_non_ascii_password(dovecot: Dovecot) -> None:
    target = f"imaps://{quote(UTF8_USER, safe='')}@localhost:{dovecot.imaps_port}/Sent"
    result = medseal("scan", "--json", "--ca-file", str(dovecot.pki.ca_cert), target,
                     env={"MEDSEAL_IMAP_PASSWORD": UTF8_PASSWORD})
    assert result.returncode == 0, result.stderr  # an empty Sent folder
    assert json.loads(result.stdout) == {"messages": []}
    assert UTF8_PASSWORD not in result.stderr


def test_resume_with_state_in_several_runs(
    dovecot: Dovecot, sent: list[Sent], password_file: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    sources: list[str] = []
    for _ in range(3):
        run = scan(dovecot, password_file, "--state", str(state), "--max-messages", "15",
                   "--summary", str(tmp_path / "summary.json"), "--force")
        assert run.returncode in (0, 1), run.stderr
        sources += [m["source"] for m in json.loads(run.stdout)["messages"]]
        assert state.stat().st_mode & 0o077 == 0
    assert sources == [f"{url(dovecot.imaps_port)};UID={uid}" for uid in range(1, len(sent) + 1)]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["scanned"] == len(sent)  # the summary covers every run
    assert summary["flagged"] == sum(bool(s.kinds) for s in sent)
    saved = json.loads(state.read_text())
    assert saved["last_uid"] == len(sent) and saved["uidvalidity"] > 0
    assert not SECRETS.search(state.read_text())

    again = scan(dovecot, password_file, "--state", str(state))
    assert again.returncode == 0 and json.loads(again.stdout)["messages"] == []

    # the folder was recreated (UIDVALIDITY changed): the saved position means nothing, start over
    saved["uidvalidity"] += 1
    state.write_text(json.dumps(saved))
    restart = scan(dovecot, password_file, "--state", str(state), "--max-messages", "5")
    assert "UIDVALIDITY" in restart.stderr
    assert next(m["source"] for m in json.loads(restart.stdout)["messages"]).endswith(";UID=1")
    assert json.loads(state.read_text())["summary"]["scanned"] == 5


class CuttingProxy:
    """A TCP forwarder to Dovecot that cuts the first connection after ``cut_after`` bytes from the server
    (a connection dropped in the middle of a FETCH); later connections pass through."""

    def __init__(self, target: int, cut_after: int, then: int | None = None) -> None:
        self.target = target
        self.cut_after = cut_after
        self.then = then  # None: later connections pass through; 0: they are cut at once
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.cut = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            server = socket.create_connection(("127.0.0.1", self.target))
            limit = self.cut_after if self.connections == 1 else self.then
            threading.Thread(target=self._pump, args=(client, server, None), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, limit), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, limit: int | None) -> None:
        sent = 0
        try:
            while limit != 0 and (chunk := source.recv(65536)):
                sink.sendall(chunk)
                sent += len(chunk)
                if limit is not None and sent >= limit:
                    self.cut.set()
                    break
        except OSError:
            pass
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def proxy(dovecot: Dovecot) -> Iterator[CuttingProxy]:
    cutting = CuttingProxy(dovecot.imaps_port, cut_after=2 * 2**20)
    yield cutting
    cutting.close()


def test_connection_drop_mid_fetch_reconnects_and_resumes(
    dovecot: Dovecot, sent: list[Sent], password_file: Path, proxy: CuttingProxy
) -> None:
    result = scan(dovecot, password_file, target=url(proxy.port))
    assert result.returncode == 1, result.stderr
    assert proxy.cut.is_set() and proxy.connections == 2
    assert "reconnecting (1/3)" in result.stderr and "resumed after 1 reconnection" in result.stderr
    uids = [int(m["source"].rsplit("=", 1)[1]) for m in json.loads(result.stdout)["messages"]]
    assert uids == list(range(1, len(sent) + 1))  # every message once, in order


def test_server_gone_for_good_keeps_what_was_reported(
    dovecot: Dovecot, sent: list[Sent], password_file: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    gone = CuttingProxy(dovecot.imaps_port, cut_after=5 * 2**20, then=0)  # in the 9 MB message's fetch
    try:
        broken = scan(dovecot, password_file, "--state", str(state), target=url(gone.port))
    finally:
        gone.close()
    assert broken.returncode == 2
    assert "dropped 4 times in a row" in broken.stderr and "run again to go on" in broken.stderr
    reported = json.loads(broken.stdout)["messages"]
    first = [m["source"].replace(f":{gone.port}/", f":{dovecot.imaps_port}/") for m in reported]
    assert 0 < len(first) < len(sent)
    saved = json.loads(state.read_text())
    assert saved["last_uid"] == len(first)  # the state matches what was reported
    # the state belongs to the address used; the same folder through the real port is another address
    saved["folder"] = saved["folder"].replace(f":{gone.port}/", f":{dovecot.imaps_port}/")
    state.write_text(json.dumps(saved))
    rest = scan(dovecot, password_file, "--state", str(state))
    assert rest.returncode == 1, rest.stderr
    second = [m["source"] for m in json.loads(rest.stdout)["messages"]]
    assert first + second == [f"{url(dovecot.imaps_port)};UID={uid}" for uid in range(1, len(sent) + 1)]


# -- bad input: a clear message and exit 2, never a traceback ---------------------------------------------------


def test_wrong_password(dovecot: Dovecot, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong"
    wrong.write_text("not the password\n")
    wrong.chmod(0o600)
    state = tmp_path / "state.json"
    result = medseal("scan", "--password-file", str(wrong), "--ca-file", str(dovecot.pki.ca_cert),
                     "--state", str(state), url(dovecot.imaps_port))
    assert result.returncode == 2
    assert not state.exists()  # nothing to remember yet
    assert "refused the login of dr@cabinet.test" in result.stderr and "AUTHENTICATIONFAILED" in result.stderr


def test_missing_folder_lists_the_folders(dovecot: Dovecot, password_file: Path) -> None:
    result = scan(dovecot, password_file, target=url(dovecot.imaps_port, folder="Envoy%C3%A9s"))
    assert result.returncode == 2
    assert "folder 'Envoyés' not found" in result.stderr and "folders there: INBOX, Sent" in result.stderr


def test_unknown_host(password_file: Path) -> None:
    result = medseal("scan", "--password-file", str(password_file), url(993, host="nonexistent.invalid"))
    assert result.returncode == 2
    assert "cannot find the IMAP server nonexistent.invalid (unknown host name)" in result.stderr


def test_certificate_for_another_name(dovecot: Dovecot, password_file: Path) -> None:
    # the server's certificate names "localhost" only: reached as 127.0.0.1 it does not match
    result = scan(dovecot, password_file, target=url(dovecot.imaps_port, host="127.0.0.1"))
    assert result.returncode == 2
    assert "certificate of 127.0.0.1" in result.stderr and "is for another name" in result.stderr
    assert "mismatch" in result.stderr.lower()


def test_untrusted_certificate_without_ca_file(dovecot: Dovecot, password_file: Path) -> None:
    result = medseal("scan", "--password-file", str(password_file), url(dovecot.imaps_port))
    assert result.returncode == 2
    assert "not trusted" in result.stderr and "--ca-file" in result.stderr


@pytest.mark.parametrize(("host", "in_url"), [("192.0.2.10", "192.0.2.10"), ("2001:db8::1", "[2001:db8::1]")])
def test_plain_text_refused_to_a_non_loopback_address(host: str, in_url: str, password_file: Path) -> None:
    # refused before any connection: documentation networks (RFC 5737, RFC 3849) that nobody answers on
    result = medseal("scan", "--plain-loopback", "--password-file", str(password_file),
                     url(143, host=in_url, scheme="imap"))
    assert result.returncode == 2
    assert f"{host} is not a loopback address" in result.stderr and "plain text" in result.stderr


def test_password_file_readable_by_others_is_refused(dovecot: Dovecot, tmp_path: Path) -> None:
    loose = tmp_path / "loose"
    loose.write_text(PASSWORD + "\n")
    loose.chmod(0o644)
    result = medseal("scan", "--password-file", str(loose), url(dovecot.imaps_port))
    assert result.returncode == 2 and "chmod 600" in result.stderr


def test_password_never_in_the_url(dovecot: Dovecot) -> None:
    result = medseal("scan", f"imaps://user:{PASSWORD}@localhost:{dovecot.imaps_port}/Sent")
    assert result.returncode == 2 and "must not carry the password" in result.stderr


def test_no_password_says_how_to_give_one(dovecot: Dovecot) -> None:
    result = medseal("scan", url(dovecot.imaps_port))
    assert result.returncode == 2
    assert "--password-file" in result.stderr and "MEDSEAL_IMAP_PASSWORD" in result.stderr
    assert "keyring" in result.stderr


def test_imaps_to_a_starttls_port_says_so(dovecot: Dovecot, password_file: Path) -> None:
    result = scan(dovecot, password_file, target=url(dovecot.imap_port))
    assert result.returncode == 2 and "use imap:// for a STARTTLS port" in result.stderr


def test_summary_never_replaces_a_file_unasked(dovecot: Dovecot, password_file: Path, tmp_path: Path) -> None:
    existing = tmp_path / "report.html"
    existing.write_text("the DPO's previous report")
    result = scan(dovecot, password_file, "--report", str(existing))
    assert result.returncode == 2 and "--force" in result.stderr
    assert existing.read_text() == "the DPO's previous report"
    clash = scan(dovecot, password_file, "--summary", str(password_file))
    assert clash.returncode == 2 and "would overwrite an input" in clash.stderr


def test_connection_refused(password_file: Path, dovecot: Dovecot) -> None:
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    result = scan(dovecot, password_file, target=url(port))
    assert result.returncode == 2 and "refused the connection" in result.stderr


def test_search_in_uid_ranges_and_batches_bounded(
    dovecot: Dovecot, sent: list[Sent], monkeypatch: pytest.MonkeyPatch
) -> None:
    """In process: UIDs searched in small ranges give the same list; fetch batches keep to their bounds."""
    from medseal_cli import imap_source

    folder = imap_source.ImapFolder(imap_source.parse_imap_url(url(dovecot.imaps_port)), PASSWORD,
                                    str(dovecot.pki.ca_cert))
    folder.connect()
    try:
        whole = folder.uids()
        monkeypatch.setattr(imap_source, "SEARCH_SPAN", 7)
        assert folder.uids() == whole == list(range(1, len(sent) + 1))
        assert folder.uids(after=30) == list(range(31, len(sent) + 1))
        batches = list(folder._batches(whole))
        assert [uid for batch in batches for uid in batch] == whole
        sizes = {uid: len(s.raw) for uid, s in enumerate(sent, start=1)}
        for batch in batches:
            assert len(batch) <= imap_source.BATCH_MESSAGES
            assert len(batch) == 1 or sum(sizes[u] for u in batch) <= imap_source.BATCH_BYTES
        assert [7] in batches  # the 9 MB message comes alone
        assert [m.raw for m in folder.messages(whole)] == [s.raw for s in sent]  # byte for byte
    finally:
        folder.close()
