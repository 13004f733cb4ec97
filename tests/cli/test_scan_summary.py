"""The pieces of ``scan`` over mailboxes: IMAP addresses, folder names, passwords, state, the DPO summary, --jobs."""

from __future__ import annotations

import datetime
import io
import json
import mailbox
import sys
import types
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medseal_cli.audit_report import (
    KINDS,
    AuditSummary,
    MessageRecord,
    render_html,
    summary_json,
)
from medseal_cli.context import load_context
from medseal_cli.errors import CliError
from medseal_cli.imap_password import read_password
from medseal_cli.imap_source import (
    _uid_set,
    decode_mailbox,
    encode_mailbox,
    imap_since,
    parse_imap_url,
)
from medseal_cli.main import main
from medseal_cli.parallel import ordered_map
from medseal_cli.progress import Progress
from medseal_cli.scan_command import _CONTEXT, Item, scan_item
from medseal_cli.scan_state import FolderState, load_state, save_state

ROOT = Path(__file__).resolve().parents[2]
DIRECTORY = ROOT / "examples" / "patients.csv"
POLICY = ROOT / "examples" / "policy.toml"


def mail(subject: str, to: str, body: str, message_id: str = "<m1@cabinet-demo.be>", date: str | None = None) -> bytes:
    built = EmailMessage()
    built["From"] = "Dr. A. Martin <dr.martin@cabinet-demo.be>"
    built["To"] = to
    built["Subject"] = subject
    built["Message-ID"] = message_id
    if date:
        built["Date"] = date
    built.set_content(body)
    return built.as_bytes()


# -- IMAP addresses ---------------------------------------------------------------------------------------------


def test_imap_url_parts_and_labels() -> None:
    url = parse_imap_url("imaps://dr%40cabinet.be@imap.example.be/Sent%20Items")
    assert (url.scheme, url.user, url.host, url.port, url.folder) == (
        "imaps", "dr@cabinet.be", "imap.example.be", 993, "Sent Items"
    )
    assert url.label(7) == "imaps://dr%40cabinet.be@imap.example.be:993/Sent%20Items;UID=7"
    starttls = parse_imap_url("imap://gp@[::1]:1143/INBOX/Envoy%C3%A9s")
    assert (starttls.port, starttls.host, starttls.folder) == (1143, "::1", "INBOX/Envoyés")
    assert starttls.label(1) == "imap://gp@[::1]:1143/INBOX/Envoy%C3%A9s;UID=1"
    assert parse_imap_url("IMAP://u@h/F").port == 143


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("imaps://user:hunter2@host/Sent", "must not carry the password"),
        ("imaps://host/Sent", "needs a user and a host"),
        ("imaps://user@host", "needs a folder"),
        ("imaps://user@host:99999/Sent", "invalid port"),
        ("imaps://user@host/Sent;UID=3", "no ';'"),
        ("pop3://user@host/Sent", "not an IMAP address"),
    ],
)
def test_bad_imap_urls(text: str, message: str) -> None:
    with pytest.raises(CliError, match=message) as caught:
        parse_imap_url(text)
    assert "hunter2" not in str(caught.value)


def test_modified_utf7_known_values() -> None:
    assert encode_mailbox("Envoyés") == '"Envoy&AOk-s"'
    assert encode_mailbox('A&B "x"') == '"A&-B \\"x\\""'
    assert decode_mailbox("Envoy&AOk-s") == "Envoyés"
    assert decode_mailbox("&ZeVnLIqe-") == "日本語"


