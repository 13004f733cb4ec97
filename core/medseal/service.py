"""The JSON contract shared by the Thunderbird and Outlook fronts: a compose snapshot in, a change set out.

Both entry points take and return plain JSON-able dicts and never raise: whatever goes wrong comes back as
``{"action": "block", "error": "<localised reason>"}`` (fail closed). The schemas of both documents are
``data/snapshot.schema.json`` and ``data/changeset.schema.json``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from functools import cache
from importlib import resources
from typing import Any

from medseal.compose import ENVELOPE_HEADER
from medseal.crypto.keys import export_key, import_key
from medseal.crypto.passwords import FLOOR_BITS
from medseal.directory import Directory, parse_directory, weak_access_codes
from medseal.errors import DirectoryError, MedsealError, PolicyError, SnapshotError
from medseal.i18n import catalogue as _catalogue
from medseal.i18n import normalise_language, t
from medseal.model import Attachment, Header, Message, Where
from medseal.policy import Policy, parse_policy
from medseal.protect import Action, Envelope, ProtectOptions, ProtectResult, protect_message
from medseal.scan import ScanContext
from medseal.text import initials

CONTRACT_VERSION = 1
MAX_ATTACHMENTS = 100


@dataclass(frozen=True)
class Snapshot:
    """A parsed compose snapshot: the message and the fronts' ids of its attachments."""

    message: Message
    attachment_ids: tuple[str, ...]
    language: str


