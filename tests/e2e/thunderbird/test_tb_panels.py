"""The extension's pages (review panel, handover window, options) as a user sees them.

Thunderbird cannot be driven by clicks headless, so the pages of the built xpi are loaded in a real headless
Chromium (Debian's ``chromium``), served from loopback, with the MailExtension ``browser`` object replaced by
a recorder that answers as the background page would. Screenshots go to ``test-artifacts/thunderbird/``.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import threading
import zipfile
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from tb_harness import ARTIFACTS

pytestmark = pytest.mark.e2e

MASKED = "85.07.30-xxx.xx"
PASSWORD = "kq7m-3xtp-9wfa-c4rh"
ANALYSIS: dict[str, Any] = {
    "version": 1,
    "verdict": "block",
    "action": "apply",
    "findings": [
        {"kind": "niss", "where": "subject", "masked": MASKED, "confidence": 0.95, "detail": ""},
        {"kind": "patient_name", "where": "body", "masked": "M. D.", "confidence": 0.9, "detail": ""},
    ],
    "reasons": ["R1: subject", "R2: encrypted"],
    "error": None,
    "subject": "Message sécurisé P-7F3K-2XQM",
    "body": None,
    "to": None,
    "cc": None,
    "bcc": ["a@example.test"],
    "removeAttachments": ["1"],
    "addAttachments": [],
    "encryption": "pdf-password",
    "password": None,
    "pseudonyms": ["P-7F3K-2XQM"],
}

MOCK = """
window.__calls = [];
window.browser = {
  runtime: {
    getURL: (path) => new URL("/" + path, location.origin).href,
    sendMessage: async (message) => {
      window.__calls.push(message);
      const answer = window.__answers[message.type];
      return answer === undefined ? undefined : JSON.parse(JSON.stringify(answer));
    },
    onMessage: { addListener() {} },
  },
  i18n: { getUILanguage: () => "fr-BE" },
  tabs: { query: async () => [{ id: 7 }] },
};
"""


@pytest.fixture(scope="module")
def site(medseal_xpi: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Any]]]:
    """The unpacked xpi served on loopback, and its catalogue."""
    root = tmp_path_factory.mktemp("xpi")
    with zipfile.ZipFile(medseal_xpi) as archive:
        archive.extractall(root)
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    catalogue = json.loads((root / "catalogue.json").read_text(encoding="utf-8"))
    yield f"http://127.0.0.1:{server.server_address[1]}", catalogue
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = os.environ.get("MEDSEAL_CHROMIUM") or shutil.which("chromium")
    assert executable, "install Debian's chromium (or set MEDSEAL_CHROMIUM)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield launched
        launched.close()


def open_page(browser: Browser, url: str, answers: dict[str, Any]) -> Page:
    page = browser.new_page(viewport={"width": 640, "height": 720})
    page.add_init_script(f"window.__answers = {json.dumps(answers)};\n{MOCK}")
    page.goto(url)
    return page


def calls(page: Page) -> list[dict[str, Any]]:
    recorded: list[dict[str, Any]] = page.evaluate("window.__calls")
    return recorded


def test_review_panel_shows_masked_findings_and_applies_in_one_click(
    browser: Browser, site: tuple[str, dict[str, Any]]
) -> None:
    base, catalogue = site
    fr = catalogue["fr"]
    answers = {
        "status": {"state": "ready"},
        "settings.get": {"values": {"language": "fr"}, "managed": []},
        "review": {"changeSet": ANALYSIS, "stage": "analyse", "mode": "review", "language": "fr"},
        "applyAndSend": {
            "sent": True,
            "handover": {"password": PASSWORD, "source": "generated", "recipients": ["a@example.test"]},
        },
    }
    page = open_page(browser, f"{base}/review/review.html?tab=7", answers)
    page.wait_for_selector("#result:not([hidden])")

    findings = page.locator("#findings li").all_inner_texts()
    assert findings[0].startswith(fr["kind.niss"].format(masked=MASKED))
    assert fr["where.subject"] in findings[0]
    assert page.inner_text("#subject") == ANALYSIS["subject"]
    assert page.locator("#reasons li").all_inner_texts() == ANALYSIS["reasons"]
    assert page.inner_text("#apply") == fr["ui.apply_send"]
    assert page.inner_text("h1") == fr["ui.title"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "review-panel.png"), full_page=True)

    page.click("#apply")
    page.wait_for_selector("#sent:not([hidden])")
    assert page.inner_text("#password") == PASSWORD
    assert {"type": "applyAndSend", "tabId": 7, "standalone": True} in calls(page)
    page.screenshot(path=str(ARTIFACTS / "review-panel-sent.png"), full_page=True)
    page.close()


def test_review_panel_offers_no_send_when_blocked(browser: Browser, site: tuple[str, dict[str, Any]]) -> None:
    base, catalogue = site
    blocked = {**ANALYSIS, "action": "block", "error": "E: core failed", "reasons": ["E: core failed"]}
    answers = {
        "status": {"state": "failed"},
        "settings.get": {"values": {"language": "nl"}, "managed": []},
        "review": {"changeSet": blocked, "stage": "protect", "mode": "automatic", "language": "nl"},
    }
    page = open_page(browser, f"{base}/review/review.html?tab=3", answers)
    page.wait_for_selector("#result:not([hidden])")
    assert page.is_hidden("#apply")
    assert page.inner_text("#verdict") == catalogue["nl"]["ui.blocked"]
    assert page.inner_text("#error") == "E: core failed"
    assert page.locator("#reasons li").count() == 0  # the error is not repeated as a reason
    page.close()


def test_handover_window_shows_the_password(browser: Browser, site: tuple[str, dict[str, Any]]) -> None:
    base, catalogue = site
    handover = {"password": PASSWORD, "source": "generated", "recipients": ["a@example.test"], "subject": "S"}
    page = open_page(
        browser, f"{base}/handover/handover.html?id=4", {"handover": {"handover": handover, "language": "de"}}
    )
    page.wait_for_function(f"document.getElementById('password').textContent === {json.dumps(PASSWORD)}")
    assert catalogue["de"]["ui.sent_password"] in page.inner_text("body")
    assert {"type": "handover", "id": 4} in calls(page)
    page.close()


def test_options_respect_what_the_administrator_set(browser: Browser, site: tuple[str, dict[str, Any]]) -> None:
    base, catalogue = site
    nl = catalogue["nl"]
    values = {"mode": "automatic", "language": "nl", "directoryCsv": "", "policyToml": "", "practiceKey": "k"}
    answers = {
        "settings.get": {"values": values, "managed": ["mode"]},
        "settings.check": {"error": None},
        "settings.set": {"saved": ["language", "directoryCsv", "policyToml"]},
    }
    page = open_page(browser, f"{base}/options/options.html", answers)
    page.wait_for_function("document.querySelector('legend').textContent.length > 0")
    assert page.inner_text("#mode-field legend") == nl["ui.mode"]
    assert page.is_disabled("input[name=mode][value=automatic]")
    assert page.is_checked("input[name=mode][value=automatic]")
    assert page.is_visible("#mode-field .managed")
    assert page.is_hidden("#policyToml-field .managed")

    page.fill("textarea[name=policyToml]", "[recipients]\nmax_to = 2\n")
    page.click("button[type=submit]")
    page.wait_for_selector("#saved:not([hidden])")
    [saved] = [c for c in calls(page) if c["type"] == "settings.set"]
    assert saved["changes"] == {
        "language": "nl",
        "directoryCsv": "",
        "policyToml": "[recipients]\nmax_to = 2\n",
    }
    page.screenshot(path=str(ARTIFACTS / "options.png"), full_page=True)
    page.close()


def test_options_keep_a_setting_the_core_rejects(browser: Browser, site: tuple[str, dict[str, Any]]) -> None:
    base, _ = site
    values = {"mode": "review", "language": "en", "directoryCsv": "", "policyToml": "", "practiceKey": "k"}
    answers = {
        "settings.get": {"values": values, "managed": []},
        "settings.check": {"error": "E: invalid practice rules"},
    }
    page = open_page(browser, f"{base}/options/options.html", answers)
    page.wait_for_function("document.querySelector('legend').textContent.length > 0")
    page.fill("textarea[name=policyToml]", "[recipients\n")
    page.click("button[type=submit]")
    page.wait_for_selector("#error:not([hidden])")
    assert page.inner_text("#error") == "E: invalid practice rules"
    assert not [c for c in calls(page) if c["type"] == "settings.set"]
    page.close()


def test_handover_window_keeps_an_unsent_password_until_dismissed(
    browser: Browser, site: tuple[str, dict[str, Any]]
) -> None:
    base, catalogue = site
    handover = {"password": PASSWORD, "source": "generated", "recipients": ["a@example.test"], "subject": "S",
                "sent": False}
    answers = {"handover": {"handover": handover, "language": "en"}, "handover.dismiss": {"dismissed": True}}
    page = open_page(browser, f"{base}/handover/handover.html?id=5", answers)
    page.wait_for_function(f"document.getElementById('password').textContent === {json.dumps(PASSWORD)}")
    text = page.inner_text("body")
    assert catalogue["en"]["ui.not_sent_password"] in text and catalogue["en"]["ui.sent_password"] not in text
    page.screenshot(path=str(ARTIFACTS / "handover-unsent.png"), full_page=True)
    page.click("#dismiss")
    page.wait_for_function("window.__calls.some((c) => c.type === 'handover.dismiss')")
    assert {"type": "handover.dismiss", "id": 5} in calls(page)
    page.close()


def test_review_panel_shows_the_password_of_an_unsent_message(
    browser: Browser, site: tuple[str, dict[str, Any]]
) -> None:
    base, catalogue = site
    unsent = {"password": PASSWORD, "source": "generated", "recipients": ["a@example.test"], "subject": "S",
              "sent": False}
    answers = {
        "status": {"state": "ready"},
        "settings.get": {"values": {"language": "fr"}, "managed": []},
        "review": {"changeSet": {**ANALYSIS, "action": "send", "verdict": "ok"}, "stage": "analyse",
                   "unsent": unsent, "mode": "automatic", "language": "fr"},
        "handover.dismiss": {"dismissed": True},
    }
    page = open_page(browser, f"{base}/review/review.html?tab=7", answers)
    page.wait_for_selector("#unsent:not([hidden])")
    assert page.inner_text("#unsent-password") == PASSWORD
    assert catalogue["fr"]["ui.not_sent_password"] in page.inner_text("#unsent")
    page.click("#unsent-dismiss")
    page.wait_for_selector("#unsent", state="hidden")
    assert {"type": "handover.dismiss", "tabId": 7} in calls(page)
    page.close()


def test_options_import_a_key_through_the_core_and_refuse_weak_access_codes(
    browser: Browser, site: tuple[str, dict[str, Any]], tmp_path: Path
) -> None:
    base, _ = site
    values = {"mode": "review", "language": "en", "directoryCsv": "", "policyToml": "", "practiceKey": "k"}
    weak = "Line 2 (M. D.): access code too weak (3 bits, 40 needed): a date"
    answers = {
        "settings.get": {"values": values, "managed": []},
        "settings.check": {"error": None},
        "key.import": {"key": None, "error": "Invalid practice key: mistyped"},
        "key.export": {"text": "medseal-key-v1:ABCDE", "error": None},
        "codes.check": {"error": None, "checked": 2, "floorBits": 40,
                        "weak": [{"line": 2, "patient": "M. D.", "bits": 3, "reason": "r", "text": weak}]},
    }
    page = open_page(browser, f"{base}/options/options.html", answers)
    page.wait_for_function("document.querySelector('legend').textContent.length > 0")
    key_file = tmp_path / "key.txt"
    key_file.write_text("medseal-key-v1:TYPO\n")
    page.set_input_files("#key-file", str(key_file))
    page.wait_for_selector("#error:not([hidden])")
    assert page.inner_text("#error") == "Invalid practice key: mistyped"
    assert {"type": "key.import", "text": "medseal-key-v1:TYPO\n"} in calls(page)

    with page.expect_download() as download:
        page.click("#key-export")
    assert Path(download.value.path()).read_text() == "medseal-key-v1:ABCDE\n"  # the core's format, not base64

    page.fill("textarea[name=directoryCsv]", "last_name,first_name,birth_date,access_code\nDupont,Marie,...\n")
    page.click("button[type=submit]")
    page.wait_for_selector("#codes li")
    assert page.inner_text("#codes") == weak
    assert page.inner_text("#error") == weak
    assert not [c for c in calls(page) if c["type"] == "settings.set"]  # weak codes are not saved
    page.close()
