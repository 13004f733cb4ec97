"""Scanning: run every detector over every part of a message; the findings go to :mod:`medseal.policy`."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field, replace

from medseal.canonical import canonical
from medseal.detect.birthdates import find_birth_dates
from medseal.detect.identities import document_findings
from medseal.detect.names import find_names
from medseal.detect.niss import find_niss
from medseal.detect.recipients import check_recipients
from medseal.directory import Directory
from medseal.errors import InputError, UnreadableAttachment
from medseal.extract import Limits, extract_document, html_to_text, is_message
from medseal.extract.medical import is_medical
from medseal.model import (
    Attachment,
    Finding,
    Header,
    Kind,
    Message,
    Where,
)
from medseal.parse import ADDRESS_HEADERS
from medseal.recognise import is_protected_attachment
from medseal.rules import Policy


@dataclass(frozen=True)
class ScanContext:
    """What the practice told medseal: its directory, its policy and the extraction limits."""

    directory: Directory | None = None
    policy: Policy = field(default_factory=Policy)
    limits: Limits = field(default_factory=Limits)


def scan_text(
    text: str, where: Where, context: ScanContext, part: int | None = None, writer: str = ""
) -> list[Finding]:
    """Every identifier in one piece of text, in order of position; ``writer`` (the sender's display name)
    is not a patient."""
    canon = canonical(text)  # once for the three detectors
    findings = find_niss(canon, where, part)
    findings += find_names(canon, where, context.directory, part, ignore_names=(writer,) if writer else ())
    findings += find_birth_dates(canon, where, part)
    return sorted(findings, key=lambda f: f.span or (0, 0))


def _html_extras(text_findings: list[Finding], html_findings: list[Finding]) -> list[Finding]:
    """Findings of the HTML alternative that the text body did not already show."""
    seen = Counter((f.kind, f.patient_key or f.masked) for f in text_findings)
    extras = []
    for finding in html_findings:
        key = (finding.kind, finding.patient_key or finding.masked)
        if seen[key]:
            seen[key] -= 1
        else:
            extras.append(finding)
    return extras


def _unreadable(index: int, attachment: Attachment, reason: str) -> Finding:
    extension = os.path.splitext(attachment.filename)[1].lower() or attachment.content_type
    return Finding(
        kind=Kind.UNREADABLE_ATTACHMENT,
        where=Where.ATTACHMENT,
        span=None,
        confidence=1.0,
        masked=f"#{index + 1} {extension}",
        detail=reason,
        part=index,
    )


def scan_attachment(
    index: int, attachment: Attachment, context: ScanContext, depth: int = 0
) -> list[Finding]:
    """Findings in an attachment's name and content; a nested message is scanned as a whole."""
    findings = scan_text(attachment.filename, Where.ATTACHMENT_NAME, context, index)
    if is_protected_attachment(attachment):
        return findings
    if is_message(attachment) and not is_medical(attachment.data):
        if depth >= context.limits.max_nesting:
            return [*findings, _unreadable(index, attachment, "messages nested too deeply")]
        from medseal.parse import parse_message

        try:
            inner = parse_message(attachment.data)
        except InputError as exc:
            return [*findings, _unreadable(index, attachment, str(exc))]
        for finding in _content_findings(inner, context, depth + 1):
            findings.append(_relocate(finding, index))
        return findings
    try:
        content = extract_document(attachment, context.limits)
    except UnreadableAttachment as exc:
        return [*findings, _unreadable(index, attachment, exc.reason)]
    found = scan_text(content.text, Where.ATTACHMENT, context, index)
    if content.medical:  # structured medical files: their identities, each occurrence once
        found, unnamed = document_findings(content.medical, found, index, context.directory)
        reasons = [f"{name} file whose patient could not be read (health data)" for name in unnamed]
        found += [_unreadable(index, attachment, reason) for reason in reasons]
    return findings + found


def _relocate(finding: Finding, index: int) -> Finding:
    """A finding inside a nested message counts as a finding in the attachment that carries it."""
    where = Where.ATTACHMENT_NAME if finding.where is Where.ATTACHMENT_NAME else Where.ATTACHMENT
    return Finding(
        kind=finding.kind,
        where=where,
        span=None,
        confidence=finding.confidence,
        masked=finding.masked,
        detail=f"in attached message: {finding.detail}",
        part=index,
        clear=finding.clear,
        patient_key=finding.patient_key,
    )


#: Fields whose values are the MIME structure itself (their file-name parameters are listed apart).
_STRUCTURE_HEADERS = frozenset({"mime-version", "content-type", "content-transfer-encoding", "content-disposition"})
#: Fields written by machines (dates, relays, signatures): only a national number can hide there; looking for
#: names and birth dates in them would flag every message ("Date: 12 Mar 1985" is the date it was sent).
_MACHINE_HEADERS = frozenset(
    {
        "date", "received", "x-received", "dkim-signature", "arc-seal", "arc-message-signature",
        "arc-authentication-results", "authentication-results", "received-spf", "x-google-dkim-signature",
        "x-gm-message-state", "x-google-smtp-source", "thread-index", "x-ms-exchange-organization-authas",
    }
)


def scan_headers(message: Message, context: ScanContext) -> list[Finding]:
    """Identifiers in every header field other than the subject: a second ``Subject``, ``Reply-To``'s and the
    recipients' display names, ``In-Reply-To``, ``References``, ``X-…``, ``Comments``, ``Keywords``,
    ``Content-Description``, the file-name parameters of each part... The addresses themselves are where the
    message goes, not content. ``detail`` starts with the field's name; ``part`` is the field's index in
    :attr:`Message.headers`."""
    findings: list[Finding] = []
    first_subject = True
    file_names = {a.filename for a in message.attachments}  # scanned as attachment names
    for index, header in enumerate(message.headers):
        key = header.key
        if key == "subject" and header.name.lower() == "subject" and first_subject:
            first_subject = False  # the subject itself: scanned as such
            continue
        if key in ADDRESS_HEADERS or key in _STRUCTURE_HEADERS or not header.value:
            continue
        if key.endswith(("content-type name", "content-disposition filename")) and header.value in file_names:
            continue
        if key in _MACHINE_HEADERS:
            found = find_niss(header.value, Where.HEADER, index)
        else:
            found = scan_text(header.value, Where.HEADER, context, index, writer=message.sender_name)
        findings += [_in_header(finding, header) for finding in found]
    return findings


def _in_header(finding: Finding, header: Header) -> Finding:
    return replace(finding, detail=f"{header.name}: {finding.detail}")


def _content_findings(message: Message, context: ScanContext, depth: int = 0) -> list[Finding]:
    """Findings in the subject, the other headers, the bodies and the attachments. An HTML body is scanned as
    the text a reader sees (spans point into that text), plus national numbers hidden in its markup (spans into
    the HTML)."""
    writer = message.sender_name
    findings = scan_text(message.subject, Where.SUBJECT, context, writer=writer)
    findings += scan_headers(message, context)
    body = scan_text(message.text_body or "", Where.BODY, context, writer=writer)
    if message.html_body:
        html = scan_text(html_to_text(message.html_body), Where.BODY, context, writer=writer)
        # numbers hidden in markup (comments, attributes) travel too
        html += _html_extras(html, find_niss(message.html_body, Where.BODY))
        body += _html_extras(body, html) if message.text_body else html
    findings += body
    for index, attachment in enumerate(message.attachments):
        findings += scan_attachment(index, attachment, context, depth)
    return findings


def scan_findings(message: Message, context: ScanContext | None = None) -> list[Finding]:
    """Every finding in ``message``: its content (subject, headers, bodies, attachments), then its recipients
    in the light of what the content revealed. What the findings mean is :func:`medseal.policy.decide`'s job."""
    context = context or ScanContext()
    content = _content_findings(message, context)
    return content + check_recipients(message, content, context.directory, context.policy)
