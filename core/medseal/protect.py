"""Protection: turn a risky message into one that follows the Belgian guidance, or block it with reasons.

Applies, in order: recipient fixes (when asked), the pseudonymised subject and file names, then the envelope
each recipient can open — the front's own S/MIME or OpenPGP (``native``), S/MIME to given certificates, or a
password-protected AES-256 PDF (``message.pdf`` for the body and non-PDF files, each PDF re-encrypted as a PDF).
What protect cannot fix (an eHealthBox recipient, a mistyped domain, a misdirected or exposing message without
``fix_recipients``) blocks.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from email.utils import format_datetime, getaddresses, parsedate_to_datetime
from typing import TYPE_CHECKING

from medseal.compose import CLEAR_HEADERS
from medseal.crypto.passwords import generate_password
from medseal.crypto.pseudonym import normalise_identity, pseudonym
from medseal.directory import Directory
from medseal.errors import InputError
from medseal.i18n import LANGUAGES, normalise_language, t
from medseal.model import IDENTIFIER_KINDS, Attachment, Finding, Fix, Header, Kind, Level, Message, Verdict, Where
from medseal.policy import assess, blocker_reason
from medseal.recognise import is_protected_attachment
from medseal.rules import Policy
from medseal.scan import ScanContext
from medseal.subject import names_identifier, pseudonymise_filename, pseudonymise_subject

if TYPE_CHECKING:
    from medseal.envelope.letter import LetterHead


class Action(enum.StrEnum):
    SEND = "send"  # nothing to change
    APPLY = "apply"  # send the protected version
    BLOCK = "block"  # do not send


class Envelope(enum.StrEnum):
    NONE = "none"
    PDF_PASSWORD = "pdf-password"
    SMIME = "smime"
    NATIVE = "native"


@dataclass(frozen=True)
class ProtectOptions:
    """How to protect: the practice key, the user's language, and what the user chose or supplied."""

    key: bytes = field(repr=False)
    language: str = "fr"
    password: str | None = field(default=None, repr=False)
    recipient_certificates: tuple[bytes, ...] = field(default=(), repr=False)
    fix_recipients: bool = False
    native_encryption: frozenset[str] = frozenset()
    smime: bool = True  # False for compose-window fronts, which cannot send a prepared S/MIME entity
    dry_run: bool = False  # decide everything, encrypt nothing (previews)


@dataclass(frozen=True)
class Outgoing:
    """One message to send. ``smime_entity`` replaces the MIME body for S/MIME."""

    message: Message
    envelope: Envelope
    password: str | None = field(default=None, repr=False)
    password_source: str | None = None
    smime_entity: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class ProtectResult:
    verdict: Verdict
    action: Action
    outgoing: tuple[Outgoing, ...]
    reasons: tuple[str, ...]
    pseudonyms: tuple[str, ...]
    subject: str = ""  # the pseudonymised subject, computed even when blocked (eHealthBox export)
    renamed: Mapping[int, str] = field(default_factory=dict)
    blocked_by: tuple[Kind, ...] = ()

    @property
    def passwords(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(o.password for o in self.outgoing if o.password))


def _identity(patient_key: str) -> str | None:
    """``patient_key`` as an identity a pseudonym can be made of, or None. A name key with a first name only
    (``name:|gerard``: "mevrouw Gérard", a surname that is also a first name) stands for that surname."""
    last, bar, first = patient_key.removeprefix("name:").partition("|")
    candidates = [patient_key]
    if patient_key.startswith("name:") and bar and not last.strip() and first.strip():
        candidates.append(f"name:{first}|")
    for candidate in candidates:
        try:
            normalise_identity(candidate)
        except InputError:
            continue
        return candidate
    return None


def _patient_pseudonyms(findings: Sequence[Finding], key: bytes) -> dict[str, str]:
    """One pseudonym per patient the findings are about; a key no identity can be made of gets none (its
    text is still cut out of the subject and the file names)."""
    table: dict[str, str] = {}
    for finding in findings:
        if finding.kind not in IDENTIFIER_KINDS or not finding.patient_key or finding.patient_key in table:
            continue
        identity = _identity(finding.patient_key)
        if identity is not None:
            table[finding.patient_key] = pseudonym(key, identity)
    return table


