"""The server's API over real HTTPS (uvicorn, TLS with the development certificate): the contract, the token,
the size limit, malformed snapshots, CORS, headers and the log's privacy."""

from __future__ import annotations

import base64
import json
import socket
import ssl
import time

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from outlook_helpers import ACCESS_CODE, NISS, OTHER_EMAIL, OTHER_NISS, PATIENT_EMAIL, Server, snapshot

from medseal import service

pytestmark = pytest.mark.e2e

CHANGESET = Draft202012Validator(service.schema("changeset"))
MASKED = "85.07.30-xxx.xx"


def test_a_clean_message_can_be_sent(client: httpx.Client) -> None:
    response = client.post("/api/v1/analyse", json=snapshot())
    assert response.status_code == 200
    changes = response.json()
    CHANGESET.validate(changes)
    assert changes["action"] == "send"
    assert changes["findings"] == []


def test_a_national_number_in_the_subject_is_found_masked_and_pseudonymised(client: httpx.Client) -> None:
    response = client.post("/api/v1/analyse", json=snapshot(subject=f"Résultats {NISS}"))
    assert response.status_code == 200
    changes = response.json()
    CHANGESET.validate(changes)
    assert changes["action"] in ("apply", "block")
    assert any(f["kind"] == "niss" and f["where"] == "subject" and f["masked"] == MASKED for f in changes["findings"])
    assert NISS not in response.text
    if changes["action"] == "apply":
        assert changes["subject"] and NISS not in changes["subject"]
        assert changes["addAttachments"] == [] or all(a["dataBase64"] is None for a in changes["addAttachments"])


def test_protect_returns_the_encrypted_attachments_and_the_same_subject(client: httpx.Client) -> None:
    attachment = {"id": "att-1", "name": "labo.txt", "contentType": "text/plain",
                  "dataBase64": base64.b64encode(f"NISS {NISS} glycémie 5,4".encode()).decode()}
    document = snapshot(subject=f"Résultats {NISS}", attachments=[attachment])
    preview = client.post("/api/v1/analyse", json=document).json()
    protected = client.post("/api/v1/protect", json=document)
    assert protected.status_code == 200
    changes = protected.json()
    CHANGESET.validate(changes)
    assert changes["action"] == "apply"
    assert changes["subject"] == preview["subject"]  # keyed pseudonyms: the preview is what gets applied
    assert "att-1" in changes["removeAttachments"]
    assert changes["addAttachments"] and all(a["dataBase64"] for a in changes["addAttachments"])
    assert NISS not in protected.text
    for added in changes["addAttachments"]:
        assert NISS.encode() not in base64.b64decode(added["dataBase64"])


def test_analyse_names_the_access_code_and_only_protect_carries_it(client: httpx.Client) -> None:
    document = snapshot(to=[OTHER_EMAIL], subject=f"Résultats {OTHER_NISS}")
    preview = client.post("/api/v1/analyse", json=document)
    assert preview.json()["password"] == {"value": None, "source": "access_code", "recipients": [OTHER_EMAIL]}
    assert ACCESS_CODE not in preview.text
    sent = client.post("/api/v1/protect", json=document)
    assert sent.json()["password"]["value"] == ACCESS_CODE and sent.text.count(ACCESS_CODE) == 1


def test_the_language_of_the_snapshot_is_used(client: httpx.Client) -> None:
    texts = {
        lang: client.post("/api/v1/analyse", json=snapshot(subject=f"x {NISS}", language=lang)).json()["reasons"]
        for lang in ("fr", "nl", "de", "en")
    }
    assert all(texts.values())
    assert len({json.dumps(v) for v in texts.values()}) == 4


@pytest.mark.parametrize("language", ["fr", "nl", "de", "en"])
def test_catalogue(client: httpx.Client, language: str) -> None:
    response = client.get(f"/api/v1/catalogue/{language}")
    assert response.status_code == 200
    assert response.json() == service.catalogue(language)


