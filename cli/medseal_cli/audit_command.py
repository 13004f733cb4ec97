"""``medseal audit verify | migrate LOG``: check the keyed chain of an audit log and its anchor (``LOG.head``);
start a keyed chain for a log in the older unkeyed format."""

from __future__ import annotations

import argparse

from medseal_cli.audit_log import anchor_path, migrate, unkeyed_log, unkeyed_path, verify
from medseal_cli.commands import help_for
from medseal_cli.context import load_key
from medseal_cli.errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("audit", help=help_for("audit"))
    actions = parser.add_subparsers(dest="audit_action", required=True, metavar="verify|migrate")
    checker = actions.add_parser("verify", help="check the keyed chain of an audit log against its anchor")
    checker.add_argument("file", metavar="FILE")
    checker.add_argument("--key-file", metavar="FILE", help="the practice key that keyed the log")
    checker.add_argument("--anchor", metavar="FILE", help="the anchor file (default: FILE.head)")
    checker.add_argument(
        "--expect-head", metavar="MAC", help="a head noted elsewhere: also detects a rollback of log and anchor"
    )
    checker.set_defaults(run=run_verify)
    mover = actions.add_parser(
        "migrate", help="keep an unkeyed log as FILE.v1 and start a keyed one at FILE that continues it"
    )
    mover.add_argument("file", metavar="FILE")
    mover.add_argument("--key-file", metavar="FILE", help="the practice key that will key the new chain")
    mover.set_defaults(run=run_migrate)


def run_verify(args: argparse.Namespace) -> int:
    old = unkeyed_log(args.file)
    if old is not None:
        if anchor_path(args.file).exists() or args.anchor:
            print(f"{args.file}: in the older unkeyed format, yet a keyed anchor exists for it: a keyed log was "
                  "rewritten in the old format")
            return EXIT_FINDINGS
        if not old.ok:
            print(f"{args.file}: older unkeyed format, line {old.first_bad_line}: {old.reason}")
            return EXIT_FINDINGS
        print(
            f"{args.file}: older unkeyed format ({old.count} records, last hash {old.head}); its chain is "
            "consistent, but without a key it cannot show that nobody rewrote it. Start a keyed chain that "
            f"continues it: medseal audit migrate {args.file} --key-file KEY"
        )
        return EXIT_INPUT
    key = load_key(args.key_file)
    result = verify(args.file, key, expected_head=args.expect_head, anchor=args.anchor)
    if result.ok and result.continues:
        return _check_continued(args.file, result.count, result.head, result.continues)
    if result.ok:
        print(f"{args.file}: {result.count} records, chain and anchor intact; head {result.head}")
        return EXIT_OK
    where = f"line {result.first_bad_line}: " if result.first_bad_line else ""
    print(f"{args.file}: {where}{result.reason}")
    return EXIT_FINDINGS


def _check_continued(log: str, count: int, head: str, continues: str) -> int:
    """A migrated log vouches for the last hash of the unkeyed log it continues: check ``LOG.v1`` against it."""
    old_path = unkeyed_path(log)
    intact = f"{log}: {count} records, chain and anchor intact; head {head}"
    if not old_path.exists():
        print(f"{intact}; it continues an unkeyed log whose last hash is {continues} ({old_path.name} not found)")
        return EXIT_OK
    old = unkeyed_log(old_path)
    if old is None or not old.ok or old.head != continues:
        print(f"{log}: {old_path.name} no longer ends with the hash ({continues}) that the keyed chain's first "
              "record vouches for: the older log was changed after the migration")
        return EXIT_FINDINGS
    print(f"{intact}; it continues {old_path.name} ({old.count} unkeyed records, last hash as recorded)")
    return EXIT_OK


def run_migrate(args: argparse.Namespace) -> int:
    old, result, head = migrate(args.file, load_key(args.key_file))
    print(f"{args.file}: {result.count} unkeyed records kept as {old}; new keyed chain started, "
          f"its first record vouches for their last hash {result.head}; audit head {head}")
    return EXIT_OK
