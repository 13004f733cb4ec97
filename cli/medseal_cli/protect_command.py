"""``medseal protect``: write the protected version of a message (or refuse, with the reasons)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from medseal.compose import ENVELOPE_HEADER, to_bytes
from medseal.crypto.passwords import FLOOR_BITS, assess_access_code
from medseal.i18n import t
from medseal.parse import parse_message
from medseal.protect import Action, Outgoing, ProtectOptions, ProtectResult, protect_message
from medseal.scan import ScanContext
from medseal_cli.commands import help_for
from medseal_cli.context import (
    check_recipients_codes,
    key_path,
    load_context,
    load_key,
    read_bytes,
    resolve_language,
)
from medseal_cli.errors import EXIT_FINDINGS, EXIT_OK, CliError
from medseal_cli.outputs import Outputs, write_file
from medseal_cli.report import describe


def add_protect_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by ``protect`` and ``send``."""
    parser.add_argument("--directory", metavar="CSV", help="patient directory (UTF-8 CSV)")
    parser.add_argument("--config", metavar="TOML", help="practice policy file")
    parser.add_argument(
        "--key-file", metavar="FILE", help="practice key (default: $XDG_CONFIG_HOME/medseal/key)"
    )
    parser.add_argument("--password-file", metavar="FILE", help="use the password in this file")
    parser.add_argument("--password-out", metavar="FILE", help="write the password(s) to hand over here")
    parser.add_argument(
        "--recipient-cert", metavar="PEM", action="append", default=[], help="S/MIME certificate (repeatable)"
    )
    parser.add_argument(
        "--fix-recipients", action="store_true", help="drop wrong/needless recipients, hide patients"
    )
    parser.add_argument("--lang", choices=("fr", "nl", "de", "en"), help="language of messages and notices")
    parser.add_argument("--audit", metavar="FILE", help="append the decision to this audit log")
    parser.add_argument(
        "--force", action="store_true", help="replace existing output files (never an input or the key)"
    )


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("protect", help=help_for("protect"))
    parser.add_argument("file", metavar="FILE", help="message (.eml) or - for stdin")
    parser.add_argument("-o", "--output", metavar="OUT.eml", help="where to write the protected message")
    parser.add_argument("--json", action="store_true", help="a JSON summary on stdout")
    parser.add_argument("--ehealthbox-export", metavar="DIR", help="write what the eHealthBox form needs")
    add_protect_options(parser)
    parser.set_defaults(run=run)


def _password(path: str | None) -> str | None:
    if not path:
        return None
    raw = read_bytes(path, "password file")
    try:
        password = raw.decode("utf-8").strip("\r\n")
    except UnicodeDecodeError:
        raise CliError(f"{path}: the password file must be UTF-8 text") from None
    strength = assess_access_code(password)
    if not strength.acceptable:
        raise CliError(
            f"{path}: this password is too weak to protect an envelope ({t(strength.reason, 'en')}; "
            f"{strength.bits:.0f} bits, at least {FLOOR_BITS:.0f} needed)"
        )
    return password


def options_from(args: argparse.Namespace, language: str) -> ProtectOptions:
    certificates = tuple(read_bytes(p, "certificate") for p in args.recipient_cert)
    for path, pem in zip(args.recipient_cert, certificates, strict=True):
        if b"-----BEGIN CERTIFICATE-----" not in pem:
            raise CliError(f"{path}: not a PEM certificate")
    return ProtectOptions(
        key=load_key(args.key_file),
        language=language,
        password=_password(args.password_file),
        recipient_certificates=certificates,
        fix_recipients=args.fix_recipients,
    )


def protect_bytes(
    raw: bytes, context: ScanContext, options: ProtectOptions
) -> tuple[ProtectResult, list[bytes]]:
    """Protect one raw message; the RFC 5322 bytes of each message to send."""
    result = protect_message(parse_message(raw), context, options)
    return result, [render(outgoing, {}) for outgoing in result.outgoing]


def render(outgoing: Outgoing, headers: dict[str, str]) -> bytes:
    """Bytes of one outgoing message: S/MIME replaces the whole body with the enveloped entity."""
    extra = dict(headers)
    if outgoing.envelope.value != "none":
        extra[ENVELOPE_HEADER] = f"{outgoing.envelope.value}; v=1"
    if outgoing.smime_entity is None:
        return to_bytes(outgoing.message, extra)
    import email
    import email.policy

    outer = email.message_from_bytes(to_bytes(outgoing.message, extra), policy=email.policy.SMTP)
    entity = email.message_from_bytes(outgoing.smime_entity, policy=email.policy.SMTP)
    for name in ("Content-Type", "Content-Transfer-Encoding", "Content-Disposition", "Content-Description"):
        del outer[name]
        for value in entity.get_all(name, []):
            outer[name] = value
    outer.set_payload(entity.get_payload())
    return outer.as_bytes()


def output_paths(output: str, count: int) -> list[Path]:
    base = Path(output)
    if count == 1:
        return [base]
    return [base.with_name(f"{base.stem}-{i + 1}{base.suffix}") for i in range(count)]


