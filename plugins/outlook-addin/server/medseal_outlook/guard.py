"""The server's guards, as small ASGI middlewares: errors that leak nothing, a request size limit, the API
token, and the security headers.

None of them reads a message: they look at headers and count bytes only.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("medseal.server")

API_PREFIX = "/api/"


async def send_json(send: Send, status: int, body: dict[str, object], headers: Iterable[tuple[str, str]] = ()) -> None:
    """Send a whole JSON response (used before the app has answered)."""
    data = json.dumps(body).encode("utf-8")
    raw_headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(data)).encode("ascii")),
        (b"cache-control", b"no-store"),
        *((k.encode("latin-1"), v.encode("latin-1")) for k, v in headers),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": data})


class _Tracked:
    """Wraps ``send`` to know whether the response has started."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.started = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
        await self.send(message)


class SafeErrors:
    """Outermost guard: an unexpected exception becomes a bare 500 and a log line naming only its type.

    Tracebacks and exception messages may quote message content, so neither reaches the log.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tracked = _Tracked(send)
        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:
            log.error("internal error on %s: %s", scope.get("path", "?"), type(exc).__name__)
            if not tracked.started:
                await send_json(send, 500, {"error": "internal error"})


class _TooLarge(Exception):
    pass


class BodyLimit:
    """Reject a request body over ``max_bytes`` with 413: at once from ``Content-Length``, else while
    streaming, so an oversized upload is never read whole."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            if not declared.isdigit():
                await send_json(send, 400, {"error": "invalid Content-Length"})
                return
            if int(declared) > self.max_bytes:
                await send_json(send, 413, self._body(), [("connection", "close")])
                return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        tracked = _Tracked(send)
        try:
            await self.app(scope, limited, tracked)
        except _TooLarge:
            if tracked.started:
                raise
            await send_json(send, 413, self._body(), [("connection", "close")])

    def _body(self) -> dict[str, object]:
        return {"error": f"request too large (limit {self.max_bytes // (1024 * 1024)} MiB)"}


def bearer_ok(scope: Scope, token: bytes) -> bool:
    """Whether the request carries ``Authorization: Bearer <token>`` (constant-time comparison)."""
    value = dict(scope["headers"]).get(b"authorization", b"")
    scheme, _, given = value.partition(b" ")
    return scheme.lower() == b"bearer" and hmac.compare_digest(given.strip(), token)


class TokenAuth:
    """Every ``/api/`` call needs the installation's token; 401 without it (CORS preflights excepted,
    they are answered by the CORS middleware in front)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token.encode("utf-8")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["path"].startswith(API_PREFIX)
            and scope["method"] != "OPTIONS"
            and not bearer_ok(scope, self.token)
        ):
            await send_json(
                send,
                401,
                {"error": "missing or wrong API token (Authorization: Bearer <token>)"},
                [("www-authenticate", 'Bearer realm="medseal"')],
            )
            return
        await self.app(scope, receive, send)


#: Office.js comes from Microsoft's CDN; everything else from this server.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self' https://appsforoffice.microsoft.com; connect-src 'self'; "
    "img-src 'self' data:; style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'"
)


class SecurityHeaders:
    """HSTS, nosniff and no referrer everywhere; ``no-store`` on the API (answers hold patient data);
    a content security policy on pages."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"
                           or not path.startswith(API_PREFIX)]
                headers += [
                    (b"strict-transport-security", b"max-age=31536000"),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                ]
                if path.startswith(API_PREFIX):
                    headers.append((b"cache-control", b"no-store"))
                if path.endswith(".html"):
                    headers.append((b"content-security-policy", PAGE_POLICY.encode("ascii")))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
