"""The message model and the typed values every stage of the flow hands to the next.

``bytes or a compose snapshot -> Message -> detectors -> Finding -> policy -> Verdict -> protect -> result``
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Where(enum.StrEnum):
    """Where a finding was made."""

    SUBJECT = "subject"
    BODY = "body"
    ATTACHMENT = "attachment"
    ATTACHMENT_NAME = "attachment_name"
    RECIPIENTS = "recipients"
    HEADER = "header"  # any other header field; the finding's detail names it


class Kind(enum.StrEnum):
    """What a finding is about."""

    NISS = "niss"
    PATIENT_NAME = "patient_name"
    BIRTH_DATE = "birth_date"
    RECIPIENT_MISMATCH = "recipient_mismatch"
    PATIENTS_EXPOSED = "patients_exposed"
    EHEALTHBOX_RECIPIENT = "ehealthbox_recipient"
    TOO_MANY_RECIPIENTS = "too_many_recipients"
    STANDARD_MAILBOX = "standard_mailbox"
    ADDRESS_TYPO = "address_typo"
    UNREADABLE_ATTACHMENT = "unreadable_attachment"


#: Kinds that identify a patient in the content (as opposed to recipient problems).
IDENTIFIER_KINDS = frozenset({Kind.NISS, Kind.PATIENT_NAME, Kind.BIRTH_DATE})
#: Findings about what the message carries: an envelope protects them, a trusted mailbox may receive them.
CONTENT_KINDS = IDENTIFIER_KINDS | {Kind.UNREADABLE_ATTACHMENT}


class Level(enum.IntEnum):
    """A verdict level; higher is worse."""

    OK = 0
    WARN = 1
    BLOCK = 2

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Attachment:
    """One attached file, as bytes. ``message/rfc822`` parts are kept whole (content type says so)."""

    filename: str
    content_type: str
    data: bytes = field(repr=False)


# --- header fields (every header is content) -----------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    """One header field as a reader sees it: ``value`` unfolded, 8-bit bytes and RFC 2047 words decoded.

    ``name`` is the field name as written (``Reply-To``, ``X-Patient``); the file-name parameters of a part
    are listed as ``Content-Type name`` and ``Content-Disposition filename`` (RFC 2231 decoded), the fields of
    a MIME part other than the message's own top level are prefixed with ``part N: ``."""

    name: str
    value: str = field(repr=False)

    @property
    def key(self) -> str:
        """The field name in lower case, without its part prefix."""
        return self.name.rpartition(": ")[2].lower()


# --- the message ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    """An outgoing message, whatever front it came from. Addresses are bare ``local@domain`` strings."""

    subject: str = ""
    text_body: str | None = None
    html_body: str | None = None
    attachments: tuple[Attachment, ...] = ()
    sender: str = ""
    sender_name: str = ""  # the From display name: the writer, not a patient
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    bcc: tuple[str, ...] = ()
    #: every header field of the message and of its MIME parts, in order (the first Subject included); not
    #: compared: two renderings of one message differ in boundaries and dates, not in content
    headers: tuple[Header, ...] = field(default=(), compare=False)

    @property
    def recipients(self) -> tuple[str, ...]:
        return self.to + self.cc + self.bcc

    @property
    def visible_recipients(self) -> tuple[str, ...]:
        return self.to + self.cc


@dataclass(frozen=True)
class Finding:
    """A scored, explained hit. ``clear`` and ``patient_key`` never leave the process: they are excluded
    from :meth:`public` and from ``repr``; ``masked`` is what the user sees.

    ``part`` locates the finding inside its ``where`` (attachment index, recipient address domain...).
    ``patient_key`` is the normalised identity used for pseudonyms (``niss:85073003328`` or
    ``name:dupont|marie``); empty when the finding is not about one patient.
    """

    kind: Kind
    where: Where
    span: tuple[int, int] | None
    confidence: float
    masked: str
    detail: str
    part: int | None = None
    clear: str = field(default="", repr=False, compare=False)
    patient_key: str = field(default="", repr=False, compare=False)

    def public(self) -> dict[str, object]:
        """The JSON-safe view of the finding: never an identifier in clear."""
        return {
            "kind": self.kind.value,
            "where": self.where.value,
            "masked": self.masked,
            "confidence": round(self.confidence, 2),
            "detail": self.detail,
        }


