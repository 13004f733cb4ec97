"""``medseal --help`` lists every command without importing one; each command still declares its own options."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from medseal_cli.commands import COMMANDS
from medseal_cli.main import build_parser, main

HEAVY = ("medseal.scan", "medseal.protect", "medseal.parse", "pypdf", "cryptography", "medseal_cli.scan_command")


def _help_lines(parser: argparse.ArgumentParser) -> dict[str, str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return {choice.dest: choice.help or "" for choice in action._choices_actions}
    raise AssertionError("no sub-commands")


@pytest.mark.pyodide_incompatible("runs the CLI in a fresh interpreter")
def test_top_level_help_imports_no_command() -> None:
    probe = (
        "import sys\n"
        "from medseal_cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit as exc:\n    assert exc.code == 0, exc.code\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    listing, imported = done.stdout.rsplit("\n", 2)[0], done.stdout.rsplit("\n", 2)[1]
    assert imported == ""
    for command in COMMANDS:
        assert command.name in listing


def test_listing_matches_what_each_command_declares() -> None:
    listed = _help_lines(build_parser(["--help"]))
    assert list(listed) == [command.name for command in COMMANDS]
    for command in COMMANDS:
        declared = _help_lines(build_parser([command.name]))
        assert declared[command.name] == command.help == listed[command.name]


@pytest.mark.parametrize("command", [command.name for command in COMMANDS])
def test_every_command_help_still_works(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    assert f"usage: medseal {command}" in capsys.readouterr().out


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["no-such-command"])
    assert done.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
