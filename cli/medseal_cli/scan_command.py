"""``medseal scan``: report every patient identifier and risky recipient, change nothing.

Sources: ``.eml`` files, stdin (``-``), mbox files, Maildir and plain folders (see :mod:`medseal_cli.mailboxes`),
and IMAP folders ``imaps://USER@HOST:PORT/FOLDER`` read-only (see :mod:`medseal_cli.imap_source`). Every message
is scanned by the same core and reported in the same JSON/text report; ``--jobs N`` scans in N processes with the
results in input order; ``--summary`` / ``--report`` write the DPO's summary (:mod:`medseal_cli.audit_report`).
"""

from __future__ import annotations

import argparse
import datetime
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.parser import HeaderParser
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING

from medseal.errors import InputError
from medseal.model import Message, Where
from medseal.parse import parse_message
from medseal.policy import assess
from medseal.scan import ScanContext, scan_text
from medseal_cli.audit_report import (
    HIDDEN_ID,
    AuditSummary,
    MessageRecord,
    month_of,
    render_html,
    summary_json,
    summary_kinds,
)
from medseal_cli.commands import help_for
from medseal_cli.context import key_path, load_context, load_key, resolve_language
from medseal_cli.errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, CliError
from medseal_cli.imap_password import KEYRING_SERVICE, PASSWORD_VARIABLE
from medseal_cli.mailboxes import iter_messages
from medseal_cli.outputs import Outputs, write_file
from medseal_cli.parallel import ordered_map
from medseal_cli.progress import Progress
from medseal_cli.report import Formatter, JsonFormatter, ScanReport, TextFormatter
from medseal_cli.scan_state import FolderState, load_state, save_state

if TYPE_CHECKING:  # imaplib and ssl are imported only when an IMAP folder is scanned
    from medseal_cli.imap_source import ImapFolder, ImapUrl

_HEADER_END = re.compile(rb"\r?\n\r?\n")
_SAVE_EVERY = 2.0  # seconds between state saves during a run


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("scan", help=help_for("scan"))
    parser.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="message (.eml), mbox, Maildir, folder, - for stdin, or an IMAP folder imaps://USER@HOST:PORT/FOLDER",
    )
    parser.add_argument("--json", action="store_true", help="one JSON document on stdout")
    parser.add_argument("--directory", metavar="CSV", help="patient directory (UTF-8 CSV)")
    parser.add_argument("--config", metavar="TOML", help="practice policy file")
    parser.add_argument("--lang", choices=("fr", "nl", "de", "en"), help="language of the report")
    parser.add_argument("--audit", metavar="FILE", help="append the decision to this keyed audit log")
    parser.add_argument("--key-file", metavar="FILE", help="practice key (keys the audit log)")
    parser.add_argument("--jobs", type=_positive, default=1, metavar="N", help="scan in N processes (default 1)")
    parser.add_argument("--summary", metavar="FILE.json", help="write the DPO summary per month as JSON")
    parser.add_argument("--report", metavar="FILE.html", help="write the DPO summary as a one-page HTML report")
    parser.add_argument("--force", action="store_true", help="replace an existing --summary or --report file")
    imap = parser.add_argument_group("IMAP folders (opened read-only)")
    imap.add_argument(
        "--password-file",
        metavar="FILE",
        help=f"the IMAP password, alone on the first line of a chmod 600 file (else ${PASSWORD_VARIABLE}, "
        f"else the system keyring, service {KEYRING_SERVICE}, user USER@HOST)",
    )
    imap.add_argument("--ca-file", metavar="PEM", help="trust this CA or self-signed server certificate")
    imap.add_argument("--state", metavar="FILE", help="remember where the scan stopped; the next run goes on")
    imap.add_argument("--since", type=_date, metavar="YYYY-MM-DD", help="only messages the server received since")
    imap.add_argument("--max-messages", type=_positive, metavar="N", help="stop after N messages (use with --state)")
    imap.add_argument(
        "--plain-loopback",
        action="store_true",
        help="allow imap:// without TLS to a loopback address only (a local gateway such as DavMail)",
    )
    parser.set_defaults(run=run)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


# -- one message ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One message to scan (``raw`` is None when it could not be read: ``error`` says why)."""

    label: str
    raw: bytes | None
    error: str = ""
    arrived: datetime.datetime | None = None  # the IMAP server's INTERNALDATE
    uid: int | None = None


@dataclass(frozen=True)
class Outcome:
    report: ScanReport
    record: MessageRecord | None
    uid: int | None


_CONTEXT: list[ScanContext] = []  # the worker's practice context (one per process)


def _init_worker(directory: str | None, config: str | None) -> None:
    """Load the practice context in a worker (a forked worker already has its parent's)."""
    if not _CONTEXT:
        _CONTEXT[:] = [load_context(directory, config)]


