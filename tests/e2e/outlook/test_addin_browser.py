"""The add-in in a real Chromium (Debian's), against the real server: the on-send handler and the task pane,
with Office.js replaced by a stand-in that records every call (``office_stub.js``).

``office-addin-mock`` is built for unit tests in Node (it mocks objects handed to code under test, with no
page, no fetch and no DOM); here the add-in's own pages run in a browser and load Office.js from Microsoft's
CDN by URL, so the stand-in is served in its place by Playwright's request routing.
"""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from outlook_helpers import NISS, PATIENT_EMAIL, Server
from playwright.sync_api import BrowserContext, Page, Route, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

pytestmark = pytest.mark.e2e

OFFICE_JS = "https://appsforoffice.microsoft.com/"
STUB = (Path(__file__).with_name("office_stub.js")).read_text(encoding="utf-8")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
LAB_TEXT = f"Patiente : Lambert Sophie, NISS {NISS}\nGlycémie à jeun : 5,4 mmol/l\n"


def compose_item() -> dict[str, Any]:
    """A message to a (fictitious) patient with her national number in the subject and a lab report."""
    return {
        "subject": f"Résultats de laboratoire {NISS}",
        "from": "dr.peeters@cabinet.example.be",
        "to": [PATIENT_EMAIL],
        "cc": [],
        "bcc": [],
        "bodyType": "html",
        "bodyText": "Bonjour,\n\nVoici vos résultats de laboratoire.\n\nDr Peeters",
        "bodyHtml": "<p>Bonjour,</p><p>Voici vos résultats de laboratoire.</p><p>Dr Peeters</p>",
        "attachments": [
            {"id": "AAMkAD-labo", "name": "labo.txt", "base64": base64.b64encode(LAB_TEXT.encode()).decode()}
        ],
    }


@pytest.fixture(scope="module")
def browser_context(server: Server) -> Iterator[BrowserContext]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(ignore_https_errors=True, viewport={"width": 360, "height": 860})
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)

        def route(request: Route) -> None:
            url = request.request.url
            if url.startswith(OFFICE_JS):
                request.fulfill(status=200, content_type="text/javascript", body=STUB)
            elif url.startswith(server.url):
                request.continue_()
            else:  # nothing leaves the machine
                request.abort()

        context.route("**/*", route)
        yield context
        context.close()
        browser.close()


def open_page(context: BrowserContext, url: str, state: dict[str, Any]) -> Page:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.add_init_script(f"window.__medsealState = {json.dumps(state)};")
    page.goto(url)
    page.bring_to_front()
    page.wait_for_function("() => window.Office !== undefined")
    page.errors = errors  # type: ignore[attr-defined]
    return page


def run_on_send(context: BrowserContext, server: Server, state: dict[str, Any]) -> dict[str, Any]:
    """Load the event runtime page (commands.html) and fire OnMessageSend; returns event.completed's options."""
    page = open_page(context, f"{server.url}/commands.html", state)
    page.wait_for_function("() => !!window.__officeHandlers.onMessageSendHandler")
    options: dict[str, Any] = page.evaluate(
        """() => new Promise(resolve => {
            const timer = setTimeout(() => resolve({neverCompleted: true}), 15000);
            window.__officeHandlers.onMessageSendHandler({completed: options => {
                clearTimeout(timer); resolve(options || {});
            }});
        })"""
    )
    assert page.errors == []  # type: ignore[attr-defined]
    page.close()
    return options


def configured(state_item: dict[str, Any], server: Server) -> dict[str, Any]:
    return {"item": state_item, "roaming": {"medseal": {"server": server.url, "token": server.token}},
            "displayLanguage": "fr-BE"}


def test_on_send_blocks_a_national_number_and_the_pane_fixes_it(
    browser_context: BrowserContext, server: Server, artifacts: Path
) -> None:
    # 1. On send: blocked, with a French message and a button that opens the pane.
    blocked = run_on_send(browser_context, server, configured(compose_item(), server))
    assert blocked["allowEvent"] is False
    assert blocked["errorMessage"] and NISS not in blocked["errorMessage"]
    assert blocked["commandId"] == "msgComposeOpenPaneButton"
    assert blocked["cancelLabel"] == _catalogue(server, "fr")["ui.open_pane"][:20]

    # 2. The task pane, first run: the token is typed once (keyboard only), then the check shows up.
    state = {"item": compose_item(), "roaming": {}, "displayLanguage": "fr-BE"}
    page = open_page(browser_context, f"{server.url}/taskpane.html", state)
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'token'")
    page.keyboard.type(server.token)
    page.keyboard.press("Enter")
    page.wait_for_selector("#result:not([hidden])")
    proposed = page.text_content("#proposed-subject") or ""
    with server.client() as client:
        preview = client.post("/api/v1/analyse", json=_snapshot_of(compose_item())).json()
    assert preview["action"] == "apply"
    assert proposed == preview["subject"] and NISS not in proposed
    assert "85.07.30-xxx.xx" in (page.text_content("#findings") or "")
    assert NISS not in page.content()
    assert page.evaluate("document.activeElement.id") == "apply"
    page.screenshot(path=str(artifacts / "taskpane.png"), full_page=True)

    # 3. Apply (Enter on the focused button): the expected Office.js calls, the password to hand over.
    page.keyboard.press("Enter")
    page.wait_for_selector("#password-block:not([hidden])")
    page.wait_for_function("() => document.getElementById('status').textContent !== ''")
    calls = page.evaluate("window.__officeCalls")
    by_method: dict[str, list[list[Any]]] = {}
    for call in calls:
        by_method.setdefault(call["method"], []).append(call["args"])
    assert by_method["subject.setAsync"] == [[proposed]]
    assert by_method["removeAttachmentAsync"] == [["AAMkAD-labo"]]
    added = [args[0] for args in by_method["addFileAttachmentFromBase64Async"]]
    assert added and all(name.endswith(".pdf") for name in added)
    assert "body.setAsync" in by_method
    methods = [call["method"] for call in calls]
    assert methods.index("addFileAttachmentFromBase64Async") < methods.index("removeAttachmentAsync"), (
        "the envelope is attached before the originals go"
    )
    assert by_method["internetHeaders.setAsync"][0][0] == {"X-Medseal-Envelope": "pdf-password; v=1"}
    password = page.input_value("#password")
    assert len(password) >= 12
    page.keyboard.press("Enter")  # focus is on Copy
    page.wait_for_function("() => document.getElementById('status').textContent !== ''")
    # the copy is asynchronous: wait (bounded) for the clipboard to hold the password, then compare
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(
            "async (p) => (await navigator.clipboard.readText()) === p", arg=password, timeout=10_000
        )
    assert page.evaluate("navigator.clipboard.readText()") == password
    page.screenshot(path=str(artifacts / "taskpane-applied.png"), full_page=True)
    after = page.evaluate("window.__medsealState")
    assert page.errors == []  # type: ignore[attr-defined]
    page.close()

    # 4. The fixed message goes: on send now allows it.
    assert NISS not in after["item"]["subject"]
    allowed = run_on_send(browser_context, server, configured(after["item"], server))
    assert allowed == {"allowEvent": True}


