"""``medseal key new | export | import`` and ``medseal reveal``: create and share the practice key, find a
patient back. A key is only ever created by ``key new``: a mistyped ``--key-file`` is an error, not a new key
(which would silently change every pseudonym of the practice)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from medseal.crypto.keys import export_key, import_key, read_key
from medseal.crypto.pseudonym import reveal_all
from medseal.directory import load_directory
from medseal.text import initials
from medseal_cli.commands import help_for
from medseal_cli.context import key_path, load_key, read_bytes
from medseal_cli.errors import EXIT_FINDINGS, EXIT_OK, CliError
from medseal_cli.key_file import create_key, write_key
from medseal_cli.outputs import Outputs, write_file


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("key", help=help_for("key"))
    actions = parser.add_subparsers(dest="key_action", required=True, metavar="new|export|import")
    new = actions.add_parser("new", help="create the practice key (once per practice)")
    new.add_argument("--key-file", metavar="FILE", help="where (default: $XDG_CONFIG_HOME/medseal/key)")
    new.set_defaults(run=run_new)
    export = actions.add_parser("export", help="print the practice key to give a colleague")
    export.add_argument("--key-file", metavar="FILE")
    export.add_argument("-o", "--output", metavar="FILE", help="write it to this file (mode 0600) instead")
    export.add_argument("--force", action="store_true", help="replace an existing output file")
    export.set_defaults(run=run_export)
    imported = actions.add_parser("import", help="install a colleague's practice key")
    imported.add_argument("source", nargs="?", default="-", help="file with the exported key, or - (stdin)")
    imported.add_argument("--key-file", metavar="FILE")
    imported.add_argument("--force", action="store_true", help="replace an existing, different key")
    imported.set_defaults(run=run_import)

    reveal = commands.add_parser("reveal", help=help_for("reveal"))
    reveal.add_argument("pseudonym", metavar="P-XXXX-XXXX")
    reveal.add_argument("--directory", metavar="CSV", required=True)
    reveal.add_argument("--key-file", metavar="FILE")
    reveal.set_defaults(run=run_reveal)


def run_new(args: argparse.Namespace) -> int:
    path = key_path(args.key_file)
    if path.exists():
        raise CliError(f"{path}: a practice key already exists (replacing it would change every pseudonym)")
    create_key(path)
    print(f"{path}: new practice key created; share it with colleagues with: medseal key export")
    return EXIT_OK


def run_export(args: argparse.Namespace) -> int:
    key = load_key(args.key_file)
    if args.output:
        out = Outputs(force=args.force, key_file=key_path(args.key_file)).claim(args.output, "-o")
        write_file(out, (export_key(key) + "\n").encode("ascii"), 0o600)
        print(f"{out}: practice key exported")
    else:
        print(export_key(key))
    return EXIT_OK


def run_import(args: argparse.Namespace) -> int:
    text = (
        sys.stdin.read() if args.source == "-" else read_bytes(args.source, "key").decode("utf-8", "replace")
    )
    key = import_key(text)
    path = key_path(args.key_file)
    if args.source != "-" and Path(args.source).exists() and path.exists() and Path(args.source).samefile(path):
        raise CliError(f"{path}: the file to import is the installed key itself")
    if path.exists():
        if read_key(path) == key:
            print(f"{path}: this key is already installed")
            return EXIT_OK
        if not args.force:
            raise CliError(f"{path}: a different practice key is installed; use --force to replace it")
    write_key(path, key, overwrite=True)
    print(f"{path}: practice key installed")
    return EXIT_OK


def run_reveal(args: argparse.Namespace) -> int:
    """The patient's row in the user's own directory; the name itself only on the user's terminal."""
    directory = load_directory(read_bytes(args.directory, "patient directory"), args.directory)
    key = load_key(args.key_file)
    matches = reveal_all(key, args.pseudonym, [p.patient_key for p in directory.patients])
    if not matches:
        sys.stderr.write(f"medseal: no patient of {args.directory} has this pseudonym\n")
        return EXIT_FINDINGS
    for patient_key in matches:
        person = directory.by_key(patient_key)
        if person is None:
            continue
        row = f"{args.directory}, line {person.line}"
        if sys.stdout.isatty():
            print(f"{row}: {person.last_name.upper()} {person.first_name}")
        else:
            print(f"{row}: {initials(person.first_name + ' ' + person.last_name)}")
    return EXIT_OK
