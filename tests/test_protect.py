"""Protection end to end in the core: what travels in clear, what the recipient gets back, what is refused."""

from __future__ import annotations

import email
import email.policy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import formatted_niss

from medseal.compose import to_bytes
from medseal.directory import parse_directory
from medseal.envelope.opening import open_message
from medseal.model import IDENTIFIER_KINDS, Attachment, Kind, Message
from medseal.parse import parse_message
from medseal.policy import assess, parse_policy
from medseal.protect import Action, Envelope, ProtectOptions, protect_message
from medseal.scan import ScanContext
from medseal_cli.protect_command import protect_bytes

KEY = bytes(range(32))
DIRECTORY = parse_directory(
    "last_name,first_name,niss,email,access_code,role\n"
    "Dupont,Marie,85073003328,marie@gmail.com,tulip-harbor-42,patient\n"
    "Peeters,Jan,62031415470,jan@telenet.be,,patient\n"
    "Janssens,Luc,,luc@cardio-demo.be,,professional\n"
)
CONTEXT = ScanContext(directory=DIRECTORY)
OPTIONS = ProtectOptions(key=KEY, language="fr", password="correct-horse-battery")


def lab_message(**changes: object) -> Message:
    base = Message(
        subject="Résultats labo Marie Dupont 85.07.30-033.28",
        text_body="Bonjour Madame Dupont,\nvoici vos résultats (NISS 85.07.30-033.28).\n",
        attachments=(Attachment("dupont_marie_labo.csv", "text/csv", b"nom;valeur\nDUPONT Marie;13.2\n"),),
        sender="dr@cabinet.be",
        to=("marie@gmail.com",),
    )
    return Message(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def clear_identifiers(raw: bytes) -> list[Kind]:
    """Identifier kinds that a scan of the protected message (without any secret) still finds."""
    verdict = assess(parse_message(raw), CONTEXT)
    return [f.kind for f in verdict.findings if f.kind in IDENTIFIER_KINDS]


def test_lab_results_are_pseudonymised_and_encrypted() -> None:
    result = protect_message(lab_message(), CONTEXT, OPTIONS)
    assert result.action is Action.APPLY
    (outgoing,) = result.outgoing
    assert outgoing.envelope is Envelope.PDF_PASSWORD
    assert outgoing.password == "correct-horse-battery"
    sent = outgoing.message
    assert "Dupont" not in sent.subject and "85.07.30" not in sent.subject
    assert sent.subject.startswith("Résultats labo – réf. P-")
    assert result.pseudonyms[0] in sent.subject
    assert [a.filename for a in sent.attachments] == ["message.pdf"]
    assert "Dupont" not in (sent.text_body or "")
    raw = to_bytes(sent)
    assert clear_identifiers(raw) == []
    opened = open_message(raw, password="correct-horse-battery")
    assert opened.body_text == lab_message().text_body
    assert [(a.filename, a.data) for a in opened.attachments] == [
        ("dupont_marie_labo.csv", b"nom;valeur\nDUPONT Marie;13.2\n")
    ]


def test_access_code_of_the_patient_is_the_password() -> None:
    result = protect_message(lab_message(), CONTEXT, ProtectOptions(key=KEY))
    (outgoing,) = result.outgoing
    assert (outgoing.password, outgoing.password_source) == ("tulip-harbor-42", "access_code")


def test_generated_password_when_nothing_else_is_known() -> None:
    message = lab_message(to=("someone@hotmail.com",))
    result = protect_message(message, CONTEXT, ProtectOptions(key=KEY))
    (outgoing,) = result.outgoing
    assert outgoing.password_source == "generated"
    assert outgoing.password and len(outgoing.password.replace("-", "")) >= 16
    assert outgoing.password not in to_bytes(outgoing.message).decode("ascii", "replace")


def test_same_patient_same_pseudonym_other_practice_other_pseudonym() -> None:
    first = protect_message(lab_message(), CONTEXT, OPTIONS)
    again = protect_message(lab_message(subject="Ordonnance 85.07.30-033.28"), CONTEXT, OPTIONS)
    other = protect_message(lab_message(), CONTEXT, ProtectOptions(key=bytes(32), password="x" * 12))
    assert first.pseudonyms == again.pseudonyms
    assert first.pseudonyms != other.pseudonyms


def test_trusted_recipient_gets_pseudonymised_subject_but_clear_body() -> None:
    context = ScanContext(directory=DIRECTORY, policy=parse_policy('[recipients]\ntrusted_domains = ["chu.be"]\n'))
    result = protect_message(lab_message(to=("dr.x@chu.be",)), context, OPTIONS)
    (outgoing,) = result.outgoing
    assert outgoing.envelope is Envelope.NONE
    assert "85.07.30" not in outgoing.message.subject
    assert outgoing.message.text_body == lab_message().text_body
    assert outgoing.message.attachments[0].filename.startswith("P-")


@pytest.mark.parametrize(
    ("changes", "blocked_by"),
    [
        ({"to": ("luc@cardio-demo.be",)}, Kind.EHEALTHBOX_RECIPIENT),
        ({"to": ("marie@gmial.com",)}, Kind.ADDRESS_TYPO),
        ({"to": ("jan@telenet.be",)}, Kind.RECIPIENT_MISMATCH),
        ({"to": ("marie@gmail.com", "jan@telenet.be")}, Kind.PATIENTS_EXPOSED),
    ],
    ids=["ehealthbox", "typo", "mismatch", "exposed"],
)
def test_what_protect_cannot_fix_blocks(changes: dict[str, object], blocked_by: Kind) -> None:
    result = protect_message(lab_message(**changes), CONTEXT, OPTIONS)
    assert result.action is Action.BLOCK
    assert blocked_by in result.blocked_by
    assert result.outgoing == ()
    assert result.reasons


def test_fix_recipients_drops_the_wrong_patient_and_hides_the_others() -> None:
    options = ProtectOptions(key=KEY, password="correct-horse-battery", fix_recipients=True)
    mismatch = protect_message(lab_message(to=("marie@gmail.com",), cc=("jan@telenet.be",)), CONTEXT, options)
    assert mismatch.action is Action.APPLY
    (outgoing,) = mismatch.outgoing
    assert outgoing.message.recipients == ("marie@gmail.com",)

    newsletter = Message(
        subject="Vaccination",
        text_body="La campagne commence lundi.",
        sender="dr@cabinet.be",
        to=("marie@gmail.com", "jan@telenet.be"),
    )
    exposed = protect_message(newsletter, CONTEXT, options)
    assert exposed.action is Action.APPLY
    (outgoing,) = exposed.outgoing
    assert outgoing.message.to == ("dr@cabinet.be",)
    assert set(outgoing.message.bcc) == {"marie@gmail.com", "jan@telenet.be"}


def test_split_mode_gives_one_message_per_patient() -> None:
    context = ScanContext(directory=DIRECTORY, policy=parse_policy('[protect]\nfix_recipients = "split"\n'))
    newsletter = Message(
        subject="Vaccination", text_body="Campagne", sender="dr@cabinet.be", to=("marie@gmail.com", "jan@telenet.be")
    )
    result = protect_message(newsletter, context, ProtectOptions(key=KEY, fix_recipients=True))
    assert sorted(o.message.to for o in result.outgoing) == [("jan@telenet.be",), ("marie@gmail.com",)]


def test_clean_message_is_sent_unchanged() -> None:
    message = Message(subject="Réunion de service jeudi", text_body="Salle 2 à 12h30.", to=("a@cabinet.be",))
    result = protect_message(message, CONTEXT, OPTIONS)
    assert result.action is Action.SEND
    assert result.outgoing[0].message == message


def test_native_encryption_is_preferred_when_the_front_can_encrypt() -> None:
    options = ProtectOptions(key=KEY, native_encryption=frozenset({"marie@gmail.com"}))
    (outgoing,) = protect_message(lab_message(), CONTEXT, options).outgoing
    assert outgoing.envelope is Envelope.NATIVE
    assert outgoing.password is None
    assert "85.07.30" not in outgoing.message.subject


# -- properties ---------------------------------------------------------------------------------------------

charsets = st.sampled_from(["utf-8", "iso-8859-1", "windows-1252"])
safe_text = st.text(alphabet=st.characters(codec="latin-1", categories=["L", "N", "P", "Zs"]), min_size=0, max_size=200)
file_names = st.from_regex(r"[a-z][a-z0-9_-]{0,12}\.(txt|bin|csv|dat|png)", fullmatch=True)
attachments = st.lists(st.tuples(file_names, st.binary(min_size=0, max_size=3000)), max_size=5)


@st.composite
def risky_messages(draw: st.DrawFn) -> dict[str, object]:
    niss = draw(formatted_niss())
    return {
        "subject": f"{draw(safe_text.map(lambda s: s[:40]))} {niss.written}".strip(),
        "body": f"{draw(safe_text)}\nPatient: Marie Dupont\n{draw(safe_text)}\n",
        "charset": draw(charsets),
        "to": draw(st.sampled_from(["marie@gmail.com", "x@hotmail.com", "y@skynet.be"])),
        "attachments": draw(attachments),
    }


def build_raw(parts: dict[str, object]) -> bytes:
    """The drawn message as bytes (built outside the strategy: the email package uses ``random``)."""
    mail = email.message.EmailMessage(policy=email.policy.SMTP)
    mail["From"] = "dr@cabinet.be"
    mail["To"] = str(parts["to"])
    mail["Subject"] = str(parts["subject"])
    mail.set_content(str(parts["body"]), charset=str(parts["charset"]))
    for name, data in parts["attachments"]:  # type: ignore[attr-defined]
        mail.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return mail.as_bytes()


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=40)
@given(risky_messages())
def test_round_trip_and_nothing_identifying_in_clear(parts: dict[str, object]) -> None:
    raw = build_raw(parts)
    original = parse_message(raw)
    result, outputs = protect_bytes(raw, CONTEXT, OPTIONS)
    assert result.action is Action.APPLY
    (protected,) = outputs
    assert clear_identifiers(protected) == []
    opened = open_message(protected, password=OPTIONS.password)
    assert opened.body_text == original.text_body
    assert [(a.filename, a.data) for a in opened.attachments] == [(a.filename, a.data) for a in original.attachments]
    again, outputs_again = protect_bytes(protected, CONTEXT, OPTIONS)
    assert again.action is Action.SEND, "protecting twice changes nothing more"
    assert parse_message(outputs_again[0]) == parse_message(protected)


