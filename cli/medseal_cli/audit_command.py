"""``medseal audit verify FILE``: check that no line of an audit log was edited, removed or reordered."""

from __future__ import annotations

import argparse

from medseal.audit import verify_file
from medseal_cli.errors import EXIT_FINDINGS, EXIT_OK, CliError


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("audit", help="verify an audit log")
    actions = parser.add_subparsers(dest="audit_action", required=True, metavar="verify")
    verify = actions.add_parser("verify", help="check the hash chain of an audit log")
    verify.add_argument("file", metavar="FILE")
    verify.add_argument(
        "--expect-head", metavar="HASH", help="a last hash noted earlier: also detects lines cut from the end"
    )
    verify.set_defaults(run=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    try:
        result = verify_file(args.file, expected_head=args.expect_head)
    except FileNotFoundError:
        raise CliError(f"{args.file}: audit log not found") from None
    if result.ok:
        print(f"{args.file}: {result.count} records, chain intact; head {result.head}")
        return EXIT_OK
    print(f"{args.file}: line {result.first_bad_line}: {result.reason}")
    return EXIT_FINDINGS
