"""``medseal send``: a sendmail-compatible entry that scans, protects and relays over SMTP with STARTTLS.

What policy blocks is never relayed; a clean message is relayed byte for byte (Bcc removed); a protected one
goes as its protected version(s). The SMTP server comes from the ``[smtp]`` table of ``--config``.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from medseal.parse import parse_message
from medseal.protect import Action, protect_message
from medseal_cli.context import load_context, resolve_language
from medseal_cli.errors import EXIT_FINDINGS, EXIT_OK, CliError
from medseal_cli.protect_command import (
    add_protect_options,
    options_from,
    render,
    report_result,
    write_passwords,
)
from medseal_cli.sendmail import add_sendmail_arguments, envelope_from, read_message, sendmail_args, strip_bcc
from medseal_cli.smtp import SmtpConfig, relay


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("send", help="sendmail-compatible: scan, protect and relay over SMTP")
    add_protect_options(parser)
    add_sendmail_arguments(parser)
    parser.set_defaults(run=run, intermixed=True)


def run(args: argparse.Namespace) -> int:
    sm = sendmail_args(args)
    context = load_context(args.directory, args.config)
    if not context.policy.smtp:
        raise CliError(
            "no [smtp] table in the policy file (--config): medseal send needs the outgoing server"
        )
    config = SmtpConfig.from_mapping(context.policy.smtp)
    language = resolve_language(args.lang, context.policy)
    options = options_from(args, language)
    raw = read_message(sys.stdin.buffer, ignore_dots=sm.ignore_dots)
    sender, recipients, without_bcc = envelope_from(raw, sm)

    message = parse_message(raw)
    # Every envelope recipient is checked, including those only given as arguments (they travel as Bcc).
    known = {a.lower() for a in message.recipients}
    extra = tuple(a for a in recipients if a.lower() not in known)
    message = replace(message, bcc=message.bcc + extra)
    result = protect_message(message, context, options)
    report_result(result, language)
    if args.audit:
        from medseal_cli.audit_log import audit_protect

        audit_protect(args.audit, "send", result)
    if result.action is Action.BLOCK:
        sys.stderr.write("medseal: not sent\n")
        return EXIT_FINDINGS
    if result.action is Action.SEND:
        relay(without_bcc, sender, recipients, config)
        return EXIT_OK
    rendered = [(outgoing, strip_bcc(render(outgoing, {}))) for outgoing in result.outgoing]
    for outgoing, data in rendered:
        relay(data, sender, list(outgoing.message.recipients), config)
    write_passwords(
        result, [Path(f"message-{i + 1}") for i in range(len(rendered))], args.password_out, language
    )
    return EXIT_OK