@cache
def schema(name: str) -> dict[str, Any]:
    """``snapshot`` or ``changeset``: the JSON Schema of one side of the contract."""
    text = resources.files("medseal").joinpath("data", f"{name}.schema.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _strings(value: Any, field: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SnapshotError(f"{field} must be a list of addresses")
    return tuple(v.strip() for v in value if v.strip())


def _optional_text(value: Any, field: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise SnapshotError(f"{field} must be a string or null")


def _bare(entries: tuple[str, ...]) -> tuple[str, ...]:
    """``Marie Dupont <marie@example.be>`` as ``marie@example.be`` (the name is a header of its own)."""
    return tuple((parseaddr(e)[1] if "<" in e else "") or e for e in entries)


def _headers(document: Mapping[str, Any]) -> tuple[Header, ...]:
    """The snapshot's other header fields, and one ``<Field> display name`` per named recipient."""
    raw = document.get("headers") or []
    if not isinstance(raw, list) or not all(
        isinstance(h, Mapping) and isinstance(h.get("name"), str) and isinstance(h.get("value"), str) for h in raw
    ):
        raise SnapshotError("headers must be a list of {name, value} strings")
    headers = [Header(h["name"], h["value"]) for h in raw]
    for field, title in (("to", "To"), ("cc", "Cc"), ("bcc", "Bcc")):
        for entry in _strings(document.get(field), field):
            name = parseaddr(entry)[0].strip()
            if name:
                headers.append(Header(f"{title} display name", name))
    return tuple(headers)


def parse_snapshot(document: Mapping[str, Any]) -> Snapshot:
    """Validate a compose snapshot and turn it into the message model."""
    if not isinstance(document, Mapping):
        raise SnapshotError("the snapshot must be a JSON object")
    if document.get("version", CONTRACT_VERSION) != CONTRACT_VERSION:
        raise SnapshotError(f"unsupported snapshot version (expected {CONTRACT_VERSION})")
    subject = _optional_text(document.get("subject", ""), "subject") or ""
    body = document.get("body") or {}
    if not isinstance(body, Mapping):
        raise SnapshotError("body must be an object with text and html")
    raw_attachments = document.get("attachments") or []
    if not isinstance(raw_attachments, list) or len(raw_attachments) > MAX_ATTACHMENTS:
        raise SnapshotError(f"attachments must be a list of at most {MAX_ATTACHMENTS} objects")
    attachments, ids = [], []
    for index, item in enumerate(raw_attachments):
        if not isinstance(item, Mapping):
            raise SnapshotError(f"attachments[{index}] must be an object")
        name = item.get("name")
        data = item.get("dataBase64")
        if not isinstance(name, str) or not isinstance(data, str):
            raise SnapshotError(f"attachments[{index}] needs a name and dataBase64")
        try:
            content = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise SnapshotError(f"attachments[{index}].dataBase64 is not valid base64") from None
        content_type = item.get("contentType") or "application/octet-stream"
        if not isinstance(content_type, str):
            raise SnapshotError(f"attachments[{index}].contentType must be a string")
        attachments.append(Attachment(name, content_type, content))
        ids.append(str(item.get("id", index)))
    sender_name, sender = parseaddr(_optional_text(document.get("from", ""), "from") or "")
    message = Message(
        subject=subject,
        text_body=_optional_text(body.get("text"), "body.text"),
        html_body=_optional_text(body.get("html"), "body.html"),
        attachments=tuple(attachments),
        sender=sender.strip(),
        sender_name=sender_name.strip(),
        to=_bare(_strings(document.get("to"), "to")),
        cc=_bare(_strings(document.get("cc"), "cc")),
        bcc=_bare(_strings(document.get("bcc"), "bcc")),
        headers=_headers(document),
    )
    language = document.get("language")
    return Snapshot(message, tuple(ids), normalise_language(language if isinstance(language, str) else None))


def _settings(
    settings: Mapping[str, Any], snapshot_language: str, dry_run: bool
) -> tuple[ScanContext, ProtectOptions]:
    if not isinstance(settings, Mapping):
        raise SnapshotError("settings must be a JSON object")
    language = normalise_language(settings.get("language") or snapshot_language)
    try:
        key = base64.b64decode(str(settings.get("practiceKey") or ""), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise SnapshotError("the practice key is missing or is not 32 bytes in base64")
    directory_csv = settings.get("directoryCsv") or ""
    policy_toml = settings.get("policyToml") or ""
    if not isinstance(directory_csv, str) or not isinstance(policy_toml, str):
        raise SnapshotError("directoryCsv and policyToml must be text")
    directory: Directory | None = parse_directory(directory_csv, "directoryCsv") if directory_csv.strip() else None
    policy = parse_policy(policy_toml, "policyToml") if policy_toml.strip() else Policy()
    native = frozenset(a.lower() for a in _strings(settings.get("nativeEncryptionRecipients"), "native"))
    options = ProtectOptions(
        key=key,
        language=language,
        fix_recipients=bool(settings.get("fixRecipients", False)),
        native_encryption=native,
        smime=False,
        dry_run=dry_run,
    )
    return ScanContext(directory=directory, policy=policy), options


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def change_set(snapshot: Snapshot, result: ProtectResult, include_data: bool) -> dict[str, Any]:
    """Describe ``result`` as the changes a front applies to its compose window."""
    original = snapshot.message
    document = _unchanged(result.verdict.label, result.action.value, list(result.reasons))
    document["findings"] = [f.public() for f in result.verdict.findings]
    document["pseudonyms"] = list(result.pseudonyms)
    if result.action is not Action.APPLY:
        return document
    if len(result.outgoing) != 1:
        document["action"] = Action.BLOCK.value
        document["reasons"] = [*result.reasons, t("reason.recipients_split", snapshot.language)]
        return document
    outgoing = result.outgoing[0]
    sent = outgoing.message
    if sent.subject != original.subject:
        document["subject"] = sent.subject
    if (sent.text_body, sent.html_body) != (original.text_body, original.html_body):
        document["body"] = {"text": sent.text_body, "html": sent.html_body}
    tainted = {f.part for f in result.verdict.findings if f.where is Where.HEADER}
    named = {h.name for i, h in enumerate(original.headers) if i in tainted}
    for field in ("to", "cc", "bcc"):
        if getattr(sent, field) != getattr(original, field) or f"{field.title()} display name" in named:
            # a display name that identifies the patient goes: the bare addresses stay
            document[field] = list(getattr(sent, field))
    clear = {h.name.lower() for h in sent.headers}
    document["removeHeaders"] = list(
        dict.fromkeys(
            h.name for h in original.headers if not h.name.endswith(" display name") and h.name.lower() not in clear
        )
    )
    kept = [index for index, attachment in enumerate(original.attachments) if attachment in sent.attachments]
    document["removeAttachments"] = [
        snapshot.attachment_ids[i] for i in range(len(original.attachments)) if i not in kept
    ]
    document["addAttachments"] = [
        {
            "name": a.filename,
            "contentType": a.content_type,
            "dataBase64": _b64(a.data) if include_data else None,
        }
        for a in sent.attachments
        if a not in original.attachments
    ]
    document["encryption"] = {
        Envelope.NONE: "none",
        Envelope.PDF_PASSWORD: "pdf-password",
        Envelope.NATIVE: "native",
    }[outgoing.envelope]  # no prepared S/MIME here (options.smime is off): a compose window cannot send one
    if outgoing.envelope is Envelope.PDF_PASSWORD:
        document["headers"] = {ENVELOPE_HEADER: "pdf-password; v=1"}
    if outgoing.password:
        # A preview (analyse) says which kind of password the send will use, never its value: an access code
        # leaves the core only in the answer of the send that needs it (protect), and a generated password
        # does not exist before that send.
        document["password"] = {
            "value": outgoing.password if include_data else None,
            "source": outgoing.password_source,
            "recipients": list(sent.recipients),
        }
    return document


def _unchanged(verdict: str, action: str, reasons: list[str]) -> dict[str, Any]:
    """A change set that changes nothing (every field of the schema present)."""
    return {
        "version": CONTRACT_VERSION,
        "verdict": verdict,
        "action": action,
        "findings": [],
        "reasons": reasons,
        "error": None,
        "subject": None,
        "body": None,
        "to": None,
        "cc": None,
        "bcc": None,
        "removeAttachments": [],
        "addAttachments": [],
        "encryption": "none",
        "password": None,
        "pseudonyms": [],
        "headers": {},
        "removeHeaders": [],
    }


def _failure(language: str, detail: str) -> dict[str, Any]:
    reason = t("reason.core_failed", language, detail=detail)
    return {**_unchanged("block", "block", [reason]), "error": reason}


def _run(snapshot_doc: Mapping[str, Any], settings: Mapping[str, Any], include_data: bool) -> dict[str, Any]:
    language = normalise_language(settings.get("language") if isinstance(settings, Mapping) else None)
    try:
        snapshot = parse_snapshot(snapshot_doc)
        language = normalise_language(
            (settings.get("language") if isinstance(settings, Mapping) else None) or snapshot.language
        )
        context, options = _settings(settings, snapshot.language, dry_run=not include_data)
        result = protect_message(snapshot.message, context, options)
        return change_set(snapshot, result, include_data)
    except DirectoryError as exc:
        return _failure(language, t("error.invalid_directory", language, detail=str(exc)))
    except PolicyError as exc:
        return _failure(language, t("error.invalid_policy", language, detail=str(exc)))
    except MedsealError as exc:
        return _failure(language, t("error.invalid_snapshot", language, detail=str(exc)))
    except Exception as exc:  # fail closed: the front blocks the send and shows why
        return _failure(language, type(exc).__name__)


def analyse(snapshot: Mapping[str, Any], settings: Mapping[str, Any]) -> dict[str, Any]:
    """What protect would do, without the encrypted attachments' bytes and without any password's value."""
    return _run(snapshot, settings, include_data=False)


def protect(snapshot: Mapping[str, Any], settings: Mapping[str, Any]) -> dict[str, Any]:
    """The full change set: apply it and send, or block. The only answer that carries a password's value."""
    return _run(snapshot, settings, include_data=True)


def catalogue(language: str) -> dict[str, str]:
    """Every user-facing string of one language."""
    return _catalogue(language)


def key_export(practice_key: str) -> dict[str, Any]:
    """The practice key (base64, as the fronts store it) in the one shareable form, ``medseal-key-v1:…``."""
    try:
        key = base64.b64decode(practice_key, validate=True)
        return {"text": export_key(key), "error": None}
    except (binascii.Error, ValueError):
        return {"text": None, "error": "the stored practice key is not 32 bytes in base64"}


def key_import(text: str, language: str = "fr") -> dict[str, Any]:
    """A ``medseal-key-v1:…`` text (what ``medseal key export`` prints) as the base64 key the fronts store;
    a mistyped, truncated or foreign key is refused with a localised reason (its check value catches it)."""
    language = normalise_language(language)
    try:
        key = import_key(str(text))
    except MedsealError as exc:
        return {"key": None, "error": t("error.invalid_key", language, detail=str(exc))}
    return {"key": _b64(key), "error": None}


def access_code_report(directory_csv: str, language: str = "fr") -> dict[str, Any]:
    """Every access code of a directory under the strength floor, by CSV line and initials (never the code).

    ``{"error": localised reason or None, "checked": n, "floorBits": 40.0, "weak": [{"line", "patient",
    "bits", "reason", "text"}]}`` where ``text`` is the catalogue's sentence for the user. The judgement is
    :func:`medseal.directory.weak_access_codes`, the one the CLI and protect apply.
    """
    language = normalise_language(language)
    report: dict[str, Any] = {"error": None, "checked": 0, "floorBits": FLOOR_BITS, "weak": []}
    try:
        directory = parse_directory(str(directory_csv), "directoryCsv") if str(directory_csv).strip() else None
    except DirectoryError as exc:
        report["error"] = t("error.invalid_directory", language, detail=str(exc))
        return report
    if directory is None:
        return report
    report["checked"] = sum(1 for person in directory.people if person.access_code)
    for person, strength in weak_access_codes(directory):
        patient = initials(f"{person.first_name} {person.last_name}")
        reason = t(strength.reason, language)
        report["weak"].append({
            "line": person.line, "patient": patient, "bits": strength.bits, "reason": strength.reason,
            "text": t("ui.weak_code", language, line=person.line, patient=patient, reason=reason,
                      bits=round(strength.bits)),
        })
    return report


#: medseal.service functions the Pyodide bridge may call by name (plain JSON in and out).
BRIDGED: dict[str, Callable[..., dict[str, Any]]] = {
    "key_export": key_export,
    "key_import": key_import,
    "access_code_report": access_code_report,
}


def service_json(name: str, arguments: str) -> str:
    """One of :data:`BRIDGED` with its arguments as a JSON list; the answer as JSON (never raises)."""
    try:
        values = json.loads(arguments)
        function = BRIDGED[name]
        if not isinstance(values, list):
            raise TypeError("arguments must be a JSON list")
        return json.dumps(function(*values))
    except Exception as exc:  # fail closed: the page says the core could not do it
        return json.dumps({"error": t("reason.core_failed", "en", detail=type(exc).__name__)})


def _json_bridge(snapshot: str, settings: str, include_data: bool) -> str:
    try:
        settings_doc = json.loads(settings)
        snapshot_doc = json.loads(snapshot)
    except ValueError as exc:
        return json.dumps(_failure("fr", f"invalid JSON ({type(exc).__name__})"))
    return json.dumps(_run(snapshot_doc, settings_doc, include_data))


def analyse_json(snapshot: str, settings: str) -> str:
    """JSON strings in and out, for the Pyodide bridge."""
    return _json_bridge(snapshot, settings, include_data=False)


def protect_json(snapshot: str, settings: str) -> str:
    """JSON strings in and out, for the Pyodide bridge."""
    return _json_bridge(snapshot, settings, include_data=True)
