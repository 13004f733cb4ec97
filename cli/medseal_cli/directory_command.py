"""``medseal directory check | codes``: weak access codes by CSV line; new codes and printable cards.

``codes`` gives every patient without a code, or with a weak one, a fresh 80-bit code (``kq7m-3xtp-9wfa-c4rh``)
and writes two files: the new directory (``-o``, never over the input unless ``--force``) and the access-code
cards (``--cards``, one page per patient in the patient's language, else the practice's). The codes are
written to those two files only, never printed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from medseal.access_cards import Card, build_cards
from medseal.directory import (
    access_code_strength,
    load_directory,
    needing_codes,
    new_access_code,
    weak_access_codes,
    with_access_codes,
)
from medseal.i18n import t
from medseal_cli.commands import help_for
from medseal_cli.context import load_context, read_bytes, resolve_language
from medseal_cli.errors import EXIT_FINDINGS, EXIT_OK, CliError
from medseal_cli.outputs import Outputs, write_file


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("directory", help=help_for("directory"))
    actions = parser.add_subparsers(dest="directory_action", required=True, metavar="check|codes")
    check = actions.add_parser("check", help="list the lines whose access code is too weak")
    check.add_argument("--directory", metavar="CSV", required=True)
    check.set_defaults(run=run_check)
    codes = actions.add_parser("codes", help="new codes for patients with none or a weak one, and their cards")
    codes.add_argument("--directory", metavar="CSV", required=True)
    codes.add_argument("-o", "--output", metavar="NEW.csv", help="the new directory (default: the input, with --force)")
    codes.add_argument("--cards", metavar="CARDS.pdf", required=True, help="printable access-code cards")
    codes.add_argument("--config", metavar="TOML", help="practice policy (its language for the cards)")
    codes.add_argument("--lang", choices=("fr", "nl", "de", "en"), help="language of cards without a patient's own")
    codes.add_argument("--force", action="store_true", help="replace existing files (the input too, if -o names it)")
    codes.set_defaults(run=run_codes)


def run_check(args: argparse.Namespace) -> int:
    directory = load_directory(read_bytes(args.directory, "patient directory"), args.directory)
    weak = weak_access_codes(directory)
    for person, strength in weak:
        print(f"{args.directory}, line {person.line}: {t(strength.reason, 'en')} ({strength.bits:.0f} bits)")
    missing = [p for p in directory.patients if not p.access_code]
    print(f"{args.directory}: {len(weak)} weak access code(s), {len(missing)} patient(s) without one")
    return EXIT_FINDINGS if weak else EXIT_OK


def run_codes(args: argparse.Namespace) -> int:
    raw = read_bytes(args.directory, "patient directory")
    directory = load_directory(raw, args.directory)
    language = resolve_language(args.lang, load_context(None, args.config).policy)
    target = args.output or args.directory
    if not args.output and not args.force:
        raise CliError("give -o NEW.csv for the new directory (or --force to replace the input)")
    outputs = Outputs(force=args.force, inputs=[args.config] + ([args.directory] if args.output else []))
    csv_out = outputs.claim(target, "-o")
    cards_out = outputs.claim(args.cards, "--cards")
    if Path(args.cards).resolve() == Path(args.directory).resolve():
        raise CliError(f"{args.cards}: --cards would overwrite the directory")
    people = needing_codes(directory)
    if not people:
        sys.stderr.write(f"medseal: {args.directory}: every patient has a strong access code; nothing written\n")
        return EXIT_OK
    codes = {person.line: new_access_code(person) for person in people}
    cards = [
        Card(
            holder=f"{person.first_name} {person.last_name}",
            code=codes[person.line],
            language=person.language or language,
        )
        for person in people
    ]
    text = raw.decode("utf-8")
    updated = with_access_codes(text, codes)
    check = load_directory(updated.encode("utf-8"), str(target))
    if any(not access_code_strength(p).acceptable for p in check.patients if p.line in codes):
        raise CliError("internal check failed: a new code did not land in its row; nothing written")
    write_file(cards_out, build_cards(cards), 0o600)
    write_file(csv_out, updated.encode("utf-8"), 0o600)
    sys.stderr.write(
        f"medseal: {len(people)} new access code(s) (lines {', '.join(str(p.line) for p in people)}) "
        f"written to {csv_out}; print {cards_out}, hand each card over at the desk, then delete the file\n"
    )
    return EXIT_OK