def _headers(raw: bytes) -> tuple[datetime.datetime | None, str]:
    """The message's ``Date`` and ``Message-ID`` (header block only)."""
    end = _HEADER_END.search(raw)
    head = HeaderParser().parsestr(raw[: end.start() if end else len(raw)].decode("latin-1"))
    try:
        date = parsedate_to_datetime(str(head.get("Date", "")))
    except (TypeError, ValueError, IndexError):
        date = None
    return date, " ".join(str(head.get("Message-ID", "")).split())


def scan_one(raw: bytes, context: ScanContext) -> ScanReport:
    message = parse_message(raw)
    return ScanReport("", assess(message, context))


def scan_item(item: Item) -> Outcome:
    """Scan one message (in a worker process with ``--jobs``)."""
    if item.raw is None:
        return Outcome(ScanReport(item.label, None, item.error), None, item.uid)
    context = _CONTEXT[0]
    try:
        report = scan_one(item.raw, context)
    except InputError as exc:
        return Outcome(ScanReport(item.label, None, str(exc)), None, item.uid)
    report.source = item.label
    assert report.verdict is not None
    date, message_id = _headers(item.raw)
    if message_id and scan_text(message_id, Where.SUBJECT, context):
        message_id = HIDDEN_ID
    record = MessageRecord(item.label, month_of(date or item.arrived), message_id, summary_kinds(report.verdict))
    return Outcome(report, record, item.uid)


# -- sources ----------------------------------------------------------------------------------------------------


def _file_items(name: str) -> Iterator[Item]:
    if name == "-":
        yield Item("-", sys.stdin.buffer.read())
        return
    try:
        for label, raw in iter_messages(name):
            yield Item(label, raw)
    except (OSError, InputError, CliError) as exc:
        yield Item(name, None, _reason(name, exc))


def _reason(name: str, exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError):
        return "file not found"
    if isinstance(exc, IsADirectoryError):
        return "a folder that is neither a Maildir nor readable"
    if isinstance(exc, OSError):
        return f"cannot read ({exc.strerror})"
    return str(exc)


class FolderScan:
    """One IMAP folder: opened when its turn comes, read in UID order, optionally resumed from ``--state``."""

    def __init__(self, url: ImapUrl, args: argparse.Namespace, progress: Progress, summary: AuditSummary) -> None:
        self.url = url
        self.args = args
        self.progress = progress
        self.summary = summary
        self.folder: ImapFolder | None = None
        self.state: FolderState | None = load_state(args.state, url.folder_label) if args.state else None
        self._saved = time.monotonic()

    def open(self) -> list[int]:
        """Connect and list the UIDs to scan (after the state's last UID)."""
        from medseal_cli.imap_password import read_password
        from medseal_cli.imap_source import ImapFolder

        password = read_password(self.url, self.args.password_file)
        self.folder = ImapFolder(self.url, password, self.args.ca_file, self.args.plain_loopback)
        uidvalidity = self.folder.connect()
        after = 0
        if self.state is not None:
            if self.state.uidvalidity and self.state.uidvalidity != uidvalidity:
                sys.stderr.write(
                    f"medseal: {self.url.folder_label} was recreated on the server (UIDVALIDITY "
                    f"{self.state.uidvalidity} -> {uidvalidity}): the saved position no longer applies, "
                    "scanning the whole folder again\n"
                )
                self.state = FolderState(self.url.folder_label)
                self.summary.clear()
            self.state.uidvalidity = uidvalidity
            after = self.state.last_uid
        uids = self.folder.uids(after=after, since=self.args.since)
        if self.args.max_messages:
            uids = uids[: self.args.max_messages]
        self.progress.expect(len(uids))
        return uids

    def items(self) -> Iterator[Item]:
        uids = self.open()
        assert self.folder is not None
        for message in self.folder.messages(uids):
            yield Item(self.url.label(message.uid), message.raw, arrived=message.internaldate, uid=message.uid)
        self.close()

    def done(self, uid: int) -> None:
        """``uid`` is reported: remember it (saved every few seconds and at the end)."""
        if self.state is None:
            return
        self.state.last_uid = max(self.state.last_uid, uid)
        if time.monotonic() - self._saved > _SAVE_EVERY:
            self.save()

    def save(self) -> None:
        """Write the state (once the folder was opened: before that there is nothing to remember)."""
        if self.state is not None and self.state.uidvalidity and self.args.state:
            self.state.summary = self.summary.to_json()
            save_state(self.args.state, self.state)
            self._saved = time.monotonic()

    def close(self) -> None:
        if self.folder is not None:
            self.folder.close()
            if self.folder.reconnections:
                sys.stderr.write(
                    f"medseal: {self.url.folder_label}: resumed after {self.folder.reconnections} reconnection(s)\n"
                )
            self.folder = None


