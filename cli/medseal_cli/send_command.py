"""``medseal send``: a sendmail-compatible entry that scans, protects and relays over SMTP with STARTTLS.

What policy blocks is never relayed; a clean message is relayed byte for byte (Bcc removed); a protected one
goes as its protected version(s). The SMTP server comes from the ``[smtp]`` table of ``--config``.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from medseal.parse import parse_message
from medseal.protect import Action, Outgoing, protect_message
from medseal_cli.commands import help_for
from medseal_cli.context import check_recipients_codes, key_path, load_context, resolve_language
from medseal_cli.errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, CliError
from medseal_cli.outputs import Outputs, write_file
from medseal_cli.protect_command import (
    add_protect_options,
    options_from,
    passwords_text,
    render,
    report_result,
    say_passwords,
)
from medseal_cli.sendmail import add_sendmail_arguments, envelope_from, read_message, sendmail_args, strip_bcc
from medseal_cli.smtp import RelayError, SmtpConfig, relay


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("send", help=help_for("send"))
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
    outputs = Outputs(
        force=args.force,
        inputs=[args.directory, args.config, args.password_file, *args.recipient_cert],
        key_file=key_path(args.key_file),
    )
    password_out = outputs.claim(args.password_out, "--password-out") if args.password_out else None
    audit = str(outputs.claim(args.audit, "--audit", append=True)) if args.audit else None
    options = options_from(args, language)
    raw = read_message(sys.stdin.buffer, ignore_dots=sm.ignore_dots)
    sender, recipients, without_bcc = envelope_from(raw, sm)

    message = parse_message(raw)
    # Every envelope recipient is checked, including those only given as arguments (they travel as Bcc).
    known = {a.lower() for a in message.recipients}
    extra = tuple(a for a in recipients if a.lower() not in known)
    message = replace(message, bcc=message.bcc + extra)
    check_recipients_codes(context, args.directory, message.recipients)
    result = protect_message(message, context, options)
    report_result(result, language)

    def log(sent: list[Outgoing] | None = None) -> None:
        if audit:
            from medseal_cli.audit_log import audit_protect

            audit_protect(audit, "send", result, key=options.key, policy=context.policy, outgoing=sent)

    if result.action is Action.BLOCK:
        log()
        sys.stderr.write("medseal: not sent\n")
        return EXIT_FINDINGS
    if result.action is Action.SEND:
        relay(without_bcc, sender, recipients, config)
        log()
        return EXIT_OK
    rendered = [(outgoing, strip_bcc(render(outgoing, {}))) for outgoing in result.outgoing]
    delivered: list[Outgoing] = []
    failure: RelayError | None = None
    for outgoing, data in rendered:
        try:
            relay(data, sender, list(outgoing.message.recipients), config)
        except RelayError as exc:
            failure = exc
            break
        delivered.append(outgoing)
    log(delivered)
    # The passwords of what really left, whatever happened next: nobody can open those messages without them.
    entries = [(f"message-{i + 1}", o) for i, o in enumerate(delivered) if o.password]
    if entries:
        if password_out is not None:
            write_file(password_out, passwords_text(entries), 0o600)
        else:
            say_passwords(entries, language)
    if failure is None:
        return EXIT_OK
    if not delivered:
        raise failure
    total = len(rendered)
    for number, (outgoing, _data) in enumerate(rendered, start=1):
        state = "delivered" if number <= len(delivered) else (
            f"refused ({failure})" if number == len(delivered) + 1 else "not sent"
        )
        sys.stderr.write(
            f"medseal: message {number} of {total} to {', '.join(outgoing.message.recipients)}: {state}\n"
        )
    if password_out is not None and entries:
        sys.stderr.write(f"medseal: the passwords of the delivered messages are in {password_out}\n")
    return EXIT_INPUT