# --- the clear headers: an allowlist --------------------------------------------------------------------------

_MSG_IDS = re.compile(r"^(?:\s*<[\x21-\x3b\x3d\x3f-\x7e]{1,250}>)+\s*$")


def clear_headers(message: Message, verdict: Verdict) -> tuple[Header, ...]:
    """The original's header fields that may travel in clear: those of :data:`~medseal.compose.CLEAR_HEADERS`
    at the message's top level that no finding was made in — the date re-written from its parse, message ids
    only when they are message ids, ``Reply-To`` as bare addresses (display names never travel). Everything
    else (``X-…``, ``Comments``, ``Keywords``, a second ``Subject``, display names, ``Content-Description``...)
    is dropped: the outgoing message is rebuilt from the model, with pseudonymised subject and file names."""
    tainted = {f.part for f in verdict.findings if f.where is Where.HEADER}
    allowed = {name.lower(): name for name in CLEAR_HEADERS}
    kept: dict[str, Header] = {}
    for index, header in enumerate(message.headers):
        name = header.name.lower()
        if name not in allowed or name in kept or index in tainted:
            continue
        value = _clear_value(name, header.value)
        if value:
            kept[name] = Header(allowed[name], value)
    return tuple(kept.values())


def _clear_value(name: str, value: str) -> str:
    if name == "date":
        try:
            return format_datetime(parsedate_to_datetime(value))
        except (TypeError, ValueError, IndexError, OverflowError):
            return ""
    if name == "reply-to":
        addresses = [a for _n, a in getaddresses([value]) if "@" in a and a.isascii() and " " not in a]
        return ", ".join(addresses)
    if not _MSG_IDS.match(value) or any(_national_number(run) for run in _ELEVEN_DIGITS.findall(value)):
        return ""  # not message ids, or one holds what could be a national number whatever stands around it
    return " ".join(value.split())


_ELEVEN_DIGITS = re.compile(r"(?<!\d)\d{11}(?!\d)")


def _national_number(digits: str) -> bool:
    from stdnum.be import bis, nn

    return bool(nn.is_valid(digits) or bis.is_valid(digits))


def _pseudonyms_for(findings: Sequence[Finding], table: Mapping[str, str]) -> list[str]:
    own = [table[f.patient_key] for f in findings if f.patient_key in table]
    return own or list(table.values())[:1]


def _recipient_groups(
    message: Message, verdict: Verdict, directory: Directory, mode: str, options: ProtectOptions
) -> tuple[list[Message], list[str]]:
    """Apply ``fix_recipients``: drop misdirected and needless Cc recipients, separate patients."""
    reasons: list[str] = []
    if not options.fix_recipients:
        return [message], reasons
    kinds = {f.kind for f in verdict.findings}
    about = {f.patient_key for f in verdict.findings if f.patient_key}

    def wrong(address: str) -> bool:
        person = directory.patient_by_email(address)
        return Kind.RECIPIENT_MISMATCH in kinds and person is not None and person.patient_key not in about

    to = [a for a in message.to if not wrong(a)]
    cc = [a for a in message.cc if not wrong(a)]
    bcc = [a for a in message.bcc if not wrong(a)]
    if Kind.TOO_MANY_RECIPIENTS in kinds and cc:
        cc = []
        reasons.append("reason.cc_dropped")

    def is_patient(address: str) -> bool:
        return directory.patient_by_email(address) is not None

    patients = [a for a in to + cc if is_patient(a)]
    if Kind.PATIENTS_EXPOSED not in kinds or len(patients) < 2:
        return [replace(message, to=tuple(to), cc=tuple(cc), bcc=tuple(bcc))], reasons
    others_to = [a for a in to if not is_patient(a)]
    others_cc = [a for a in cc if not is_patient(a)]
    if mode == "split":
        reasons.append("reason.recipients_split")
        groups = [replace(message, to=(p,), cc=(), bcc=()) for p in patients]
        if others_to or others_cc or bcc:
            groups.append(replace(message, to=tuple(others_to), cc=tuple(others_cc), bcc=tuple(bcc)))
        return groups, reasons
    reasons.append("reason.recipients_bcc")
    visible_to = others_to or ([message.sender] if message.sender else [])
    return [replace(message, to=tuple(visible_to), cc=tuple(others_cc), bcc=tuple(bcc + patients))], reasons