def _check_options(args: argparse.Namespace, folders: list[FolderScan | None]) -> None:
    imap = [f for f in folders if f is not None]
    if not imap:
        for option, given in (("--since", args.since), ("--state", args.state), ("--max-messages", args.max_messages)):
            if given:
                raise CliError(f"{option} goes with an IMAP folder (imaps://USER@HOST:PORT/FOLDER)")
    if args.state and len(folders) != 1:
        raise CliError("--state goes with exactly one IMAP folder")


# -- the command ------------------------------------------------------------------------------------------------


def is_imap_url(text: str) -> bool:
    return text.lower().startswith(("imaps://", "imap://"))


def _folder_scan(name: str, args: argparse.Namespace, progress: Progress, summary: AuditSummary) -> FolderScan:
    from medseal_cli.imap_source import parse_imap_url

    return FolderScan(parse_imap_url(name), args, progress, summary)


def run(args: argparse.Namespace) -> int:
    context = load_context(args.directory, args.config)
    language = resolve_language(args.lang, context.policy)
    formatter: Formatter = JsonFormatter(sys.stdout) if args.json else TextFormatter(sys.stdout, language)
    progress = Progress("scan")
    summary = AuditSummary()
    folders: list[FolderScan | None] = [
        _folder_scan(name, args, progress, summary) if is_imap_url(name) else None
        for name in args.files
    ]
    _check_options(args, folders)
    outputs = _claim_outputs(args)
    resumed = folders[0].state if args.state and folders[0] is not None else None
    if resumed is not None and resumed.summary:
        summary.restore(resumed.summary)
    for name, folder in zip(args.files, folders, strict=True):
        summary.add_source(folder.url.folder_label if folder else name)

    def items() -> Iterator[Item]:
        for name, folder in zip(args.files, folders, strict=True):
            yield from folder.items() if folder is not None else _file_items(name)

    _CONTEXT[:] = [context]
    if args.jobs > 1:  # build the directory index and the detectors' caches once, before the workers fork
        assess(Message(subject="warm-up", text_body="Marie Dupont 85.07.30-033.28", to=("a@b.be",)), context)
    found = input_error = False
    from medseal_cli.audit_log import audit_scan

    key = load_key(args.key_file) if args.audit else None

    try:
        outcomes = ordered_map(
            scan_item,
            items(),
            args.jobs,
            initializer=_init_worker if args.jobs > 1 else None,
            initargs=(args.directory, args.config),
            weight=lambda item: len(item.raw or b""),
        )
        for outcome in outcomes:
            report = outcome.report
            if report.verdict is None:
                input_error = True
                summary.add_unreadable()
                sys.stderr.write(f"medseal: {report.source}: {report.error}\n")
            else:
                found = found or bool(report.verdict.findings)
                if args.audit and key is not None:
                    audit_scan(args.audit, report.verdict, key)
                if outcome.record is not None:
                    summary.add(outcome.record)
            if not args.json:
                progress.clear()  # the text report may share the terminal
            formatter.message(report)
            progress.step(bool(report.verdict and report.verdict.findings))
            if outcome.uid is not None and args.state and folders[0] is not None:
                folders[0].done(outcome.uid)
    finally:
        # whatever stopped the run, what was reported is saved: state, summary, report, JSON
        for folder in folders:
            if folder is not None:
                folder.close()
                folder.save()
        progress.close()
        formatter.finish()
        if sys.exc_info()[0] is None or summary.scanned or summary.unreadable:
            _write_summaries(outputs, summary, language)
    if input_error:
        return EXIT_INPUT
    return EXIT_FINDINGS if found else EXIT_OK


def _claim_outputs(args: argparse.Namespace) -> dict[str, Path]:
    """Check every file this scan writes before anything is read (never over an input, the key or each other)."""
    local = [name for name in args.files if not is_imap_url(name)]
    outputs = Outputs(
        force=args.force,
        inputs=[*local, args.directory, args.config, args.password_file, args.ca_file],
        key_file=key_path(args.key_file),
    )
    claimed = {}
    if args.audit:
        outputs.claim(args.audit, "--audit", append=True)
    if args.state:
        outputs.claim(args.state, "--state", append=True)  # updated from run to run by design
    for flag, path in (("--summary", args.summary), ("--report", args.report)):
        if path:
            claimed[flag] = outputs.claim(path, flag)
    return claimed


def _write_summaries(outputs: dict[str, Path], summary: AuditSummary, language: str) -> None:
    if "--summary" in outputs:
        write_file(outputs["--summary"], summary_json(summary).encode("utf-8"), 0o600)
    if "--report" in outputs:
        write_file(outputs["--report"], render_html(summary, language).encode("utf-8"), 0o600)
