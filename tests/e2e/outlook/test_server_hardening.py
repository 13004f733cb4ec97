"""The server under a hostile or clumsy client, with raw TLS sockets on loopback (bounded): slow headers, silent
and idle connections and slow bodies are cut within their timeouts; too many calls at once get a clear 503;
one 30 MB message does not stop small ones from being answered meanwhile."""

from __future__ import annotations

import base64
import os
import socket
import ssl
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from outlook_helpers import NISS, Server, make_server_dir, snapshot, start_server, stop_server

from medseal import service

pytestmark = pytest.mark.e2e

HEADER_S, BODY_S, IDLE_S = 2, 3, 2
SLACK = 3.0  # generous: a loaded 2-core machine


@pytest.fixture(scope="module")
def tight(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    config = make_server_dir(tmp_path_factory.mktemp("hardening"))
    text = config.read_text()
    for old, new in (("header_timeout_s = 10", f"header_timeout_s = {HEADER_S}"),
                     ("body_timeout_s = 60", f"body_timeout_s = {BODY_S}"),
                     ("idle_timeout_s = 5", f"idle_timeout_s = {IDLE_S}"),
                     ("max_concurrent = 16", "max_concurrent = 2")):
        assert old in text
        text = text.replace(old, new)
    config.write_text(text)
    running = start_server(config)
    yield running
    stop_server(running)


def tls_socket(server: Server) -> ssl.SSLSocket:
    port = int(server.url.rsplit(":", 1)[1])
    context = ssl.create_default_context(cafile=str(server.cert))
    raw = socket.create_connection(("localhost", port), timeout=30)
    return context.wrap_socket(raw, server_hostname="localhost")


def closed_after(tls: ssl.SSLSocket, limit: float) -> tuple[float, bytes]:
    """Read until the server closes (or ``limit`` seconds pass); the time it took and what it sent."""
    started = time.monotonic()
    received = b""
    tls.settimeout(limit)
    try:
        while chunk := tls.recv(4096):
            received += chunk
    except (TimeoutError, ssl.SSLError, ConnectionError):
        pass
    return time.monotonic() - started, received


def test_a_silent_tls_connection_is_closed_within_the_header_timeout(tight: Server) -> None:
    with tls_socket(tight) as tls:
        elapsed, answer = closed_after(tls, HEADER_S + SLACK + 5)
    assert elapsed < HEADER_S + SLACK, f"still open after {elapsed:.1f} s"
    assert answer.startswith(b"HTTP/1.1 408")


def test_slow_loris_headers_are_cut_within_the_header_timeout(tight: Server) -> None:
    request = f"POST /api/v1/analyse HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {tight.token}\r\n".encode()
    with tls_socket(tight) as tls:
        started = time.monotonic()
        cut = None
        for index in range(len(request)):  # one byte a second, never finishing the header block
            try:
                tls.sendall(request[index : index + 1])
            except (ssl.SSLError, ConnectionError):
                cut = time.monotonic() - started
                break
            time.sleep(1)
            if time.monotonic() - started > HEADER_S + SLACK + 5:
                break
        if cut is None:
            _, answer = closed_after(tls, 1)
            cut = time.monotonic() - started
            assert answer == b"" or answer.startswith(b"HTTP/1.1 408")
    assert cut < HEADER_S + SLACK + 1, f"a 1 byte/s client was held {cut:.1f} s"


def test_an_idle_kept_alive_connection_is_closed(tight: Server) -> None:
    with tls_socket(tight) as tls:
        tls.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        tls.settimeout(10)
        first = tls.recv(4096)
        assert first.startswith(b"HTTP/1.1 200")
        elapsed, _ = closed_after(tls, IDLE_S + SLACK + 5)
    assert elapsed < IDLE_S + SLACK


def test_a_slow_body_gets_408_within_the_body_timeout(tight: Server) -> None:
    head = (f"POST /api/v1/analyse HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {tight.token}\r\n"
            "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{").encode()
    with tls_socket(tight) as tls:
        tls.sendall(head)
        started = time.monotonic()
        answer = b""
        tls.settimeout(1.2)
        while time.monotonic() - started < BODY_S + SLACK + 5 and not answer:
            try:
                tls.sendall(b" ")  # a byte now and then: never idle, never done
                answer = tls.recv(4096)
            except TimeoutError:
                continue
            except (ssl.SSLError, ConnectionError):
                break
        elapsed = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408"), answer[:80]
    assert elapsed < BODY_S + SLACK


def test_too_many_calls_at_once_get_a_clear_503(tight: Server) -> None:
    head = (f"POST /api/v1/analyse HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {tight.token}\r\n"
            "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{").encode()
    holders = [tls_socket(tight), tls_socket(tight)]
    try:
        for holder in holders:  # two calls in flight (their bodies still coming): the cap is 2
            holder.sendall(head)
        time.sleep(0.5)
        with tight.client() as client:
            busy = client.post("/api/v1/analyse", json=snapshot())
            assert client.get("/healthz").status_code == 200  # outside the API: not counted
    finally:
        for holder in holders:
            holder.close()
    assert busy.status_code == 503
    assert busy.json() == {"error": service.catalogue("fr")["reason.server_busy"]}
    assert busy.headers["retry-after"] == "2"
    time.sleep(BODY_S + 1)
    with tight.client() as client:
        assert client.post("/api/v1/analyse", json=snapshot()).status_code == 200  # slots given back


def big_snapshot(megabytes: int) -> dict[str, object]:
    data = base64.b64encode(os.urandom(megabytes * 1024 * 1024 * 3 // 4)).decode()
    attachment = {"id": "big", "name": "scan.bin", "contentType": "application/octet-stream", "dataBase64": data}
    return snapshot(subject=f"Imagerie {NISS}", attachments=[attachment])


def test_small_calls_are_answered_while_a_30_mb_message_is_processed(tight: Server) -> None:
    big = big_snapshot(30)
    window: dict[str, float] = {}

    def send_big() -> None:
        with tight.client(timeout=120) as client:
            window["start"] = time.monotonic()
            response = client.post("/api/v1/protect", json=big)
            window["end"] = time.monotonic()
            window["status"] = response.status_code

    thread = threading.Thread(target=send_big)
    thread.start()
    small_done: list[float] = []
    with tight.client() as client:
        while thread.is_alive() and len(small_done) < 500:
            response = client.get("/api/v1/catalogue/nl")
            if response.status_code == 200:
                small_done.append(time.monotonic())
            time.sleep(0.005)
    thread.join(timeout=120)
    assert window.get("status") == 200
    during = [t for t in small_done if window["start"] < t < window["end"]]
    assert len(during) >= 3, f"{len(during)} small answers during {window['end'] - window['start']:.2f} s"


@pytest.mark.parametrize("path", ["/api/v1/analyse", "/api/v1/protect"])
def test_the_contract_still_works_under_the_guards(tight: Server, path: str) -> None:
    with tight.client() as client:
        response = client.post(path, json=snapshot(subject=f"Résultats {NISS}"))
    assert response.status_code == 200 and response.json()["action"] == "apply"
    assert isinstance(response, httpx.Response) and NISS not in response.text