def _split_by_access_code(message: Message, directory: Directory, options: ProtectOptions) -> list[Message]:
    """Recipients who have their own access code get their own message (one password per message)."""
    if options.password:
        return [message]
    coded = [a for a in message.recipients if (p := directory.by_email(a)) is not None and p.access_code]
    if not coded or (len(coded) == 1 and len(message.recipients) == 1):
        return [message]
    groups = [replace(message, to=(a,), cc=(), bcc=()) for a in coded]
    rest = [a for a in message.recipients if a not in coded]
    if rest:
        groups.append(
            replace(
                message,
                to=tuple(a for a in message.to if a in rest),
                cc=tuple(a for a in message.cc if a in rest),
                bcc=tuple(a for a in message.bcc if a in rest),
            )
        )
    return groups


def _password_for(message: Message, directory: Directory, options: ProtectOptions) -> tuple[str, str]:
    if options.password:
        return options.password, "given"
    if len(message.recipients) == 1:
        person = directory.by_email(message.recipients[0])
        if person is not None and person.access_code:
            return person.access_code, "access_code"
    return generate_password(), "generated"


def _directory_certificates(message: Message, directory: Directory) -> tuple[bytes, ...] | None:
    certificates = []
    for address in message.recipients:
        person = directory.by_email(address)
        if person is None or not person.certificate.startswith("-----BEGIN CERTIFICATE-----"):
            return None
        certificates.append(person.certificate.encode())
    return tuple(certificates) or None


def _recipient_language(message: Message, directory: Directory) -> str:
    """The language every recipient reads according to the directory, or "" (unknown, or several)."""
    languages = set()
    for address in message.recipients:
        person = directory.by_email(address)
        languages.add(person.language if person is not None else "")
    return languages.pop() if len(languages) == 1 else ""


@dataclass(frozen=True)
class _Writer:
    """Who the envelope comes from and in which languages it speaks: ``letter`` the language of the letter,
    ``notice`` those of the clear e-mail (the recipient's, or all four with the practice's first)."""

    letter: str
    notice: tuple[str, ...]
    practice: str
    contact: str


def _writer(message: Message, directory: Directory, policy: Policy, language: str) -> _Writer:
    practice_language = normalise_language(policy.language or language)
    known = _recipient_language(message, directory)
    notice = (known,) if known else (practice_language, *(x for x in LANGUAGES if x != practice_language))
    contact = policy.practice_contact or message.sender
    return _Writer(known or practice_language, notice, policy.practice_name, contact)


def notice_text(languages: Sequence[str], pseudonyms: Sequence[str], practice: str = "", contact: str = "") -> str:
    """The clear e-mail that carries the envelope: medseal's neutral text, the practice and how to reach it
    (never a patient), in each of ``languages`` (more than one: each under its language's name)."""
    parts = []
    for lang in languages:
        text = t("notice.body", lang, reference=", ".join(pseudonyms) or "—").rstrip("\n") + "\n"
        sender = [t("notice.sender", lang, practice=practice)] if practice else []
        reach = [t("notice.contact", lang, contact=contact)] if contact else []
        if sender or reach:
            text += "\n" + "\n".join(sender + reach) + "\n"
        if len(languages) > 1:
            text = f"--- {t('notice.language_heading', lang)} ---\n\n{text}"
        parts.append(text)
    return "\n".join(parts)


def _letter_head(message: Message, writer: _Writer) -> LetterHead:
    from medseal.envelope.letter import LetterHead  # the envelope (and pypdf) only when one is made

    date = next((h.value for h in message.headers if h.name.lower() == "date"), "")
    try:
        day = parsedate_to_datetime(date).date() if date else None
    except (TypeError, ValueError, IndexError, OverflowError):
        day = None
    return LetterHead(
        sender=message.sender_name,
        sender_address=message.sender,
        practice=writer.practice,
        contact=writer.contact if writer.contact != message.sender else "",
        date=day,
        language=writer.letter,
    )