def report_result(result: ProtectResult, language: str) -> None:
    """The human summary, on stderr (stdout may carry the message or JSON)."""
    for finding in result.verdict.findings:
        sys.stderr.write(f"  - {describe(finding, language)}\n")
    for reason in result.reasons:
        sys.stderr.write(f"medseal: {reason}\n")


#: The kinds of password a protected message can use (what every answer says instead of the value).
PASSWORD_KINDS = {"access_code": "access_code", "generated": "generated", "given": "supplied"}


def password_kind(outgoing: Outgoing) -> str | None:
    return PASSWORD_KINDS.get(outgoing.password_source or "", outgoing.password_source)


def password_entries(result: ProtectResult, labels: list[str], *, with_values: bool) -> list[dict[str, str | None]]:
    """Per protected message: its label, the kind of password and, for generated ones only, the value."""
    return [
        {
            "message": label,
            "kind": password_kind(o),
            "password": o.password if with_values and o.password_source == "generated" else None,
        }
        for label, o in zip(labels, result.outgoing, strict=True)
        if o.password
    ]


def passwords_text(entries: list[tuple[str, Outgoing]]) -> bytes:
    """The ``--password-out`` file: one password, or ``NAME<TAB>PASSWORD`` lines for several messages."""
    if len(entries) == 1:
        return f"{entries[0][1].password}\n".encode()
    return "".join(f"{name}\t{o.password}\n" for name, o in entries).encode()


def say_passwords(entries: list[tuple[str, Outgoing]], language: str) -> None:
    """On stderr, once: each generated password to hand over; for access codes, only that one is used."""
    for _name, outgoing in entries:
        if outgoing.password_source == "generated":
            sys.stderr.write(t("password.handover", language, password=outgoing.password) + "\n")
        elif outgoing.password_source == "access_code":
            sys.stderr.write(t("password.access_code", language) + "\n")


def run(args: argparse.Namespace) -> int:
    context = load_context(args.directory, args.config)
    language = resolve_language(args.lang, context.policy)
    outputs = Outputs(
        force=args.force,
        inputs=[args.file, args.directory, args.config, args.password_file, *args.recipient_cert],
        key_file=key_path(args.key_file),
    )
    if args.output:
        outputs.claim(args.output, "-o")
    password_out = outputs.claim(args.password_out, "--password-out") if args.password_out else None
    audit = outputs.claim(args.audit, "--audit", append=True) if args.audit else None
    options = options_from(args, language)
    raw = sys.stdin.buffer.read() if args.file == "-" else read_bytes(args.file, "message")
    check_recipients_codes(context, args.directory, parse_message(raw).recipients)
    result, messages = protect_bytes(raw, context, options)
    report_result(result, language)
    paths: list[Path] = []
    if result.action is not Action.BLOCK:
        if args.output:
            paths = output_paths(args.output, len(messages))
            outputs.claimed = [c for c in outputs.claimed if c[1] != "-o"]
            for path in paths:
                outputs.claim(path, "-o")
        elif len(messages) != 1 or args.json:
            raise CliError("several messages (or --json): give -o OUT.eml to write them")
    if args.ehealthbox_export and result.action is Action.BLOCK:
        from medseal_cli.ehealthbox import export_for_ehealthbox

        export_for_ehealthbox(Path(args.ehealthbox_export), parse_message(raw), result, outputs)
    labels = [str(p) for p in paths] or ["-"] * len(result.outgoing)
    entries = [(label, o) for label, o in zip(labels, result.outgoing, strict=True) if o.password]
    if result.action is not Action.BLOCK:
        for path, data in zip(paths, messages, strict=True):
            write_file(path, data)
        if password_out is not None and entries:
            write_file(password_out, passwords_text(entries), 0o600)
        if not paths:
            sys.stdout.buffer.write(messages[0])
            sys.stdout.flush()
        if not args.json and password_out is None:
            say_passwords(entries, language)
    head = None
    if audit is not None:
        from medseal_cli.audit_log import audit_protect

        head = audit_protect(str(audit), "protect", result, key=options.key, policy=context.policy)
        if not args.json:
            sys.stderr.write(f"medseal: audit head {head} (note it to check the log later: --expect-head)\n")
    if args.json:
        summary = {
            "source": args.file,
            "verdict": result.verdict.label,
            "action": result.action.value,
            "findings": [f.public() for f in result.verdict.findings],
            "reasons": list(result.reasons),
            "pseudonyms": list(result.pseudonyms),
            "outputs": [str(p) for p in paths],
            "envelopes": [o.envelope.value for o in result.outgoing],
            "audit_head": head,
            # the one answer that carries a generated password (unless it went to --password-out)
            "passwords": password_entries(
                result, labels, with_values=password_out is None and result.action is not Action.BLOCK
            ),
        }
        json.dump(summary, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    return EXIT_FINDINGS if result.action is Action.BLOCK else EXIT_OK
