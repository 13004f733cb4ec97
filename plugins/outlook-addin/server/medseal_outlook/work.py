"""The core's work, off the event loop: parse the JSON, check it, run analyse/protect, write the answer.

The event loop only moves bytes. A small call (the on-send check of an ordinary message) runs in the thread
pool: it is quick and needs no copying. A big one (over ``process_over_bytes``, e.g. 30 MB of attachments)
runs in a separate process: base64, AES and PDF writing are long stretches of C code that hold Python's
global lock, and in a thread of the server process they would hold up every other client's answers by
hundreds of milliseconds (measured by ``bench/outlook_big_body.py``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from starlette.concurrency import run_in_threadpool

from medseal import service
from medseal.audit import AuditRecord
from medseal_outlook.audit import audit_record, summary
from medseal_outlook.schemas import snapshot_problems

log = logging.getLogger("medseal.server")

LANGUAGES = ("fr", "nl", "de", "en")
OPERATIONS = {"analyse": service.analyse, "protect": service.protect}
#: (status, JSON bytes, (audit record, log line) or None when the core did not answer)
Answer = tuple[int, bytes, tuple[AuditRecord, str] | None]


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def parse_json(body: bytes) -> tuple[object, str | None]:
    """The JSON document in ``body``, or why it is not one (never quoting it)."""
    try:
        return json.loads(body, parse_constant=_reject_constant), None
    except UnicodeDecodeError:
        return None, "the body is not UTF-8"
    except RecursionError:
        return None, "the JSON is nested too deeply"
    except ValueError:
        return None, "the body is not valid JSON"


def encode(status: int, document: Mapping[str, Any]) -> tuple[int, bytes]:
    return status, json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def answer(operation: str, body: bytes, settings: Mapping[str, Any]) -> Answer:
    """A whole API answer for ``body`` (runs in a worker thread or process)."""
    payload, problem = parse_json(body)
    if problem:
        return (*encode(400, {"error": problem}), None)
    problems = snapshot_problems(payload)
    if problems:
        return (*encode(422, {"error": "not a compose snapshot", "details": problems}), None)
    assert isinstance(payload, dict)
    language = payload.get("language")
    chosen = {**settings, "language": language if language in LANGUAGES else settings["language"]}
    result = OPERATIONS[operation](payload, chosen)
    record = audit_record(operation, body, payload, result, chosen)
    return (*encode(200, result), (record, summary(record, result)))


def _warm() -> bool:
    return bool(OPERATIONS)  # importing this module in the child loaded the core


class CoreWork:
    """Runs :func:`answer` in the thread pool or, for big bodies, in a pool of ``processes`` processes."""

    def __init__(self, processes: int, process_over_bytes: int) -> None:
        self.processes = processes
        self.process_over_bytes = process_over_bytes
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            context = multiprocessing.get_context("spawn")  # never fork a threaded server
            self._pool = ProcessPoolExecutor(self.processes, mp_context=context)
            self._pool.submit(_warm)  # start the process and import the core before the first big message
        return self._pool

    def start(self) -> None:
        if self.processes:
            self._executor()

    def stop(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    async def run(self, operation: str, body: bytes, settings: Mapping[str, Any]) -> Answer:
        if not self.processes or len(body) <= self.process_over_bytes:
            return await run_in_threadpool(answer, operation, body, dict(settings))
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor(), answer, operation, body, dict(settings))
        except BrokenProcessPool:
            log.error("the core's worker process died; starting a new one")
            self.stop()
            return (*encode(503, {"error": "the server's core process failed; try again"}), None)
