"""The add-in's manifests are valid, and agree with each other and with what the server serves.

``office-addin-manifest validate`` checks an XML manifest through a Microsoft web service (no network here)
and a unified JSON manifest offline, against the JSON Schema shipped in ``@microsoft/app-manifest``. So:
- manifest.json is validated offline by ``office-addin-manifest validate``;
- manifest.xml is checked structurally here (order, types, limits, references: what the add-in-only XSD
  requires, written out as assertions since the XSD itself is not published in any package we can install),
  then converted by Microsoft's ``office-addin-manifest-converter`` and the result validated the same way.
"""

from __future__ import annotations

import json
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from outlook_helpers import ADDIN, SERVER_SRC, Server

pytestmark = pytest.mark.e2e

NS = {
    "o": "http://schemas.microsoft.com/office/appforoffice/1.1",
    "bt": "http://schemas.microsoft.com/office/officeappbasictypes/1.0",
    "v1": "http://schemas.microsoft.com/office/mailappversionoverrides",
    "v11": "http://schemas.microsoft.com/office/mailappversionoverrides/1.1",
}
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
ORDER = ["Id", "AlternateId", "Version", "ProviderName", "DefaultLocale", "DisplayName", "Description", "IconUrl",
         "HighResolutionIconUrl", "SupportUrl", "AppDomains", "Hosts", "Requirements", "FormSettings",
         "Permissions", "Rule", "DisableEntityHighlighting", "VersionOverrides"]
LAUNCH_EVENTS = {
    "OnMessageSend": "onMessageSendHandler",
    "OnMessageRecipientsChanged": "onMessageRecipientsChangedHandler",
    "OnMessageAttachmentsChanged": "onMessageAttachmentsChangedHandler",
}
WEB = SERVER_SRC / "medseal_outlook" / "web"


@pytest.fixture(scope="module")
def xml_manifest() -> ET.Element:
    return ET.parse(ADDIN / "manifest.xml").getroot()


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def test_xml_manifest_structure(xml_manifest: ET.Element) -> None:
    root = xml_manifest
    assert root.tag == f"{{{NS['o']}}}OfficeApp" and root.get(XSI_TYPE) == "MailApp"
    names = [_local(child.tag) for child in root]
    assert names == [n for n in ORDER if n in names], "elements out of the schema's order"
    assert {"Id", "Version", "ProviderName", "DefaultLocale", "DisplayName", "Description", "Hosts"} <= set(names)
    assert re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", root.findtext("o:Id", namespaces=NS) or "")
    assert re.fullmatch(r"\d+(\.\d+){3}", root.findtext("o:Version", namespaces=NS) or "")
    assert root.findtext("o:Permissions", namespaces=NS) == "ReadWriteItem"
    assert len(root.find("o:Description", NS).get("DefaultValue")) <= 250  # type: ignore[union-attr]
    rule = root.find("o:Rule", NS)
    assert rule is not None and rule.find("o:Rule", NS).get("FormType") == "Edit"  # type: ignore[union-attr]


def test_xml_manifest_events_and_pane(xml_manifest: ET.Element) -> None:
    overrides = xml_manifest.find("v1:VersionOverrides/v11:VersionOverrides", NS)
    assert overrides is not None and overrides.get(XSI_TYPE) == "VersionOverridesV1_1"
    sets = overrides.find("v11:Requirements/bt:Sets", NS)
    assert sets is not None and sets.get("DefaultMinVersion") == "1.12"  # OnMessageSend needs Mailbox 1.12
    factor = overrides.find("v11:Hosts/v11:Host/v11:DesktopFormFactor", NS)
    assert factor is not None
    points = {point.get(XSI_TYPE): point for point in factor.findall("v11:ExtensionPoint", NS)}
    events = {e.get("Type"): e for e in points["LaunchEvent"].findall("v11:LaunchEvents/v11:LaunchEvent", NS)}
    assert {name: e.get("FunctionName") for name, e in events.items()} == LAUNCH_EVENTS
    assert events["OnMessageSend"].get("SendMode") == "SoftBlock"
    buttons = points["MessageComposeCommandSurface"].findall(".//v11:Control", NS)
    assert [b.get("id") for b in buttons] == ["msgComposeOpenPaneButton"]
    assert buttons[0].find("v11:Action", NS).get(XSI_TYPE) == "ShowTaskpane"  # type: ignore[union-attr]
    runtime = overrides.find("v11:Hosts/v11:Host/v11:Runtimes/v11:Runtime", NS)
    assert runtime is not None and runtime.find("v11:Override", NS).get("type") == "javascript"  # type: ignore[union-attr]


def test_xml_manifest_resources_resolve(xml_manifest: ET.Element) -> None:
    overrides = xml_manifest.find("v1:VersionOverrides/v11:VersionOverrides", NS)
    assert overrides is not None
    resources = overrides.find("v11:Resources", NS)
    assert resources is not None
    defined: dict[str, ET.Element] = {}
    for element in resources.iter():
        if element.get("id"):
            assert len(element.get("id", "")) <= 32
            defined[element.get("id", "")] = element
    used = {element.get("resid") for element in overrides.iter() if element.get("resid")}
    assert used <= set(defined), f"undefined resid: {used - set(defined)}"
    for element in resources.findall("bt:ShortStrings/bt:String", NS):
        assert len(element.get("DefaultValue", "")) <= 125
    for element in resources.findall("bt:LongStrings/bt:String", NS):
        assert len(element.get("DefaultValue", "")) <= 250