@given(st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30))
def test_modified_utf7_round_trip(name: str) -> None:
    encoded = encode_mailbox(name)
    assert encoded.isascii()
    inner = encoded[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    assert decode_mailbox(inner) == name


@given(st.sets(st.integers(1, 500), min_size=1))
def test_uid_sets_name_exactly_the_uids(uids: set[int]) -> None:
    text = _uid_set(sorted(uids))
    named: set[int] = set()
    for part in text.split(","):
        low, _, high = part.partition(":")
        named.update(range(int(low), int(high or low) + 1))
    assert named == uids
    assert text.count(",") < len(uids)


def test_since_is_locale_independent() -> None:
    assert imap_since(datetime.date(2026, 3, 1)) == "01-Mar-2026"
    assert imap_since(datetime.date(2025, 12, 31)) == "31-Dec-2025"


# -- passwords --------------------------------------------------------------------------------------------------


@pytest.mark.pyodide_incompatible("file modes are not enforced in Pyodide's file system")
def test_password_file_must_be_private(tmp_path: Path) -> None:
    url = parse_imap_url("imaps://gp@host/Sent")
    secret = tmp_path / "pw"
    secret.write_text("s3cret pass\nignored\n")
    secret.chmod(0o640)
    with pytest.raises(CliError, match="chmod 600") as caught:
        read_password(url, str(secret), environ={})
    assert "s3cret" not in str(caught.value)
    secret.chmod(0o600)
    assert read_password(url, str(secret), environ={"MEDSEAL_IMAP_PASSWORD": "other"}) == "s3cret pass"
    with pytest.raises(CliError, match="not found"):
        read_password(url, str(tmp_path / "missing"), environ={})


def test_password_from_environment_then_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    url = parse_imap_url("imaps://gp@host/Sent")
    assert read_password(url, None, environ={"MEDSEAL_IMAP_PASSWORD": "from env"}) == "from env"
    monkeypatch.setitem(sys.modules, "keyring", None)  # not installed
    with pytest.raises(CliError) as caught:
        read_password(url, None, environ={})
    assert "--password-file" in str(caught.value) and "MEDSEAL_IMAP_PASSWORD" in str(caught.value)
    assert "keyring set medseal-imap gp@host" in str(caught.value)


def test_password_from_the_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    """The keyring path, through a module with keyring's interface (no system keyring runs on a test machine)."""
    asked = []

    class KeyringError(Exception):
        pass

    def get_password(service: str, user: str) -> str | None:
        asked.append((service, user))
        if user == "locked@host":
            raise KeyringError("the keyring is locked")
        return "from keyring" if user == "gp@host" else None

    fake = types.ModuleType("keyring")
    fake.get_password = get_password  # type: ignore[attr-defined]
    errors = types.ModuleType("keyring.errors")
    errors.KeyringError = KeyringError  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keyring", fake)
    monkeypatch.setitem(sys.modules, "keyring.errors", errors)
    assert read_password(parse_imap_url("imaps://gp@host/Sent"), None, environ={}) == "from keyring"
    assert asked == [("medseal-imap", "gp@host")]
    with pytest.raises(CliError, match="no password for other@host"):
        read_password(parse_imap_url("imaps://other@host/Sent"), None, environ={})
    with pytest.raises(CliError, match="keyring cannot be read"):
        read_password(parse_imap_url("imaps://locked@host/Sent"), None, environ={})


# -- state ------------------------------------------------------------------------------------------------------


def test_state_round_trip_and_mismatch(tmp_path: Path) -> None:
    path = str(tmp_path / "state.json")
    assert load_state(path, "imaps://a@h:993/Sent") == FolderState("imaps://a@h:993/Sent")
    state = FolderState("imaps://a@h:993/Sent", uidvalidity=17, last_uid=42, summary={"format": "x"})
    save_state(path, state)
    assert load_state(path, "imaps://a@h:993/Sent") == state
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # nothing left beside
    with pytest.raises(CliError, match="this state file is for imaps://a@h:993/Sent"):
        load_state(path, "imaps://a@h:993/Other")
    Path(path).write_text("{not json")
    with pytest.raises(CliError, match="not a medseal state file"):
        load_state(path, "imaps://a@h:993/Sent")


# -- the DPO summary --------------------------------------------------------------------------------------------


@pytest.fixture
def context() -> None:
    _CONTEXT[:] = [load_context(str(DIRECTORY), str(POLICY))]


@pytest.mark.usefixtures("context")
def test_summary_kinds_follow_the_recipients() -> None:
    body = "Résultats de Marie Dupont (NISS 85.07.30-033.28), née le 30/07/1985.\n"
    to_gmail = scan_item(Item("a", mail("Résultats", "marie.dupont.demo@gmail.com", body)))
    to_colleague = scan_item(Item("b", mail("Résultats", "secretariat@cabinet-demo.be", body)))
    two_patients = "marie.dupont.demo@gmail.com, jan.peeters.demo@telenet.be"
    exposed = scan_item(Item("c", mail("Rappel", two_patients, "Grippe.\n")))
    clean = scan_item(Item("d", mail("Réunion", "secretariat@cabinet-demo.be", "Jeudi 14 h.\n")))
    assert to_gmail.record and to_gmail.record.kinds == ("niss", "patient_name", "birth_date", "recipient")
    assert to_colleague.record and to_colleague.record.kinds == ()  # a trusted mailbox: not flagged
    assert to_colleague.report.verdict and to_colleague.report.verdict.findings  # but still reported
    assert exposed.record and exposed.record.kinds == ("recipient",)
    assert clean.record and clean.record.kinds == ()


@pytest.mark.usefixtures("context")
def test_message_id_with_an_identifier_is_withheld_and_month_from_date_or_arrival() -> None:
    raw = mail("x", "a@gmail.com", "NISS 85.07.30-033.28\n", message_id="<85073003328@x>",
               date="Tue, 03 Feb 2026 10:00:00 +0100")
    outcome = scan_item(Item("a", raw))
    assert outcome.record and outcome.record.message_id.startswith("(message id withheld")
    assert outcome.record.month == "2026-02"
    arrived = datetime.datetime(2025, 11, 4, tzinfo=datetime.UTC)
    undated = scan_item(Item("b", mail("x", "a@gmail.com", "ok\n"), arrived=arrived))
    assert undated.record and undated.record.month == "2025-11"
    assert scan_item(Item("c", mail("x", "a@gmail.com", "ok\n"))).record.month == "unknown"  # type: ignore[union-attr]


records = st.builds(
    MessageRecord,
    source=st.from_regex(r"imaps://u@h:993/Sent;UID=[1-9][0-9]{0,4}", fullmatch=True),
    month=st.sampled_from(["2025-12", "2026-01", "2026-02", "unknown"]),
    message_id=st.text(max_size=20),
    kinds=st.lists(st.sampled_from(KINDS), unique=True).map(tuple),
)


@given(st.lists(records, max_size=30), st.integers(0, 30))
def test_summary_counts_and_survives_a_state_round_trip(batch: list[MessageRecord], split: int) -> None:
    first, rest = AuditSummary(["imaps://u@h:993/Sent"]), batch[split:]
    for record in batch[:split]:
        first.add(record)
    resumed = AuditSummary()
    resumed.restore(json.loads(json.dumps(first.to_json())))  # as --state carries it to the next run
    for record in rest:
        resumed.add(record)
    whole = AuditSummary(["imaps://u@h:993/Sent"])
    for record in batch:
        whole.add(record)
    assert resumed.to_json() == whole.to_json()
    data = whole.to_json()
    assert data["scanned"] == len(batch) and data["flagged"] == sum(r.flagged for r in batch)
    assert data["by_kind"] == {k: sum(k in r.kinds for r in batch) for k in KINDS}
    months = [m["month"] for m in data["months"]]
    assert months == sorted(months, key=lambda m: (m == "unknown", m))
    assert sum(len(m["messages"]) for m in data["months"]) == data["flagged"]


def test_html_report_is_one_page_with_one_chart_and_escaped() -> None:
    summary = AuditSummary(["imaps://u@h:993/Sent"])
    summary.add(MessageRecord("imaps://u@h:993/Sent;UID=1", "2026-01", "<a@b>", ("niss",)))
    summary.add(MessageRecord("imaps://u@h:993/Sent;UID=2", "2026-02", "<script>alert(1)</script>", ("recipient",)))
    summary.add(MessageRecord("imaps://u@h:993/Sent;UID=3", "2026-02", "<c@d>", ()))
    page = render_html(summary, "fr", datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC))
    assert page.count("<svg") == 1 and "<script" not in page and "&lt;script&gt;" in page
    assert page.count('<rect class="bar"') == 4  # scanned and flagged, for two months
    assert "Numéro national" in page and "Problème de destinataire" in page and 'lang="fr"' in page
    assert "&lt;c@d&gt;" not in page  # a message that is not flagged is not listed
    assert json.loads(summary_json(summary))["months"][1]["flagged"] == 1
    assert "Rijksregisternummer" in render_html(summary, "nl")


