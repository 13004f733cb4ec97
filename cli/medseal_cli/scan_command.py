"""``medseal scan``: report every patient identifier and risky recipient, change nothing."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator

from medseal.errors import InputError
from medseal.parse import parse_message
from medseal.scan import ScanContext, scan_message
from medseal_cli.context import key_path, load_context, load_key, resolve_language
from medseal_cli.errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, CliError
from medseal_cli.mailboxes import iter_messages
from medseal_cli.outputs import Outputs
from medseal_cli.progress import Progress
from medseal_cli.report import Formatter, JsonFormatter, ScanReport, TextFormatter


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("scan", help="find patient identifiers and risky recipients")
    parser.add_argument(
        "files", nargs="+", metavar="FILE", help="message (.eml), mbox, Maildir, or - for stdin"
    )
    parser.add_argument("--json", action="store_true", help="one JSON document on stdout")
    parser.add_argument("--directory", metavar="CSV", help="patient directory (UTF-8 CSV)")
    parser.add_argument("--config", metavar="TOML", help="practice policy file")
    parser.add_argument("--lang", choices=("fr", "nl", "de", "en"), help="language of the report")
    parser.add_argument("--audit", metavar="FILE", help="append the decision to this keyed audit log")
    parser.add_argument("--key-file", metavar="FILE", help="practice key (keys the audit log)")
    parser.set_defaults(run=run)


def _sources(files: list[str]) -> Iterator[tuple[str, bytes | None, str]]:
    """(label, raw bytes or None, error) for every message named on the command line."""
    for name in files:
        if name == "-":
            yield "-", sys.stdin.buffer.read(), ""
            continue
        try:
            for label, raw in iter_messages(name):
                yield label, raw, ""
        except (OSError, InputError, CliError) as exc:
            yield name, None, _reason(name, exc)


def _reason(name: str, exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError):
        return "file not found"
    if isinstance(exc, IsADirectoryError):
        return "a folder that is neither a Maildir nor readable"
    if isinstance(exc, OSError):
        return f"cannot read ({exc.strerror})"
    return str(exc)


def scan_one(raw: bytes, context: ScanContext) -> ScanReport:
    message = parse_message(raw)
    return ScanReport("", scan_message(message, context))


def run(args: argparse.Namespace) -> int:
    context = load_context(args.directory, args.config)
    language = resolve_language(args.lang, context.policy)
    formatter: Formatter = JsonFormatter(sys.stdout) if args.json else TextFormatter(sys.stdout, language)
    progress = Progress("scan")
    found = input_error = False
    from medseal_cli.audit_log import audit_scan

    key = None
    if args.audit:
        Outputs(inputs=[*args.files, args.directory, args.config], key_file=key_path(args.key_file)).claim(
            args.audit, "--audit", append=True
        )
        key = load_key(args.key_file)
    for label, raw, error in _sources(args.files):
        report = ScanReport(label, None, error)
        if raw is not None:
            try:
                report = scan_one(raw, context)
                report.source = label
            except InputError as exc:
                report = ScanReport(label, None, str(exc))
        if report.verdict is None:
            input_error = True
            sys.stderr.write(f"medseal: {label}: {report.error}\n")
        else:
            found = found or bool(report.verdict.findings)
            if args.audit and key is not None:
                audit_scan(args.audit, report.verdict, key)
        progress.step(bool(report.verdict and report.verdict.findings))
        formatter.message(report)
    progress.close()
    formatter.finish()
    if input_error:
        return EXIT_INPUT
    return EXIT_FINDINGS if found else EXIT_OK
