"""``medseal open``: the recipient's side — decrypt a protected message into a folder."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from medseal.envelope.opening import open_message
from medseal_cli.commands import help_for
from medseal_cli.context import read_bytes
from medseal_cli.errors import EXIT_OK, CliError
from medseal_cli.outputs import Outputs, safe_name, write_file


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("open", help=help_for("open"))
    parser.add_argument("file", metavar="FILE.eml")
    secret = parser.add_mutually_exclusive_group(required=True)
    secret.add_argument("--password-file", metavar="FILE", help="the password handed over to you")
    secret.add_argument("--key", metavar="PEM", help="your S/MIME private key (with --cert)")
    parser.add_argument("--cert", metavar="PEM", help="your S/MIME certificate")
    parser.add_argument("-o", "--output", metavar="DIR", required=True, help="folder to write into")
    parser.add_argument("--force", action="store_true", help="replace files of the same name in DIR")
    parser.add_argument("--json", action="store_true", help="a JSON summary on stdout")
    parser.set_defaults(run=run)


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
    outputs = Outputs(force=args.force, inputs=[args.file, args.password_file, args.key, args.cert])
    files: list[tuple[str, bytes]] = []
    if opened.body_text is not None:
        files.append(("body.txt", opened.body_text.encode("utf-8")))
    if opened.body_html is not None:
        files.append(("body.html", opened.body_html.encode("utf-8")))
    files += [(a.filename, a.data) for a in opened.attachments]
    taken: set[str] = set()
    names = [safe_name(name, taken) for name, _ in files]
    paths = outputs.claim_folder(Path(args.output), names, "-o")
    for path, (_name, data) in zip(paths, files, strict=True):
        write_file(path, data)
    beside = [{"name": a.filename, "type": a.content_type, "size": len(a.data)} for a in opened.beside]
    for part in beside:
        sys.stderr.write(
            f"medseal: {part['name']} ({part['size']} bytes) travelled in clear beside the envelope, not inside "
            "it: anyone on the way could have added or changed it; it was not written\n"
        )
    if args.json:
        json.dump({"envelope": opened.envelope, "files": [str(p) for p in paths], "outside_envelope": beside},
                  sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        for path in paths:
            print(path)
    return EXIT_OK