class Fix(enum.StrEnum):
    """What protect does about one finding (the plan policy hands to protect)."""

    NONE = "none"  # nothing: the finding may travel as it is (or, at level block, it blocks the send)
    PSEUDONYMISE = "pseudonymise"  # the subject or the file name is rewritten with a pseudonym
    DROP_HEADER = "drop_header"  # the header field does not travel
    ENVELOPE = "envelope"  # the content goes inside an envelope
    FIX_RECIPIENTS = "fix_recipients"  # the recipients are corrected (the user asked for it)


@dataclass(frozen=True)
class Decision:
    """Policy's word on one finding: how much it counts and how protect deals with it."""

    finding: Finding
    level: Level
    fix: Fix

    @property
    def blocks(self) -> bool:
        """A blocking finding protect cannot fix: the message cannot be sent."""
        return self.level is Level.BLOCK and self.fix is Fix.NONE


@dataclass(frozen=True)
class Verdict:
    """What policy makes of a message's findings: a level, the blocking kinds and, per finding, a decision."""

    level: Level
    findings: tuple[Finding, ...]
    reasons: tuple[str, ...] = ()  # the kinds (values) of the findings at level block, in order
    needs_encryption: bool = False
    decisions: tuple[Decision, ...] = ()  # one per finding, in the same order
    blockers: tuple[Kind, ...] = ()  # kinds of the blocking findings protect cannot fix

    @property
    def label(self) -> str:
        return self.level.label

    def fixes(self, fix: Fix) -> bool:
        """Whether protect's plan includes ``fix`` for at least one finding."""
        return any(d.fix is fix for d in self.decisions)


class IdentityField(enum.StrEnum):
    """What a field of a structured medical file says about the person it describes."""

    NISS = "niss"
    FAMILY_NAME = "family_name"
    GIVEN_NAME = "given_name"
    BIRTH_DATE = "birth_date"
    SEX = "sex"
    ADDRESS = "address"
    PHONE = "phone"
    EMAIL = "email"


@dataclass(frozen=True)
class IdentityValue:
    """One value read from the field made for it (``source``: ``PID-5.1``, ``KMEHR patient/familyname``...).

    ``value`` is normalised (a national number as its 11 digits, a birth date as ``YYYY-MM-DD``, names as
    written); ``span`` is where the value stands in the document's text, when it is written there.
    Like a finding's clear value, ``value`` stays out of ``repr``.
    """

    kind: IdentityField
    value: str = field(repr=False)
    source: str
    span: tuple[int, int] | None = None


@dataclass(frozen=True)
class Identity:
    """One person a structured medical file names: the patient, a next of kin, another ``person`` block."""

    role: str  # "patient", "next_of_kin", "person"
    source: str  # the block it was read from: "KMEHR patient", "HL7 PID", "DICOM patient module"...
    values: tuple[IdentityValue, ...]

    def get(self, wanted: IdentityField) -> tuple[IdentityValue, ...]:
        """Every value of one field (a person can have several names, numbers or phones)."""
        return tuple(v for v in self.values if v.kind is wanted)


@dataclass(frozen=True)
class MedicalDocument:
    """A structured medical file read as what it is: its format, its text for the detectors and the people
    it names. ``text`` holds every value an interceptor could read; identity spans index it."""

    format: str  # "KMEHR", "HL7 v2", "FHIR", "Medidoc", "HealthOne", "DICOM"
    text: str = field(repr=False)
    identities: tuple[Identity, ...] = ()


@dataclass(frozen=True)
class AttachmentContent:
    """What extraction read in an attachment: its text, and the structured medical files it is or holds
    (their identity spans index ``text``)."""

    text: str = field(repr=False)
    medical: tuple[MedicalDocument, ...] = ()
