"""The JSON contract of the Thunderbird and Outlook fronts: snapshot in, change set out, never an exception."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests_support import minimal_pdf

from medseal import service
from medseal.envelope.pdf import open_pdf

# jsonschema needs rpds-py (compiled): present on CPython, absent in Pyodide, where these contract tests are skipped
jsonschema = pytest.importorskip("jsonschema")

KEY = base64.b64encode(bytes(range(32))).decode()
DIRECTORY = (
    "last_name,first_name,niss,email,access_code\n"
    "Dupont,Marie,85073003328,marie@gmail.com,tulip-harbor-42\n"
    "Peeters,Jan,62031415470,jan@telenet.be,\n"
)
SETTINGS = {"practiceKey": KEY, "directoryCsv": DIRECTORY, "language": "fr"}
SNAPSHOT_SCHEMA = service.schema("snapshot")
CHANGESET_SCHEMA = service.schema("changeset")


def snapshot(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "version": 1,
        "subject": "Résultats Marie Dupont 85.07.30-033.28",
        "from": "dr@cabinet.be",
        "to": ["marie@gmail.com"],
        "cc": [],
        "bcc": [],
        "body": {"text": "Bonjour Madame Dupont, voici vos résultats.", "html": None},
        "attachments": [
            {
                "id": "a1",
                "name": "labo.pdf",
                "contentType": "application/pdf",
                "dataBase64": base64.b64encode(minimal_pdf("Hemoglobine 13.2")).decode(),
            }
        ],
        "language": "fr",
    }
    document.update(changes)
    jsonschema.validate(document, SNAPSHOT_SCHEMA)
    return document


def valid_change_set(document: dict[str, Any]) -> dict[str, Any]:
    jsonschema.validate(document, CHANGESET_SCHEMA)
    json.dumps(document)
    return document


def test_protect_returns_everything_to_apply() -> None:
    change = valid_change_set(service.protect(snapshot(), SETTINGS))
    assert change["action"] == "apply"
    assert change["encryption"] == "pdf-password"
    assert "85.07.30" not in change["subject"] and "Dupont" not in change["subject"]
    assert change["pseudonyms"] and change["pseudonyms"][0] in change["subject"]
    assert change["removeAttachments"] == ["a1"]
    names = [a["name"] for a in change["addAttachments"]]
    assert names == ["message.pdf", "labo.pdf"]
    assert change["password"] == {
        "value": "tulip-harbor-42",
        "source": "access_code",
        "recipients": ["marie@gmail.com"],
    }
    envelope = base64.b64decode(change["addAttachments"][0]["dataBase64"])
    assert open_pdf(envelope, "tulip-harbor-42").body_text == "Bonjour Madame Dupont, voici vos résultats."
    assert "Dupont" not in change["body"]["text"]
    assert all("85.07.30-0" not in json.dumps(f) for f in change["findings"])


def test_analyse_does_not_ship_bytes_or_generated_passwords() -> None:
    change = valid_change_set(service.analyse(snapshot(to=["someone@hotmail.com"]), SETTINGS))
    assert change["action"] == "apply"
    assert all(a["dataBase64"] is None for a in change["addAttachments"])
    assert change["password"]["value"] is None and change["password"]["source"] == "generated"


def test_analyse_names_the_access_code_but_never_shows_it() -> None:
    preview = valid_change_set(service.analyse(snapshot(), SETTINGS))
    assert preview["action"] == "apply"
    assert preview["password"] == {"value": None, "source": "access_code", "recipients": ["marie@gmail.com"]}
    assert "tulip-harbor-42" not in json.dumps(preview)
    sent = valid_change_set(service.protect(snapshot(), SETTINGS))
    assert sent["password"]["value"] == "tulip-harbor-42"  # only the send's own answer carries it


# codes shaped like the generated ones (``kq7m-3xtp-9wfa-c4rh``), so that none is a word the answer holds anyway
access_codes = st.lists(
    st.text(alphabet="abcdefghjkmnpqrstuvwxyz23456789", min_size=4, max_size=4), min_size=4, max_size=4
).map("-".join)
PATIENTS = [("Dupont", "Marie", "85073003328", "marie@gmail.com"), ("Peeters", "Jan", "62031415470", "jan@telenet.be")]


@given(
    codes=st.lists(access_codes, min_size=2, max_size=2, unique=True),
    recipients=st.lists(st.sampled_from(["marie@gmail.com", "jan@telenet.be", "x@hotmail.com"]), min_size=1),
    mention=st.sampled_from(["", "Marie Dupont", "85.07.30-033.28", "Jan Peeters 62031415470"]),
    language=st.sampled_from(["fr", "nl", "de", "en"]),
    fix=st.booleans(),
)
def test_no_preview_ever_carries_an_access_code(
    codes: list[str], recipients: list[str], mention: str, language: str, fix: bool
) -> None:
    rows = zip(PATIENTS, codes, strict=True)
    lines = [f"{last},{first},{niss},{mail},{code}" for (last, first, niss, mail), code in rows]
    directory = "last_name,first_name,niss,email,access_code\n" + "\n".join(lines) + "\n"
    settings = {**SETTINGS, "directoryCsv": directory, "language": language, "fixRecipients": fix}
    document = snapshot(to=recipients, subject=f"Résultats {mention}", body={"text": mention, "html": None})
    preview = valid_change_set(service.analyse(document, settings))
    text = json.dumps(preview, ensure_ascii=False)
    assert all(code not in text for code in codes), (codes, text)
    if preview["password"] is not None:
        assert preview["password"]["value"] is None and preview["password"]["source"] in ("access_code", "generated")


def test_clean_snapshot_is_sent_as_is() -> None:
    clean = snapshot(subject="Réunion de service", body={"text": "Jeudi 12h30", "html": None}, attachments=[])
    change = valid_change_set(service.protect(clean, SETTINGS))
    assert (change["action"], change["verdict"], change["subject"], change["addAttachments"]) == (
        "send",
        "ok",
        None,
        [],
    )


def test_blocked_snapshot_says_why_in_the_users_language() -> None:
    change = valid_change_set(service.protect(snapshot(to=["jan@telenet.be"]), {**SETTINGS, "language": "nl"}))
    assert change["action"] == "block"
    assert any("ontvangers" in reason.lower() for reason in change["reasons"])


def test_national_number_alone_triggers_protection_without_directory() -> None:
    settings = {"practiceKey": KEY}
    change = valid_change_set(service.protect(snapshot(subject="Résultats 85.07.30-033.28"), settings))
    assert change["action"] == "apply" and "85.07.30" not in change["subject"]


@pytest.mark.parametrize(
    ("document", "settings", "expected"),
    [
        ({"attachments": [{"name": "x", "dataBase64": "***"}]}, SETTINGS, "base64"),
        ({"to": "not-a-list"}, SETTINGS, "to"),
        ({}, {"practiceKey": "short"}, "practice key"),
        ({}, {**SETTINGS, "directoryCsv": "name\nx\n"}, "directoryCsv, line 1"),
        ({}, {**SETTINGS, "policyToml": "[recipients]\nmax_to = 'x'\n"}, "policyToml, line 2"),
        ({"version": 7}, SETTINGS, "version"),
    ],
    ids=["bad-base64", "bad-to", "bad-key", "bad-directory", "bad-policy", "bad-version"],
)
def test_bad_input_fails_closed_with_a_reason(
    document: dict[str, Any], settings: dict[str, Any], expected: str
) -> None:
    change = valid_change_set(service.protect({**snapshot(), **document}, settings))
    assert change["action"] == "block"
    assert expected in change["error"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=10,
)


@given(st.dictionaries(st.sampled_from(["subject", "to", "cc", "body", "attachments", "from", "version"]), json_values))
def test_any_json_gives_a_valid_change_set(document: dict[str, Any]) -> None:
    change = valid_change_set(service.protect(document, SETTINGS))
    assert change["action"] in ("send", "apply", "block")


def test_json_string_bridge_used_by_pyodide() -> None:
    out = json.loads(service.protect_json(json.dumps(snapshot()), json.dumps(SETTINGS)))
    assert valid_change_set(out)["action"] == "apply"
    broken = json.loads(service.protect_json("{not json", json.dumps(SETTINGS)))
    assert valid_change_set(broken)["action"] == "block"


def test_catalogue_has_every_key_in_every_language() -> None:
    keys = {lang: set(service.catalogue(lang)) for lang in ("fr", "nl", "de", "en")}
    assert keys["fr"] == keys["nl"] == keys["de"] == keys["en"]
    assert "ui.apply_send" in keys["fr"]


def test_key_export_and_import_round_trip_in_the_one_format() -> None:
    exported = service.key_export(KEY)
    assert exported["error"] is None and exported["text"].startswith("medseal-key-v1:")
    assert service.key_import(exported["text"]) == {"key": KEY, "error": None}
    prefix, code = exported["text"].split(":", 1)
    assert service.key_import(f"{prefix}:{code.lower().replace('-', ' ')}\n") == {"key": KEY, "error": None}
    typo = exported["text"][:-1] + ("0" if exported["text"][-1] != "0" else "1")
    refused = service.key_import(typo, "nl")
    assert refused["key"] is None and "praktijksleutel" in refused["error"].lower()
    assert service.key_import(KEY)["key"] is None  # raw base64 (the old options page's export) is not a key text
    assert service.key_export("short")["text"] is None


def test_weak_directory_access_codes_are_named_by_line_and_initials_never_shown() -> None:
    directory = (
        "last_name,first_name,niss,birth_date,email,access_code\n"
        "Dupont,Marie,85073003328,1985-07-30,marie@gmail.com,30071985\n"
        "Peeters,Jan,,,jan@telenet.be,moss-lantern-quiver-ember\n"
        "Janssens,Els,,,els@skynet.be,1234\n"
        "Maes,Tom,,,tom@skynet.be,\n"
    )
    report = service.access_code_report(directory, "fr")
    assert report["error"] is None and report["checked"] == 3 and report["floorBits"] >= 40
    assert [(w["line"], w["patient"]) for w in report["weak"]] == [(2, "M. D."), (4, "E. J.")]
    assert all(w["text"].startswith(f"Ligne {w['line']} ") for w in report["weak"])
    text = json.dumps(report, ensure_ascii=False)
    assert "30071985" not in text and "1234" not in text and "Dupont" not in text
    broken = service.access_code_report("name\nx\n", "en")
    assert broken["error"] and "line 1" in broken["error"]


def test_the_pyodide_bridge_calls_only_the_listed_functions() -> None:
    answer = json.loads(service.service_json("key_export", json.dumps([KEY])))
    assert answer["text"].startswith("medseal-key-v1:")
    for name, arguments in (("analyse", "[]"), ("key_export", "{}"), ("key_export", "not json")):
        assert json.loads(service.service_json(name, arguments))["error"]
