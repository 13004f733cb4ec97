"""``medseal relay``: set up (``--init DIR``), run (``--config relay.toml``), list the queue (``queue``) or add
a user (``--add-user NAME``). Found by the ``medseal`` CLI through the ``medseal.commands`` entry point."""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import logging
import sys
import time
from pathlib import Path

from medseal_cli.errors import EXIT_INPUT, EXIT_OK, CliError


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "relay",
        help="run the SMTP submission gateway (and Postfix content filter)",
        description="An SMTP submission gateway that protects every message before it leaves the practice.",
    )
    parser.add_argument("action", nargs="?", choices=("run", "queue"), default="run",
                        help="run the relay (default) or list its queue")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--init", metavar="DIR", help="write DIR/relay.toml, a dev certificate and user 'practice'")
    mode.add_argument("--config", metavar="FILE", help="the relay's configuration (DIR/relay.toml)")
    parser.add_argument("--listen", metavar="HOST:PORT", help="submission address (default from relay.toml)")
    parser.add_argument("--upstream", metavar="HOST:PORT", help="the provider's submission server")
    parser.add_argument("--add-user", metavar="NAME", help="add a user with a generated password")
    parser.add_argument("--json", action="store_true", help="queue: JSON on stdout")
    parser.set_defaults(run=run)


def _needs_extra() -> None:
    if importlib.util.find_spec("aiosmtpd") is None:
        raise CliError("the relay is not installed: pip install 'medseal[relay]'")


def _init(folder: str) -> int:
    from medseal_relay.provision import init_relay_dir

    result = init_relay_dir(folder)
    for path in result.written:
        sys.stderr.write(f"wrote {path}\n")
    sys.stderr.write(
        f"""
Next steps:
  - fill in [upstream] in {result.config} (the provider's submission server; its credentials in a file, chmod 600)
  - set `directory` and `policy` to the practice's patient directory and rules
  - the password of user 'practice' is in {result.folder / "practice.password"} (shown nowhere else)
  - start:  medseal relay --config {result.config}
  - clients: SMTP server {result.folder.name and "127.0.0.1"}, port 8587, STARTTLS, user 'practice'
"""
    )
    return EXIT_OK


def _queue(args: argparse.Namespace) -> int:
    from medseal_relay.app import spool_of
    from medseal_relay.config import load_config

    config = load_config(args.config)
    spool = spool_of(config)
    rows = []
    for entry in spool.entries():
        rows.append(
            {
                "id": entry.id,
                "kind": entry.kind,
                "user": entry.user,
                "accepted": datetime.datetime.fromtimestamp(entry.created, datetime.UTC).isoformat(timespec="seconds"),
                "parts": len(entry.parts),
                "delivered_parts": sum(p.delivered for p in entry.parts),
                "recipients": sum(len(p.recipients) for p in entry.parts),
                "bytes": spool.size_of(entry),
                "attempts": entry.attempts,
                "next_attempt_in_s": max(0, round(entry.next_attempt - time.time())),
                "last_error": entry.last_error,
            }
        )
    if args.json:
        json.dump({"queue": rows}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    elif not rows:
        sys.stdout.write("queue empty\n")
    else:
        for row in rows:
            sys.stdout.write(
                f"{row['id']}  {row['kind']:<7} user={row['user']} accepted={row['accepted']} "
                f"recipients={row['recipients']} bytes={row['bytes']} attempts={row['attempts']} "
                f"next_in={row['next_attempt_in_s']}s {row['last_error']}\n"
            )
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    _needs_extra()
    from medseal_relay.config import RelayConfigError, load_config

    try:
        if args.init:
            if args.action != "run" or args.add_user:
                raise CliError("--init takes no other action")
            return _init(args.init)
        if args.add_user:
            from medseal_relay.provision import add_user

            path = add_user(Path(args.config), args.add_user)
            sys.stderr.write(f"added user {args.add_user}; the password is in {path} (shown nowhere else)\n")
            return EXIT_OK
        if args.action == "queue":
            return _queue(args)
        config = load_config(args.config, listen=args.listen, upstream=args.upstream)
    except RelayConfigError as exc:
        sys.stderr.write(f"medseal relay: {exc}\n")
        return EXIT_INPUT
    from medseal_relay.app import run_relay

    logging.basicConfig(level=logging.INFO, format="medseal relay: %(message)s", stream=sys.stderr)
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    try:
        return run_relay(config)
    except RelayConfigError as exc:
        sys.stderr.write(f"medseal relay: {exc}\n")
        return EXIT_INPUT