def test_unknown_catalogue_language_is_404(client: httpx.Client) -> None:
    assert client.get("/api/v1/catalogue/xx").status_code == 404


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-token-of-some-length"}, {"Authorization": "Basic dXNlcjpwYXNz"},
     {"Authorization": "Bearer"}, {"Authorization": ""}],
    ids=["none", "wrong", "basic", "empty-bearer", "empty"],
)
@pytest.mark.parametrize(
    "method,path", [("POST", "/api/v1/analyse"), ("POST", "/api/v1/protect"), ("GET", "/api/v1/catalogue/fr")]
)
def test_every_api_call_needs_the_token(server: Server, headers: dict[str, str], method: str, path: str) -> None:
    with server.client(auth=False) as anonymous:
        response = anonymous.request(method, path, headers=headers, json=snapshot() if method == "POST" else None)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_the_token_is_case_sensitive(server: Server) -> None:
    with server.client(auth=False) as anonymous:
        swapped = server.token.swapcase()
        response = anonymous.get("/api/v1/catalogue/fr", headers={"Authorization": f"Bearer {swapped}"})
    assert response.status_code == 401


def test_pages_and_health_need_no_token(server: Server) -> None:
    with server.client(auth=False) as anonymous:
        for path in ("/healthz", "/taskpane.html", "/taskpane.js", "/commands.html", "/launchevent.js",
                     "/assets/icon-32.png", "/openapi.json"):
            assert anonymous.get(path).status_code == 200, path