def _pdf_envelope(
    message: Message,
    renamed: Mapping[int, str],
    password: str,
    writer: _Writer,
    pseudonyms: Sequence[str],
    original_subject: str,
) -> Message:
    """Body and non-PDF files into one encrypted ``message.pdf`` (a letter under the original subject); each
    PDF re-encrypted as a PDF under its pseudonymised name. ``message`` still holds the original
    attachments, which travel only encrypted (an envelope forwarded from an earlier message goes inside
    ``message.pdf`` unchanged)."""
    from medseal.envelope.pdf import seal

    sealed = seal(
        message.text_body,
        message.html_body,
        message.attachments,
        password,
        title=original_subject,
        outer_names=[renamed.get(i, a.filename) for i, a in enumerate(message.attachments)],
        head=_letter_head(message, writer),
    )
    text = notice_text(writer.notice, pseudonyms, writer.practice, writer.contact)
    return replace(message, text_body=text, html_body=None, attachments=sealed)


def _envelope_preview(
    message: Message, renamed: Mapping[int, str], writer: _Writer, pseudonyms: Sequence[str]
) -> Message:
    """What :func:`_pdf_envelope` would send, without encrypting: names only, no bytes."""
    names = ["message.pdf"] + [
        renamed.get(i, a.filename) for i, a in enumerate(message.attachments) if a.data.lstrip()[:5] == b"%PDF-"
    ]
    attachments = tuple(Attachment(name, "application/pdf", b"") for name in names)
    text = notice_text(writer.notice, pseudonyms, writer.practice, writer.contact)
    return replace(message, text_body=text, html_body=None, attachments=attachments)


def _smime_envelope(message: Message, certificates: Sequence[bytes]) -> bytes:
    """The whole content (original body and attachments) as one S/MIME enveloped entity."""
    from medseal.compose import build_email
    from medseal.envelope.smime import encrypt_smime

    inner = build_email(message)
    for header in ("From", "To", "Cc", "Subject", "Date", "Message-ID", "MIME-Version"):
        del inner[header]
    return encrypt_smime(inner.as_bytes(), list(certificates))


def _pseudonymised_names(
    message: Message, verdict: Verdict, table: Mapping[str, str], language: str
) -> tuple[str, dict[int, str]]:
    """The subject and the attachment file names with identifiers replaced by pseudonyms."""
    subject_findings = [f for f in verdict.findings if f.where is Where.SUBJECT and f.kind in IDENTIFIER_KINDS]
    subject = message.subject
    if subject_findings:
        subject = pseudonymise_subject(subject, subject_findings, _pseudonyms_for(subject_findings, table), language)
    renamed: dict[int, str] = {}
    identifiers = [f.clear for f in verdict.findings if f.kind in IDENTIFIER_KINDS and f.clear]
    for index, attachment in enumerate(message.attachments):
        name_findings = [f for f in verdict.findings if f.where is Where.ATTACHMENT_NAME and f.part == index and f.span]
        if is_protected_attachment(attachment):
            continue
        if name_findings or names_identifier(attachment.filename, identifiers):
            pseudonyms = _pseudonyms_for(name_findings, table)
            renamed[index] = pseudonymise_filename(attachment.filename, name_findings, pseudonyms, identifiers)
    return subject, renamed


def protect_message(message: Message, context: ScanContext, options: ProtectOptions) -> ProtectResult:
    """Scan ``message`` and return what to send instead (or why nothing can be sent).

    Never fails on the message itself: whatever goes wrong while reading or judging it blocks the send with
    the catalogue's ``reason.core_failed`` (fail closed); only the envelope stage may raise, on what the
    user supplied (a certificate, a password)."""
    try:
        verdict = assess(message, context, fix_recipients=options.fix_recipients)
        table = _patient_pseudonyms(verdict.findings, options.key)
        subject, renamed = _pseudonymised_names(message, verdict, table, options.language)
        headers = clear_headers(message, verdict)
    except Exception as exc:  # fail closed: a message the user wants protected is never an internal error
        reason = t("reason.core_failed", options.language, detail=type(exc).__name__)
        return ProtectResult(Verdict(Level.BLOCK, (), ("core_failed",)), Action.BLOCK, (), (reason,), ())
    return _carry_out(replace(message, headers=headers), verdict, table, subject, renamed, context, options)


