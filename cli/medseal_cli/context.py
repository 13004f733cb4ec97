"""Load what the commands share from files: directory, policy, practice key, language."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from medseal.crypto.keys import default_key_path, read_key
from medseal.directory import Directory, check_access_codes, load_directory
from medseal.i18n import language_from_environment, normalise_language
from medseal.policy import Policy, parse_policy
from medseal.scan import ScanContext
from medseal_cli.errors import CliError


def read_bytes(path: str, what: str) -> bytes:
    """The file's bytes, or a CliError that names the file and says what is wrong."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise CliError(f"{path}: {what} not found") from None
    except IsADirectoryError:
        raise CliError(f"{path}: {what} is a folder, not a file") from None
    except OSError as exc:
        raise CliError(f"{path}: cannot read {what} ({exc.strerror})") from None


def _with_certificates(people: Directory, source: str) -> Directory:
    """The directory's ``certificate`` column may name a PEM file (relative to the CSV): read it in."""
    base = Path(source).parent
    resolved = []
    for person in people.people:
        if person.certificate and not person.certificate.startswith("-----BEGIN"):
            pem = read_bytes(str(base / person.certificate), f"certificate of line {person.line}")
            person = replace(person, certificate=pem.decode("ascii", "replace"))
        resolved.append(person)
    return Directory(tuple(resolved))


def load_context(directory: str | None, config: str | None) -> ScanContext:
    people = load_directory(read_bytes(directory, "patient directory"), directory) if directory else None
    if people is not None and directory:
        people = _with_certificates(people, directory)
    policy = Policy()
    if config:
        raw = read_bytes(config, "policy file")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise CliError(f"{config}: the policy file must be UTF-8 text") from None
        policy = parse_policy(text, config)
    return ScanContext(directory=people or (Directory() if directory else None), policy=policy)


def check_recipients_codes(context: ScanContext, source: str | None, recipients: Iterable[str]) -> None:
    """Before protecting: the access codes that would encrypt for these recipients must clear the floor."""
    if context.directory is not None and source:
        check_access_codes(context.directory, source, recipients)


def resolve_language(option: str | None, policy: Policy) -> str:
    if option:
        return normalise_language(option)
    if policy.language:
        return policy.language
    return language_from_environment(os.environ)


def key_path(key_file: str | None) -> Path:
    return Path(key_file) if key_file else default_key_path()


def load_key(key_file: str | None) -> bytes:
    """The practice key; a missing file is an error (``medseal key new`` creates one), never a new key."""
    path = key_path(key_file)
    if not path.exists():
        raise CliError(
            f"{path}: no practice key file (a typo? a new key would change every pseudonym); "
            f"to create one: medseal key new{' --key-file ' + str(key_file) if key_file else ''}"
        )
    return read_key(path)
