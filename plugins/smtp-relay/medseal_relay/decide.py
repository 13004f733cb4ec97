"""One message through the core in automatic mode: what to relay (and to whom), or why it is refused.

- clean (nothing to fix) -> the original bytes, unchanged except for the Bcc header;
- protectable -> the protected version(s): pseudonymised subject and file names, the envelope each recipient
  can open, recipient fixes per the practice's policy;
- otherwise -> refused, with the reason in the sender's language (the SMTP reply and the short NDR say it).

A generated password is never part of what is relayed: it is returned as a :class:`Handover` for the sender.
If the core fails on a message, the message is refused (fail closed), never relayed as it came.
"""

from __future__ import annotations

import logging
import time
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path

from medseal.audit import AuditRecord, audit_key, domain_label, source_label, utc_now
from medseal.errors import InputError
from medseal.i18n import t
from medseal.parse import parse_message
from medseal.policy import domain_of
from medseal.protect import Action, ProtectOptions, ProtectResult, protect_message
from medseal.scan import ScanContext
from medseal_cli import audit_log
from medseal_cli.protect_command import render
from medseal_cli.sendmail import strip_bcc
from medseal_relay.handover import Handover

log = logging.getLogger("medseal.relay")


@dataclass(frozen=True)
class Practice:
    """What every decision needs, loaded once: directory and policy, practice key, audit log."""

    context: ScanContext
    key: bytes = field(repr=False)
    fix_recipients: bool = True
    audit: Path | None = None


@dataclass(frozen=True)
class Decision:
    accepted: bool
    parts: tuple[tuple[bytes, tuple[str, ...]], ...] = ()
    handovers: tuple[Handover, ...] = ()
    reason: str = ""  # in the sender's language, when refused
    action: str = ""


def smtp_text(text: str) -> str:
    """``text`` as one line of printable ASCII, as an SMTP reply must be (accents dropped, not mangled)."""
    decomposed = unicodedata.normalize("NFKD", " ".join(text.split()))
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c))
    ascii_text = ascii_text.replace("\u2019", "'").replace("\u2014", "-").replace("\u2013", "-")
    return ascii_text.encode("ascii", "replace").decode("ascii")[:400]


def _audit(practice: Practice, raw: bytes, result: ProtectResult | None, action: str) -> None:
    if practice.audit is None:
        return
    policy, tag_key = practice.context.policy, audit_key(practice.key)
    domains = sorted(
        {
            domain_label(domain_of(a), policy, tag_key)
            for o in (result.outgoing if result else ())
            for a in o.message.recipients
            if "@" in a
        }
    )
    record = AuditRecord(
        time=utc_now(),
        command="relay",
        verdict=result.verdict.label if result else "block",
        action=action,
        finding_counts=dict(_counts(result)) if result else {},
        pseudonyms=list(result.pseudonyms) if result else [],
        recipient_domains=domains,
        source=source_label(raw),
    )
    audit_log.append(practice.audit, record, practice.key)


def _counts(result: ProtectResult) -> dict[str, int]:
    counts: dict[str, int] = {}
    for finding in result.verdict.findings:
        counts[finding.kind.value] = counts.get(finding.kind.value, 0) + 1
    return counts


def decide(
    raw: bytes,
    recipients: tuple[str, ...],
    practice: Practice,
    language: str,
    *,
    handover_possible: bool,
    refuse_generated: bool = False,
) -> Decision:
    """The relay's decision for one message received with these envelope ``recipients``."""
    try:
        message = parse_message(raw)
        known = {a.lower() for a in message.recipients}
        extra = tuple(a for a in recipients if a.lower() not in known)  # envelope-only: hidden recipients
        message = replace(message, bcc=message.bcc + extra)
        options = ProtectOptions(key=practice.key, language=language, fix_recipients=practice.fix_recipients)
        result = protect_message(message, practice.context, options)
    except InputError:
        _audit(practice, raw, None, "block")
        return Decision(False, reason=t("relay.reason.unreadable", language), action="block")
    except Exception:  # fail closed: a message the core could not check is never relayed as it came
        log.exception("the core failed on a message; it was refused")
        _audit(practice, raw, None, "block")
        return Decision(False, reason=t("relay.reason.internal", language), action="block")
    if result.action is Action.BLOCK:
        _audit(practice, raw, result, "block")
        return Decision(False, reason=" ".join(result.reasons) or t("ui.blocked", language), action="block")
    if result.action is Action.SEND:
        _audit(practice, raw, result, "send")
        return Decision(True, ((strip_bcc(raw), recipients),), action="send")
    generated = [o for o in result.outgoing if o.password and o.password_source == "generated"]
    if generated and refuse_generated:
        _audit(practice, raw, result, "block")
        return Decision(False, reason=t("relay.reason.access_code_required", language), action="block")
    if generated and not handover_possible:
        _audit(practice, raw, result, "block")
        return Decision(False, reason=t("relay.reason.no_handover", language), action="block")
    parts = tuple(
        (strip_bcc(render(o, {})), tuple(o.message.recipients)) for o in result.outgoing
    )
    now = time.time()
    handovers = tuple(
        Handover(now, o.message.subject, tuple(o.message.recipients), o.password or "") for o in generated
    )
    _audit(practice, raw, result, "apply")
    return Decision(True, parts, handovers, action="apply")