def test_launchevent_carries_the_offline_strings(server: Server) -> None:
    with server.client(auth=False) as anonymous:
        script = anonymous.get("/launchevent.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert "@medseal-offline-strings@" not in script.text
    for language in ("fr", "nl", "de", "en"):
        assert json.dumps(service.catalogue(language)["reason.server_unreachable"], ensure_ascii=False) in script.text


def test_a_declared_oversized_body_is_refused_before_it_is_read(server: Server) -> None:
    """Content-Length over the limit: 413 at once, although the body never comes."""
    host, port = "localhost", int(server.url.rsplit(":", 1)[1])
    context = ssl.create_default_context(cafile=str(server.cert))
    with (
        socket.create_connection((host, port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        tls.sendall(
            b"POST /api/v1/analyse HTTP/1.1\r\nHost: localhost\r\n"
            + f"Authorization: Bearer {server.token}\r\n".encode()
            + b"Content-Type: application/json\r\nContent-Length: 100000000\r\n\r\n{"
        )
        started = time.monotonic()
        answer = tls.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413")
    assert time.monotonic() - started < 5


def test_a_streamed_oversized_body_is_refused(client: httpx.Client) -> None:
    def chunks():  # no Content-Length: chunked transfer encoding
        yield b'{"subject": "'
        for _ in range(40):
            yield b"x" * 65536
        yield b'"}'

    response = client.post("/api/v1/analyse", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413


def test_a_body_under_the_limit_is_accepted(client: httpx.Client) -> None:
    data = base64.b64encode(b"a" * (1024 * 1024)).decode()  # 1 MiB of text, ~1.4 MB of JSON: under 2 MiB
    document = snapshot(attachments=[{"id": "a", "name": "notes.txt", "contentType": "text/plain", "dataBase64": data}])
    assert client.post("/api/v1/analyse", json=document).status_code == 200


@pytest.mark.parametrize(
    "body,status",
    [
        (b"not json", 400),
        (b"\xff\xfe", 400),
        (b'{"subject": NaN}', 400),
        (b"[" * 100000, 400),
        (b"[]", 422),
        (b'"text"', 422),
        (b'{"version": 2}', 422),
        (b'{"to": "a@b.be"}', 422),
        (b'{"attachments": [{"name": "x"}]}', 422),
        (b'{"language": "it"}', 422),
        (b'{"body": {"text": 5}}', 422),
    ],
    ids=["text", "bad-utf8", "nan", "deep", "array", "string", "version", "to-string", "no-data", "language",
         "body-type"],
)
def test_malformed_snapshots_get_a_clear_4xx(client: httpx.Client, body: bytes, status: int) -> None:
    response = client.post("/api/v1/analyse", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == status
    problem = response.json()
    assert problem["error"]
    if status == 422:
        assert problem["details"] and all(d.startswith("$") for d in problem["details"])


@pytest.mark.parametrize(
    "method,path,allow",
    [("GET", "/api/v1/analyse", "POST"), ("OPTIONS", "/api/v1/protect", "POST"),
     ("POST", "/api/v1/catalogue/fr", "GET, HEAD")],
)
def test_a_wrong_method_is_405_with_its_allow_header(client: httpx.Client, method: str, path: str, allow: str) -> None:
    response = client.request(method, path)
    assert response.status_code == 405
    assert set(response.headers["allow"].split(", ")) == set(allow.split(", "))
    assert response.json()["error"]


def test_unknown_api_paths_are_json_404(client: httpx.Client) -> None:
    for path in ("/api/v1/catalogue/fr/x", "/api/v1/nothing", "/api/v2/analyse"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/json"


def test_a_wrong_media_type_is_415(client: httpx.Client) -> None:
    response = client.post("/api/v1/analyse", content=json.dumps(snapshot()), headers={"Content-Type": "text/plain"})
    assert response.status_code == 415


def test_problems_never_quote_the_request(client: httpx.Client) -> None:
    document = {"to": [NISS, 42], "subject": 85073003328, "attachments": [{"name": 1, NISS: NISS}],
                "Lambert": "Sophie"}
    response = client.post("/api/v1/analyse", json=document)
    assert response.status_code == 422
    assert NISS not in response.text and "Lambert" not in response.text and "Sophie" not in response.text
    assert any("$.subject" in d for d in response.json()["details"])


def test_bad_base64_is_a_blocked_change_set_not_an_error(client: httpx.Client) -> None:
    document = snapshot(attachments=[{"id": "a", "name": "x.pdf", "dataBase64": "%%%"}])
    response = client.post("/api/v1/analyse", json=document)
    assert response.status_code == 200
    assert response.json()["action"] == "block"
    assert response.json()["error"]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
FIELDS = st.sampled_from(["version", "subject", "from", "to", "cc", "bcc", "body", "attachments", "language"])


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(FIELDS, JSON_VALUES, max_size=6) | JSON_VALUES)
def test_no_json_value_makes_the_server_fail(client: httpx.Client, document: object) -> None:
    body = json.dumps(document).encode()
    response = client.post("/api/v1/analyse", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code in (200, 422)
    assert ACCESS_CODE not in response.text
    if response.status_code == 200:
        CHANGESET.validate(response.json())


def test_cors_allows_no_foreign_origin(client: httpx.Client) -> None:
    preflight = client.options(
        "/api/v1/analyse",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization,content-type"},
    )
    assert "access-control-allow-origin" not in preflight.headers
    response = client.post("/api/v1/analyse", json=snapshot(), headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers


def test_security_headers(client: httpx.Client) -> None:
    api = client.post("/api/v1/analyse", json=snapshot())
    assert api.headers["cache-control"] == "no-store"
    assert api.headers["x-content-type-options"] == "nosniff"
    assert "strict-transport-security" in api.headers
    page = client.get("/taskpane.html")
    assert "script-src 'self' https://appsforoffice.microsoft.com" in page.headers["content-security-policy"]
    assert "server" not in api.headers


def test_openapi_describes_the_contract(client: httpx.Client) -> None:
    document = client.get("/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    analyse = document["paths"]["/api/v1/analyse"]["post"]
    assert analyse["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Snapshot"}
    assert {"200", "401", "413", "422"} <= set(analyse["responses"])
    assert document["components"]["schemas"]["ChangeSet"]["required"]
    assert document["components"]["securitySchemes"]["token"]["scheme"] == "bearer"


def test_the_log_holds_no_message_content(server: Server, client: httpx.Client) -> None:
    subject = f"Résultats Lambert Sophie {NISS}"
    client.post("/api/v1/analyse", json=snapshot(subject=subject), params={"niss": NISS})
    client.post("/api/v1/analyse", content=b'{"subject": 85073003328}', headers={"Content-Type": "application/json"})
    client.get(f"/{NISS}.html")
    time.sleep(0.3)  # let the access log flush
    log = server.log_text()
    assert "POST /api/v1/analyse" in log  # the access log is on...
    for secret in (NISS, "Lambert", "Sophie", PATIENT_EMAIL, server.token):
        assert secret not in log  # ...but holds no content, no identifier, no token
