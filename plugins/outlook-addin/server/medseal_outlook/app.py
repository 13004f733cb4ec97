"""The ASGI app: the core's analyse/protect/catalogue over HTTPS, and the add-in's own files.

Routes: ``POST /api/v1/analyse`` and ``/api/v1/protect`` (compose snapshot in, change set out),
``GET /api/v1/catalogue/{language}``, ``GET /openapi.json``, ``GET /healthz``, and the add-in's pages.

The event loop only moves bytes: parsing the JSON, checking it, the core's work and writing the answer all run
in the thread pool, so one 30 MB message does not hold up everybody else's small ones. Each API call that the
core answers is recorded in the practice's keyed audit chain (``audit_log`` in ``server.toml``, the same chain
as the CLI's and the relay's, see :mod:`medseal_outlook.audit`) before it is answered; if the record cannot be
written the call gets a 503 (the add-in then blocks the send): nothing is decided off the record. A
``medseal.audit`` log line names the user (never the token) and what was decided (finding kinds and counts).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import AsyncIterator
from dataclasses import replace
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from medseal import service
from medseal.audit import AuditError
from medseal_cli import audit_log
from medseal_outlook.audit import practice_key
from medseal_outlook.config import LANGUAGES, ConfigError, PracticeFiles, ServerConfig, load_config
from medseal_outlook.guard import (
    USER_KEY,
    BodyDeadline,
    BodyLimit,
    ConcurrencyLimit,
    SafeErrors,
    SecurityHeaders,
    TokenAuth,
    WatchedUsers,
)
from medseal_outlook.openapi import build_openapi
from medseal_outlook.work import CoreWork

log = logging.getLogger("medseal.server")
audit = logging.getLogger("medseal.audit")

CONFIG_ENV = "MEDSEAL_SERVER_CONFIG"
WEB_ROOT = Path(str(resources.files("medseal_outlook").joinpath("web")))
#: Strings the on-send handler needs when it cannot reach the API (server down, no token yet).
OFFLINE_KEYS = (
    "reason.server_unreachable",
    "reason.core_timeout",
    "reason.core_failed",
    "reason.not_configured",
    "reason.too_large",
    "reason.server_busy",
    "ui.open_pane",
    "ui.blocked",
    "ui.title",
    "ui.token",
    "ui.save",
    "ui.saved",
    "ui.loading",
)
STRINGS_MARKER = "/*@medseal-offline-strings@*/ {}"

#: Bodies over this size are worked on in the core's own process (see :mod:`medseal_outlook.work`).
PROCESS_OVER_BYTES = 1024 * 1024


def _error(status: int, message: str, details: list[str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"error": message}
    if details:
        body["details"] = details
    return JSONResponse(body, status_code=status)


async def _http_error(request: Request, exc: Exception) -> Response:
    """Routing errors (404, 405): JSON on the API, plain text elsewhere."""
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=headers)
    return PlainTextResponse(exc.detail, status_code=exc.status_code, headers=headers)


class ChunkedResponse(Response):
    """A response sent in slices: TLS-encrypting a 30 MB answer in one piece would hold the event loop for a
    good part of a second; slice by slice, every slice waits for the socket and lets other clients in."""

    CHUNK = 256 * 1024

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        view = memoryview(self.body)
        for start in range(0, max(len(view), 1), self.CHUNK):
            chunk = bytes(view[start : start + self.CHUNK])
            await send({"type": "http.response.body", "body": chunk, "more_body": start + self.CHUNK < len(view)})


def offline_strings() -> dict[str, dict[str, str]]:
    """The few catalogue strings the on-send handler must have without the API, in every language."""
    out = {}
    for language in LANGUAGES:
        table = service.catalogue(language)
        out[language] = {key: table[key] for key in OFFLINE_KEYS if key in table}
    return out


def create_app(config: ServerConfig) -> Starlette:
    """The app for one configuration (its users are read again when ``server.toml`` changes)."""
    practice = PracticeFiles(config)
    users = WatchedUsers(config.path, lambda path: load_config(path).users, config.users)
    busy = service.catalogue(config.language)["reason.server_busy"]
    work = CoreWork(config.core_processes, PROCESS_OVER_BYTES)
    openapi = build_openapi()
    launchevent = (WEB_ROOT / "launchevent.js").read_text(encoding="utf-8")
    launchevent = launchevent.replace(STRINGS_MARKER, json.dumps(offline_strings(), ensure_ascii=False))

    async def contract(name: str, request: Request) -> Response:
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != "application/json":
            return _error(415, "send the snapshot as application/json")
        body = await request.body()
        try:
            settings = await run_in_threadpool(practice.settings)
        except (ConfigError, OSError, UnicodeDecodeError, ValueError) as exc:
            log.error("practice files unusable: %s", type(exc).__name__)
            return _error(503, "the server's practice files are unusable; see its configuration")
        status, data, decided = await work.run(name, body, settings)
        if decided is not None:
            record, summary = decided
            user = str(request.scope.get(USER_KEY, "?"))
            if config.audit_log is not None:
                try:
                    await run_in_threadpool(
                        audit_log.append, config.audit_log, replace(record, user=user), practice_key(settings)
                    )
                except (AuditError, ValueError) as exc:
                    log.error("audit log not written, call refused: %s", exc)
                    return _error(503, "the server's audit log cannot be written; see its log")
            audit.info("user=%s %s", user, summary)
        return ChunkedResponse(data, status_code=status, media_type="application/json")

    async def catalogue(request: Request) -> Response:
        language = request.path_params["language"]
        if language not in LANGUAGES:
            return _error(404, f"unknown language; use one of {', '.join(LANGUAGES)}")
        return JSONResponse(service.catalogue(language))

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def openapi_json(_: Request) -> Response:
        return JSONResponse(openapi)

    async def launchevent_js(_: Request) -> Response:
        # Cached by Outlook: the handler then still runs (and blocks) if the server goes down later.
        return Response(
            launchevent,
            media_type="text/javascript; charset=utf-8",
            headers={"cache-control": "public, max-age=3600"},
        )

    api = [  # mounted apart, so a wrong method gets its own 405 (with the right Allow), not the static files'
        Route("/analyse", partial(contract, "analyse"), methods=["POST"]),
        Route("/protect", partial(contract, "protect"), methods=["POST"]),
        Route("/catalogue/{language}", catalogue, methods=["GET"]),
    ]
    routes = [
        Mount("/api/v1", routes=api),
        Route("/healthz", health, methods=["GET"]),
        Route("/openapi.json", openapi_json, methods=["GET"]),
        Route("/launchevent.js", launchevent_js, methods=["GET"]),
        Mount("/", StaticFiles(directory=WEB_ROOT)),
    ]
    middleware = [
        Middleware(SafeErrors),
        Middleware(SecurityHeaders),
        Middleware(BodyLimit, max_bytes=config.max_request_bytes),
        Middleware(BodyDeadline, seconds=config.body_timeout_s),
        Middleware(
            CORSMiddleware,
            allow_origins=list(config.allowed_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["authorization", "content-type"],
            max_age=600,
        ),
        Middleware(TokenAuth, users=users),
        Middleware(ConcurrencyLimit, limit=config.max_concurrent, busy=busy),
    ]
    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if config.audit_log is None:
            log.warning("server.toml names no audit_log: decisions are only in this log, not in a keyed chain")
        work.start()
        try:
            yield
        finally:
            work.stop()

    return Starlette(
        routes=routes, middleware=middleware, exception_handlers={HTTPException: _http_error}, lifespan=lifespan
    )


def app_from_environment() -> Starlette:
    """uvicorn's factory (``--factory``) for worker processes: the config path comes from the environment."""
    path = os.environ.get(CONFIG_ENV)
    if not path:
        raise ConfigError(f"{CONFIG_ENV} is not set")
    config = load_config(path)
    config.require_users()
    return create_app(config)