def _urls(text: str) -> set[str]:
    return set(re.findall(r"https://[^\"'<>\s]+", text))


def test_every_manifest_url_is_served(server: Server) -> None:
    urls = _urls((ADDIN / "manifest.xml").read_text()) | _urls((ADDIN / "manifest.json").read_text())
    urls = {u for u in urls if u.startswith("https://localhost:8443")}
    assert len(urls) >= 8
    with httpx.Client(base_url=server.url, verify=False) as client:  # noqa: S501 (loopback test server)
        for url in urls:
            path = urlsplit(url).path
            if path in ("", "/"):
                continue
            assert client.get(path).status_code == 200, path


def test_the_handlers_are_associated_in_the_event_file() -> None:
    script = (WEB / "launchevent.js").read_text()
    associated = set(re.findall(r'Office\.actions\.associate\("(\w+)"', script))
    assert associated == set(LAUNCH_EVENTS.values())
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", script, flags=re.S)  # without comments
    # classic Windows' JavaScript-only runtime: no modules, no Office.onReady, no DOM
    assert not re.search(r"^\s*(import|export)\b|\bimport\s*\(|\brequire\s*\(", code, flags=re.M)
    assert not re.search(r"Office\.onReady|\bdocument\.|\bwindow\.|\blocalStorage\b", code)


def _validate(node_modules: Path, manifest: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["node", str(node_modules / "office-addin-manifest" / "cli.js"), "validate", str(manifest)],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
        env={"PATH": "/usr/bin:/bin", "HOME": str(manifest.parent)},
    )


def test_json_manifest_is_valid(node_modules: Path, tmp_path: Path) -> None:
    result = _validate(node_modules, ADDIN / "manifest.json")
    assert result.returncode == 0, result.stdout + result.stderr
    broken = json.loads((ADDIN / "manifest.json").read_text())
    broken["extensions"][0]["autoRunEvents"][0]["events"][0]["options"]["sendMode"] = "sometimes"
    (tmp_path / "manifest.json").write_text(json.dumps(broken))
    assert _validate(node_modules, tmp_path / "manifest.json").returncode != 0  # the check can fail


def test_xml_manifest_converts_to_a_valid_unified_manifest(node_modules: Path, tmp_path: Path) -> None:
    converter = node_modules / "office-addin-manifest-converter" / "lib" / "cli.js"
    result = subprocess.run(
        ["node", str(converter), "convert", str(ADDIN / "manifest.xml"), "--output", str(tmp_path)],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    converted = tmp_path / "manifest.json"
    check = _validate(node_modules, converted)
    assert check.returncode == 0, check.stdout + check.stderr
    # The two manifests describe the same add-in.
    ours = json.loads((ADDIN / "manifest.json").read_text())
    theirs = json.loads(converted.read_text())
    assert ours["id"] == theirs["id"]

    def events(manifest: dict) -> list[tuple[str, str, object]]:  # type: ignore[type-arg]
        run = manifest["extensions"][0]["autoRunEvents"][0]["events"]
        return sorted((e["type"], e["actionId"], e.get("options")) for e in run)

    assert events(ours) == events(theirs)
    scripts = {r["code"].get("script") for r in theirs["extensions"][0]["runtimes"]} - {None}
    assert scripts == {r["code"].get("script") for r in ours["extensions"][0]["runtimes"]} - {None}


def test_the_addin_texts_come_from_the_catalogue() -> None:
    """Every text key the add-in asks for exists in fr, nl, de and en (a fallback chain needs its last key)."""
    from medseal import service

    tables = {language: service.catalogue(language) for language in ("fr", "nl", "de", "en")}
    sources = "".join((WEB / name).read_text() for name in ("launchevent.js", "taskpane.js", "taskpane.html"))
    arrays = re.findall(r"\[((?:\"[a-z_.]+\",? ?)+)\]", sources)
    chains = [keys for keys in (re.findall(r'"([a-z_]+\.[a-z_]+)"', array) for array in arrays) if keys]
    chains += [[key] for key in re.findall(r'data-i18n="([a-z_.]+)"', sources) if key != "ui.token_help"]
    assert len(chains) > 20
    for chain in chains:
        for language, table in tables.items():
            assert chain[-1] in table, f"{chain[-1]} missing in {language}"
    schema = service.schema("changeset")["properties"]
    finding = schema["findings"]["items"]["properties"]
    dynamic = [f"kind.{k}" for k in finding["kind"]["enum"]] + [f"where.{w}" for w in finding["where"]["enum"]]
    dynamic += [f"verdict.{v}" for v in schema["verdict"]["enum"]]
    for key in dynamic:
        assert all(key in table for table in tables.values()), key
