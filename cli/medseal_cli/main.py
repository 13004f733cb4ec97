"""``medseal``: the command-line front. Argument parsing and output only; the work is the core's.

Start-up is kept light: the parser lists every command from :mod:`medseal_cli.commands` and imports only the
module of the command that runs (``medseal --help`` imports no core module).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from medseal import __version__
from medseal.errors import InputError, MedsealError
from medseal_cli.commands import BY_NAME, COMMANDS, Command
from medseal_cli.errors import EXIT_INPUT, EXIT_INTERNAL, CliError

if TYPE_CHECKING:
    _SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The ``medseal`` parser; the command named in ``argv`` (if any) gets its full options, the others a name
    and a help line only (enough to list them and to refuse an unknown one)."""
    parser = argparse.ArgumentParser(
        prog="medseal",
        description="Check and protect patient data in outgoing e-mail (Belgian GDPR guidance for care providers).",
    )
    parser.add_argument("--version", action="version", version=f"medseal {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = _command_name(argv)
    wanted = BY_NAME.get(chosen) if chosen else None
    declared: set[str] = set()
    for command in COMMANDS:
        if command.name in declared:
            continue
        if wanted is not None and command.module == wanted.module:
            _declare(commands, command)
            declared.update(commands.choices)
        else:
            commands.add_parser(command.name, help=command.help)
            declared.add(command.name)
    if chosen and wanted is None:
        _add_plugins(commands)
    return parser


def _command_name(argv: Sequence[str]) -> str | None:
    """The command in ``argv``: the first word that is not an option (the top level has only options without
    values: ``--help``, ``--version``)."""
    return next((word for word in argv if not word.startswith("-")), None)


def _declare(commands: _SubParsers, command: Command) -> None:
    """Import the command's module and let it declare its options (with every command that module holds)."""
    try:
        module = importlib.import_module(command.module)
    except ImportError:
        if not command.missing:
            raise
        missing = commands.add_parser(command.name, help=command.help)
        missing.set_defaults(run=_missing(command.missing))
        return
    getattr(module, command.declare)(commands)


def _missing(message: str) -> Callable[[argparse.Namespace], int]:
    def run(_args: argparse.Namespace) -> int:
        raise CliError(message)

    return run


def _add_plugins(commands: _SubParsers) -> None:
    """Commands that installed extras register under the ``medseal.commands`` entry point; they are only looked
    up (a slow scan of the installed packages) when the command named is not a built-in one."""
    from importlib.metadata import entry_points

    for entry in entry_points(group="medseal.commands"):
        if entry.name in commands.choices:
            continue
        try:
            entry.load()(commands)
        except ImportError:
            continue


def _subparser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found: argparse.ArgumentParser = action.choices[name]
            return found
    raise LookupError(name)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    # sendmail callers mix options and recipient addresses freely
    if argv[:1] == ["send"]:
        args = _subparser(parser, "send").parse_intermixed_args(argv[1:])
    else:
        args = parser.parse_args(argv)
    import logging  # here, not at start-up: ``medseal --help`` needs none of it

    from medseal_cli.memory import return_big_buffers

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # damaged PDFs are findings, not console noise
    return_big_buffers()
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
        relay_error = getattr(sys.modules.get("medseal_cli.smtp"), "RelayError", None)  # only if it was imported
        return EXIT_INPUT if relay_error is not None and isinstance(exc, relay_error) else EXIT_INTERNAL
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
