"""``medseal``: the command-line front. Argument parsing and output only; the work is the core's."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from medseal import __version__
from medseal.errors import InputError, MedsealError
from medseal_cli import (
    audit_command,
    directory_command,
    key_command,
    open_command,
    protect_command,
    scan_command,
    send_command,
)
from medseal_cli.errors import EXIT_INPUT, EXIT_INTERNAL, CliError
from medseal_cli.smtp import RelayError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="medseal",
        description="Check and protect patient data in outgoing e-mail (Belgian GDPR guidance for care providers).",
    )
    parser.add_argument("--version", action="version", version=f"medseal {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    scan_command.add_parser(commands)
    protect_command.add_parser(commands)
    open_command.add_parser(commands)
    send_command.add_parser(commands)
    key_command.add_parser(commands)
    audit_command.add_parser(commands)
    directory_command.add_parser(commands)
    _add_serve(commands)
    return parser


def _add_serve(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``medseal serve`` (the Outlook add-in's server) needs the ``outlook`` extra."""
    try:
        from medseal_outlook.cli import add_serve_parser
    except ImportError:
        parser = commands.add_parser(
            "serve", help="run the Outlook add-in server (pip install 'medseal[outlook]')"
        )
        parser.set_defaults(run=_serve_missing)
        return
    add_serve_parser(commands)


def _serve_missing(_args: argparse.Namespace) -> int:
    raise CliError("the Outlook server is not installed: pip install 'medseal[outlook]'")


def _subparser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found: argparse.ArgumentParser = action.choices[name]
            return found
    raise LookupError(name)


def main(argv: Sequence[str] | None = None) -> int:
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # damaged PDFs are findings, not console noise
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    # sendmail callers mix options and recipient addresses freely
    if argv[:1] == ["send"]:
        args = _subparser(parser, "send").parse_intermixed_args(argv[1:])
    else:
        args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
        return code
    except CliError as exc:
        sys.stderr.write(f"medseal: {exc}\n")
        return exc.code
    except InputError as exc:
        sys.stderr.write(f"medseal: {exc}\n")
        return EXIT_INPUT
    except MedsealError as exc:  # e.g. the SMTP server refused: nothing (more) was sent
        sys.stderr.write(f"medseal: {exc}\n")
        return EXIT_INPUT if isinstance(exc, RelayError) else EXIT_INTERNAL
    except KeyboardInterrupt:
        sys.stderr.write("medseal: interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_INPUT
    except Exception as exc:  # never a traceback for the user: say what failed, exit 3
        if os.environ.get("MEDSEAL_DEBUG"):
            raise
        sys.stderr.write(
            f"medseal: internal error ({type(exc).__name__}); nothing was sent. "
            "Run again with MEDSEAL_DEBUG=1 for details.\n"
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
