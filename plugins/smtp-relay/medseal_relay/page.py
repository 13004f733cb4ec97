"""The handover page: ``https://relay:8588/``, behind the same login as for sending, lists the user's recent
generated passwords (newest first) with the pseudonymised subject and the recipients, so the sender can pass
each one on by another channel. HTTPS only; HTTP Basic authentication checked against the scrypt hash (and the
same failed-login lock-out as SMTP); nothing is cached (``Cache-Control: no-store``), no script, no remote
content.
"""

from __future__ import annotations

import base64
import datetime
import html
import logging
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from medseal.i18n import t
from medseal_relay.config import Address, RelayConfig
from medseal_relay.handover import HandoverStore
from medseal_relay.limits import Limiter
from medseal_relay.userauth import unseal_private, verify_password

log = logging.getLogger("medseal.relay")
_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Strict-Transport-Security": "max-age=31536000",
}


def render_page(language: str, rows: list[tuple[str, str, str, str]]) -> str:
    title = html.escape(t("relay.page.title", language))
    head = "".join(
        f"<th>{html.escape(t(key, language))}</th>"
        for key in ("relay.page.time", "relay.page.subject", "relay.page.recipients", "relay.page.password")
    )
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row[:3])
        + f"<td><code>{html.escape(row[3])}</code></td></tr>"
        for row in rows
    )
    table = (
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        if rows
        else f"<p>{html.escape(t('relay.page.empty', language))}</p>"
    )
    return (
        f'<!doctype html><html lang="{language}"><head><meta charset="utf-8"><title>{title}</title>'
        "<style>body{font-family:sans-serif;margin:2em}td,th{padding:.3em .8em;text-align:left}"
        "code{font-size:1.2em}</style></head>"
        f"<body><h1>{title}</h1><p>{html.escape(t('relay.page.intro', language))}</p>{table}</body></html>"
    )


class HandoverPage:
    def __init__(self, config: RelayConfig, store: HandoverStore, limiter: Limiter, address: Address,
                 context: ssl.SSLContext) -> None:
        page = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "medseal-relay"
            sys_version = ""
            timeout = 30  # a silent client is dropped

            def _send(self, status: int, body: str, extra: dict[str, str] | None = None) -> None:
                data = body.encode("utf-8")
                self.send_response(status)
                for name, value in {**_HEADERS, **(extra or {})}.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                peer = self.client_address[0]
                language = config.language
                challenge = {"WWW-Authenticate": 'Basic realm="medseal relay", charset="UTF-8"'}
                if self.path not in ("/", "/handovers"):
                    self._send(404, "<p>404</p>")
                    return
                if limiter.locked_out(peer):
                    self._send(429, "<p>429</p>", {"Retry-After": "900"})
                    return
                header = self.headers.get("Authorization", "")
                if not header.startswith("Basic "):
                    self._send(401, "<p>401</p>", challenge)
                    return
                try:
                    name, _, password = base64.b64decode(header[6:], validate=True).decode("utf-8").partition(":")
                except ValueError:
                    self._send(400, "<p>400</p>")
                    return
                user = config.users.get(name)
                if user is None or not verify_password(password, user.password_hash):
                    limiter.failed_login(peer)
                    self._send(401, "<p>401</p>", challenge)
                    return
                language = user.language or language
                rows: list[tuple[str, str, str, str]] = []
                if user.keys is not None:
                    private = unseal_private(user.keys, password)
                    for h in store.recent(user.name, private):
                        stamp = datetime.datetime.fromtimestamp(h.time, datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
                        rows.append((stamp, h.subject, ", ".join(h.recipients), h.password))
                self._send(200, render_page(language, rows))

            def log_message(self, format: str, *args: object) -> None:
                log.debug("page: %s", format % args)

        self.httpd = ThreadingHTTPServer((address.host, address.port), Handler)
        # the TLS handshake happens in each connection's own thread (on first read), not in the accept loop
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True, do_handshake_on_connect=False)
        self.port = int(self.httpd.server_address[1])
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="medseal-relay-page", daemon=True)
        del page

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