def test_progress_bar_with_a_total() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Tty()
    progress = Progress("scan", stream)
    progress.expect(4)
    for flagged in (True, False):
        progress.step(flagged)
    assert "2/4" in progress.line() and "1 flagged" in progress.line() and "50%" in progress.line()
    progress.close()
    assert stream.getvalue().endswith("\n")
    quiet = io.StringIO()
    Progress("scan", quiet).step(True)
    assert quiet.getvalue() == ""  # not a terminal: no bar


# -- --jobs -----------------------------------------------------------------------------------------------------


def _square(n: int) -> int:
    return n * n


@pytest.mark.pyodide_incompatible("worker processes")
def test_ordered_map_keeps_order_and_reads_ahead_a_bounded_window() -> None:
    read = []

    def items() -> object:
        for n in range(40):
            read.append(n)
            yield n

    seen = []
    for result in ordered_map(_square, items(), jobs=2, chunk_items=3):  # type: ignore[arg-type]
        seen.append(result)
        assert len(read) - len(seen) <= 2 * 2 * 3  # at most 2 x jobs chunks in flight
    assert seen == [n * n for n in range(40)]


@pytest.mark.pyodide_incompatible("worker processes")
def test_jobs_two_gives_the_same_json_for_mbox_and_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    box = mailbox.mbox(tmp_path / "Sent")
    folder = tmp_path / "folder"
    folder.mkdir()
    for index in range(12):
        body = f"Résultats de Marie Dupont, NISS 85.07.30-033.28 ({index}).\n" if index % 3 == 0 else "Jeudi.\n"
        raw = mail(f"m{index}", "marie.dupont.demo@gmail.com", body, message_id=f"<m{index}@x>")
        box.add(raw)
        (folder / f"{index:02d}.eml").write_bytes(raw)
    box.close()
    outputs = []
    for jobs in ("1", "2"):
        summary = tmp_path / f"summary{jobs}.json"
        code = main(["scan", "--json", "--jobs", jobs, "--directory", str(DIRECTORY), "--summary", str(summary),
                     str(tmp_path / "Sent"), str(folder)])
        assert code == 1
        outputs.append((capsys.readouterr().out, summary.read_text()))
    assert outputs[0] == outputs[1]
    messages = json.loads(outputs[0][0])["messages"]
    assert len(messages) == 24 and sum(bool(m["findings"]) for m in messages) == 8
    assert json.loads(outputs[0][1])["flagged"] == 8


@pytest.mark.parametrize("option", [["--since", "2026-01-01"], ["--state", "s.json"], ["--max-messages", "3"]])
def test_imap_options_without_an_imap_folder(option: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["scan", *option, str(ROOT / "examples" / "messages" / "03-reunion-de-service.eml")])
    assert code == 2 and "goes with an IMAP folder" in capsys.readouterr().err
