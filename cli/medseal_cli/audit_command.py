"""``medseal audit verify LOG``: check the keyed chain of an audit log and its anchor (``LOG.head``)."""

from __future__ import annotations

import argparse

from medseal_cli.audit_log import verify
from medseal_cli.commands import help_for
from medseal_cli.context import load_key
from medseal_cli.errors import EXIT_FINDINGS, EXIT_OK


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("audit", help=help_for("audit"))
    actions = parser.add_subparsers(dest="audit_action", required=True, metavar="verify")
    checker = actions.add_parser("verify", help="check the keyed chain of an audit log against its anchor")
    checker.add_argument("file", metavar="FILE")
    checker.add_argument("--key-file", metavar="FILE", help="the practice key that keyed the log")
    checker.add_argument("--anchor", metavar="FILE", help="the anchor file (default: FILE.head)")
    checker.add_argument(
        "--expect-head", metavar="MAC", help="a head noted elsewhere: also detects a rollback of log and anchor"
    )
    checker.set_defaults(run=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    result = verify(args.file, load_key(args.key_file), expected_head=args.expect_head, anchor=args.anchor)
    if result.ok:
        print(f"{args.file}: {result.count} records, chain and anchor intact; head {result.head}")
        return EXIT_OK
    where = f"line {result.first_bad_line}: " if result.first_bad_line else ""
    print(f"{args.file}: {where}{result.reason}")
    return EXIT_FINDINGS