@pytest.mark.parametrize(
    ("mode", "to", "encrypted"),
    [
        ("findings", "someone@gmail.com", False),
        ("untrusted", "someone@gmail.com", True),
        ("untrusted", "dr.x@chu.be", False),
        ("patients", "someone@gmail.com", False),
        ("patients", "marie@gmail.com", True),
    ],
)
def test_protect_encrypt_policy(mode: str, to: str, encrypted: bool) -> None:
    policy = parse_policy(f'[protect]\nencrypt = "{mode}"\n[recipients]\ntrusted_domains = ["chu.be"]\n')
    clean = Message(subject="Rendez-vous", text_body="A jeudi.", sender="dr@cabinet.be", to=(to,))
    result = protect_message(clean, ScanContext(directory=DIRECTORY, policy=policy), OPTIONS)
    if encrypted:
        assert result.action is Action.APPLY
        assert [o.envelope for o in result.outgoing] == [Envelope.PDF_PASSWORD]
        assert "A jeudi." not in (result.outgoing[0].message.text_body or "")
    else:
        assert result.action is Action.SEND


def test_identifying_headers_are_dropped_and_display_names_neutralised() -> None:
    raw = (
        b"From: Dr Lebrun <dr@cabinet.be>\r\nTo: \"Marie Dupont\" <someone@gmail.com>\r\n"
        b"Reply-To: \"Marie Dupont\" <secretariat@cabinet.be>\r\nSubject: Suivi\r\n"
        b"X-Patient: NISS 85.07.30-033.28\r\nMessage-ID: <abc@cabinet.be>\r\n\r\nBonjour\r\n"
    )
    result, (output,) = protect_bytes(raw, CONTEXT, OPTIONS)
    assert result.action is Action.APPLY
    sent = email.message_from_bytes(output, policy=email.policy.default)
    assert sent["X-Patient"] is None
    assert str(sent["To"]) == "someone@gmail.com"
    assert str(sent["Reply-To"]) == "secretariat@cabinet.be"
    assert sent["Message-ID"] == "<abc@cabinet.be>"
    assert b"Dupont" not in output and b"85.07.30" not in output
