"""The server's guards, as small ASGI middlewares: errors that leak nothing, a request size limit, a body
deadline, a cap on concurrent API calls, the users' tokens, and the security headers.

None of them reads a message: they look at headers and count bytes only.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from medseal_outlook.users import User, authenticate

log = logging.getLogger("medseal.server")

API_PREFIX = "/api/"
#: Where :class:`TokenAuth` leaves the authenticated user's name for the app (the audit line).
USER_KEY = "medseal.user"


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


def bearer_token(scope: Scope) -> bytes:
    """The token of ``Authorization: Bearer <token>``, or b"" if the request carries none."""
    value = dict(scope["headers"]).get(b"authorization", b"")
    scheme, _, given = value.partition(b" ")
    return given.strip() if scheme.lower() == b"bearer" else b""


class WatchedUsers:
    """The ``[[users]]`` of ``server.toml``, read again whenever the file changes (revocation without restart).

    If the changed file cannot be read or is invalid, nobody is let in until it is fixed (fail closed).
    """

    def __init__(self, path: Path, load: Callable[[Path], tuple[User, ...]], users: tuple[User, ...]) -> None:
        self.path = path
        self.load = load
        self.users = users
        self.stamp = self._stamp()

    def _stamp(self) -> tuple[int, int, int] | None:
        try:
            info = os.stat(self.path)
        except OSError:
            return None
        return (info.st_mtime_ns, info.st_size, info.st_ino)

    def current(self) -> tuple[User, ...]:
        stamp = self._stamp()
        if stamp != self.stamp:
            self.stamp = stamp
            try:
                self.users = self.load(self.path)
                log.info("users reloaded: %d enabled", sum(not u.disabled for u in self.users))
            except Exception as exc:  # fail closed, and say why in the log (the message names no secret)
                self.users = ()
                log.error("server.toml changed and cannot be used, every API call is refused: %s", exc)
        return self.users


class TokenAuth:
    """Every ``/api/`` call needs one user's token; 401 without it (CORS preflights excepted, they are
    answered by the CORS middleware in front). The user's name is left in the scope under :data:`USER_KEY`."""

    def __init__(self, app: ASGIApp, users: WatchedUsers) -> None:
        self.app = app
        self.users = users

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(API_PREFIX) and scope["method"] != "OPTIONS":
            name = authenticate(bearer_token(scope), self.users.current())
            if name is None:
                await send_json(
                    send,
                    401,
                    {"error": "missing, wrong or revoked API token (Authorization: Bearer <token>)"},
                    [("www-authenticate", 'Bearer realm="medseal"')],
                )
                return
            scope[USER_KEY] = name
        await self.app(scope, receive, send)


class _BodyTimeout(Exception):
    pass


class BodyDeadline:
    """A request body must arrive whole within ``seconds`` of its first read, or the client gets 408 and the
    connection is closed (a slow body would otherwise hold a worker's slot for ever)."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        deadline: float | None = None

        async def bounded() -> Message:
            nonlocal deadline
            if deadline is None:
                deadline = loop.time() + self.seconds
            try:
                async with asyncio.timeout_at(deadline):
                    return await receive()
            except TimeoutError:
                raise _BodyTimeout from None

        tracked = _Tracked(send)
        try:
            await self.app(scope, bounded, tracked)
        except _BodyTimeout:
            if tracked.started:
                raise
            await send_json(send, 408, {"error": "the request body took too long"}, [("connection", "close")])


class ConcurrencyLimit:
    """At most ``limit`` API calls at once (per worker process); the next ones get 503 with ``Retry-After``
    and ``busy`` (a catalogue sentence in the practice's language), so the add-in can say so and fail closed."""

    def __init__(self, app: ASGIApp, limit: int, busy: str) -> None:
        self.app = app
        self.limit = limit
        self.busy = busy
        self.active = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX) or scope["method"] == "OPTIONS":
            await self.app(scope, receive, send)
            return
        if self.active >= self.limit:
            await send_json(send, 503, {"error": self.busy}, [("retry-after", "2")])
            return
        self.active += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.active -= 1


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
