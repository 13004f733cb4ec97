"""The ``medseal`` sub-commands as light data: name, one-line help and the module that declares the rest.

``medseal --help`` lists these without importing any command (the core, pypdf and the crypto are only imported
by the command that runs); the chosen command's module then declares its own options with ``add_parser``.
A ``NamedTuple``, not a dataclass: ``dataclasses`` costs ``inspect`` at start-up.
"""

from __future__ import annotations

from typing import NamedTuple


class Command(NamedTuple):
    """One sub-command: ``module.<declare>(commands)`` declares it (and its options) on the real parser."""

    name: str
    module: str
    help: str
    declare: str = "add_parser"
    missing: str = ""  # in an extra: when its module cannot be imported, the command says this (what to install)


COMMANDS: tuple[Command, ...] = (
    Command("scan", "medseal_cli.scan_command", "find patient identifiers and risky recipients"),
    Command("protect", "medseal_cli.protect_command", "pseudonymise, encrypt and fix recipients"),
    Command("open", "medseal_cli.open_command", "decrypt a protected message (recipient side)"),
    Command("send", "medseal_cli.send_command", "sendmail-compatible: scan, protect and relay over SMTP"),
    Command("key", "medseal_cli.key_command", "export or import the practice key"),
    Command("reveal", "medseal_cli.key_command", "find the patient behind a pseudonym"),
    Command("audit", "medseal_cli.audit_command", "verify an audit log, or migrate one in the older unkeyed format"),
    Command("directory", "medseal_cli.directory_command", "check the directory's access codes, make new ones"),
    Command("serve", "medseal_outlook.cli", "run the HTTPS server for the Outlook add-in", declare="add_serve_parser",
            missing="the Outlook server is not installed: pip install 'medseal[outlook]'"),
    Command("relay", "medseal_relay.cli", "run the SMTP submission gateway (and Postfix content filter)",
            missing="the relay is not installed: pip install 'medseal[relay]'"),
)

BY_NAME: dict[str, Command] = {command.name: command for command in COMMANDS}


def help_for(name: str) -> str:
    """The one-line help of a built-in command (one definition, shared by the light listing and its module)."""
    return BY_NAME[name].help