def _carry_out(
    message: Message,
    verdict: Verdict,
    table: Mapping[str, str],
    subject: str,
    renamed: Mapping[int, str],
    context: ScanContext,
    options: ProtectOptions,
) -> ProtectResult:
    directory = context.directory or Directory()
    language = options.language
    all_pseudonyms = tuple(table.values())

    def blocked(reasons: list[str], kinds: list[Kind]) -> ProtectResult:
        return ProtectResult(
            verdict,
            Action.BLOCK,
            (),
            tuple(dict.fromkeys(reasons)),
            all_pseudonyms,
            subject,
            renamed,
            tuple(kinds),
        )

    if verdict.blockers:
        return blocked([t(blocker_reason(kind), language) for kind in verdict.blockers], list(verdict.blockers))
    needs_recipient_fix = verdict.fixes(Fix.FIX_RECIPIENTS)
    unchanged = all(f.where is Where.RECIPIENTS for f in verdict.findings) and not verdict.needs_encryption
    if unchanged and not needs_recipient_fix:
        return ProtectResult(verdict, Action.SEND, (Outgoing(message, Envelope.NONE),), (), all_pseudonyms, subject)

    reasons: list[str] = []
    if subject != message.subject:
        reasons.append(t("reason.subject_pseudonymised", language, pseudonym=", ".join(all_pseudonyms) or "—"))
    if renamed:
        reasons.append(t("reason.filename_renamed", language))
    if any(f.where is Where.HEADER for f in verdict.findings):
        reasons.append(t("reason.headers_dropped", language))
    groups, recipient_reasons = _recipient_groups(
        replace(message, subject=subject), verdict, directory, context.policy.fix_recipients, options
    )
    reasons += [t(key, language) for key in recipient_reasons]
    if not any(group.recipients for group in groups):
        return blocked([t("reason.fix_recipients_needed", language)], [Kind.RECIPIENT_MISMATCH])
    outgoing: list[Outgoing] = []
    for group in groups:
        if verdict.needs_encryption:
            outgoing += _encrypt_group(
                group, renamed, directory, options, context.policy, all_pseudonyms, message.subject
            )
        else:
            outgoing.append(Outgoing(_renamed(group, renamed), Envelope.NONE))

    envelopes = {o.envelope for o in outgoing}
    for envelope, key in (
        (Envelope.PDF_PASSWORD, "reason.encrypted_pdf"),
        (Envelope.SMIME, "reason.encrypted_smime"),
        (Envelope.NATIVE, "reason.encrypted_native"),
    ):
        if envelope in envelopes:
            reasons.append(t(key, language))
    if not verdict.needs_encryption:
        reasons.append(t("reason.trusted_only", language))
    return ProtectResult(verdict, Action.APPLY, tuple(outgoing), tuple(reasons), all_pseudonyms, subject, renamed)


def _renamed(message: Message, renamed: Mapping[int, str]) -> Message:
    attachments = tuple(
        replace(a, filename=renamed[i]) if i in renamed else a for i, a in enumerate(message.attachments)
    )
    return replace(message, attachments=attachments)


def _encrypt_group(
    group: Message,
    renamed: Mapping[int, str],
    directory: Directory,
    options: ProtectOptions,
    policy: Policy,
    pseudonyms: Sequence[str],
    original_subject: str,
) -> list[Outgoing]:
    recipients = {a.lower() for a in group.recipients}
    if recipients and recipients <= {a.lower() for a in options.native_encryption}:
        return [Outgoing(_renamed(group, renamed), Envelope.NATIVE)]
    certificates = options.recipient_certificates or _directory_certificates(group, directory)
    if certificates and options.smime:
        entity = _smime_envelope(group, certificates)
        sent = replace(group, text_body=None, html_body=None, attachments=())
        return [Outgoing(sent, Envelope.SMIME, smime_entity=entity)]
    outgoing = []
    for part in _split_by_access_code(group, directory, options):
        password, source = _password_for(part, directory, options)
        writer = _writer(part, directory, policy, options.language)
        if options.dry_run:
            protected = _envelope_preview(part, renamed, writer, pseudonyms)
        else:
            protected = _pdf_envelope(part, renamed, password, writer, pseudonyms, original_subject)
        outgoing.append(Outgoing(protected, Envelope.PDF_PASSWORD, password, source))
    return outgoing