def test_on_send_allows_a_clean_message(browser_context: BrowserContext, server: Server) -> None:
    item = compose_item() | {"subject": "Rendez-vous", "attachments": [],
                             "bodyHtml": "<p>À mardi.</p>", "bodyText": "À mardi."}
    assert run_on_send(browser_context, server, configured(item, server)) == {"allowEvent": True}


def test_on_send_fails_closed_without_a_token(browser_context: BrowserContext, server: Server) -> None:
    state = {"item": compose_item() | {"subject": "Rendez-vous"}, "roaming": {}, "displayLanguage": "nl-BE"}
    options = run_on_send(browser_context, server, state)
    assert options["allowEvent"] is False and options["errorMessage"]
    assert options["cancelLabel"] == _catalogue(server, "nl")["ui.open_pane"][:20]


def test_on_send_fails_closed_when_the_server_is_down(browser_context: BrowserContext, server: Server) -> None:
    state = configured(compose_item() | {"subject": "Rendez-vous"}, server)
    state["roaming"]["medseal"]["server"] = "https://localhost:9"  # nothing listens there
    options = run_on_send(browser_context, server, state)
    assert options["allowEvent"] is False
    assert options["errorMessage"] == _catalogue(server, "fr")["reason.server_unreachable"]


def test_on_send_fails_closed_with_a_wrong_token(browser_context: BrowserContext, server: Server) -> None:
    state = configured(compose_item() | {"subject": "Rendez-vous"}, server)
    state["roaming"]["medseal"]["token"] = "not-the-token-0123456789"
    options = run_on_send(browser_context, server, state)
    assert options["allowEvent"] is False and options["errorMessage"]


def _catalogue(server: Server, language: str) -> dict[str, str]:
    with server.client() as client:
        table: dict[str, str] = client.get(f"/api/v1/catalogue/{language}").json()
        return table


def _snapshot_of(item: dict[str, Any]) -> dict[str, Any]:
    """What launchevent.js builds from the stand-in's item (to compare with the server's own answer)."""
    return {
        "version": 1,
        "subject": item["subject"],
        "from": item["from"],
        "to": item["to"],
        "cc": item["cc"],
        "bcc": item["bcc"],
        "body": {"text": item["bodyText"], "html": item["bodyHtml"] if item["bodyType"] == "html" else None},
        "attachments": [
            {"id": a["id"], "name": a["name"], "contentType": "text/plain", "dataBase64": a["base64"]}
            for a in item["attachments"]
        ],
        "language": "fr",
    }


def test_changes_while_composing_are_checked_ahead_of_send(browser_context: BrowserContext, server: Server) -> None:
    """OnMessageRecipientsChanged / OnMessageAttachmentsChanged: info bar now, and a quick send later."""
    page = open_page(browser_context, f"{server.url}/commands.html", configured(compose_item(), server))
    fire = """name => new Promise(resolve => window.__officeHandlers[name]({completed: o => resolve(o || {})}))"""
    page.evaluate(fire, "onMessageRecipientsChangedHandler")
    notices = [c["args"] for c in page.evaluate("window.__officeCalls") if c["method"].startswith("notification")]
    assert notices and notices[-1][0] == "medsealNotice"
    message = notices[-1][1]["message"]
    assert 0 < len(message) <= 150 and NISS not in message
    page.close()

    clean = compose_item() | {"subject": "Rendez-vous", "attachments": [],
                              "bodyText": "À mardi.", "bodyHtml": "<p>À mardi.</p>"}
    page = open_page(browser_context, f"{server.url}/commands.html", configured(clean, server))
    page.evaluate(fire, "onMessageAttachmentsChangedHandler")
    assert page.evaluate("window.__officeCalls.map(c => c.method)")[-1] == "notificationMessages.removeAsync"
    # The same content, checked a moment ago: Send goes through without asking the server again.
    page.evaluate("window.__medsealState.roaming.medseal.token = 'revoked-token-0123456789'")
    assert page.evaluate(fire, "onMessageSendHandler") == {"allowEvent": True}
    page.evaluate("window.__medsealState.item.subject = 'Rendez-vous mardi'")  # changed content: asks again
    assert page.evaluate(fire, "onMessageSendHandler")["allowEvent"] is False
    page.close()
