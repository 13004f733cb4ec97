"""``medseal open``: the recipient's side — decrypt a protected message into a folder."""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path, PurePath

from medseal.envelope.opening import open_message
from medseal_cli.context import read_bytes
from medseal_cli.errors import EXIT_OK, CliError


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("open", help="decrypt a protected message (recipient side)")
    parser.add_argument("file", metavar="FILE.eml")
    secret = parser.add_mutually_exclusive_group(required=True)
    secret.add_argument("--password-file", metavar="FILE", help="the password handed over to you")
    secret.add_argument("--key", metavar="PEM", help="your S/MIME private key (with --cert)")
    parser.add_argument("--cert", metavar="PEM", help="your S/MIME certificate")
    parser.add_argument("-o", "--output", metavar="DIR", required=True, help="folder to write into")
    parser.set_defaults(run=run)


def safe_name(name: str, taken: set[str]) -> str:
    """A plain file name inside the output folder: no folders, no dot files, no clashes."""
    base = PurePath(name.replace("\\", "/")).name.lstrip(".") or "attachment"
    candidate, counter = base, 2
    stem, dot, ext = base.rpartition(".")
    while candidate.lower() in taken:
        candidate = f"{stem}-{counter}.{ext}" if dot else f"{base}-{counter}"
        counter += 1
    taken.add(candidate.lower())
    return candidate


def run(args: argparse.Namespace) -> int:
    raw = read_bytes(args.file, "message")
    if args.key and not args.cert:
        raise CliError("--key needs --cert (your S/MIME certificate)")
    password = None
    if args.password_file:
        password = read_bytes(args.password_file, "password file").decode("utf-8", "replace").strip("\r\n")
    opened = open_message(
        raw,
        password=password,
        key_pem=read_bytes(args.key, "private key") if args.key else None,
        cert_pem=read_bytes(args.cert, "certificate") if args.cert else None,
    )
    target = Path(args.output)
    target.mkdir(parents=True, exist_ok=True)
    # Write everything into a scratch folder first: on any failure, nothing partial is left behind.
    scratch = Path(tempfile.mkdtemp(prefix=".medseal-open-", dir=target))
    try:
        taken = {p.name.lower() for p in target.iterdir()}
        files: list[tuple[str, bytes]] = []
        if opened.body_text is not None:
            files.append(("body.txt", opened.body_text.encode("utf-8")))
        if opened.body_html is not None:
            files.append(("body.html", opened.body_html.encode("utf-8")))
        files += [(a.filename, a.data) for a in opened.attachments]
        names = []
        for name, data in files:
            final = safe_name(name, taken)
            (scratch / final).write_bytes(data)
            names.append(final)
        for final in names:
            (scratch / final).replace(target / final)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    for final in names:
        print(target / final)
    return EXIT_OK
