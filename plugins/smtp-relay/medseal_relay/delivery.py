"""The delivery worker: relays queued entries upstream, retries with back-off, bounces what cannot be delivered.

A temporary failure (4xx, connection refused, time-out) keeps the entry queued; the next attempt comes after
``first_seconds * 2**attempts`` (at most ``max_seconds``), until ``give_up_seconds`` after acceptance. A
permanent failure (5xx), or giving up, removes the entry and queues a short non-delivery report to the sender
(an NDR that itself fails is dropped, never bounced again).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace

from medseal_cli.smtp import RelayError, RelayRefused, SmtpConfig, relay
from medseal_relay.config import Retry
from medseal_relay.ndr import non_delivery_report
from medseal_relay.spool import Entry, Spool

log = logging.getLogger("medseal.relay")

#: ``(user name) -> (upstream config, password)`` for the user's entries.
UpstreamFor = Callable[[str], tuple[SmtpConfig, str | None]]


class DeliveryWorker:
    def __init__(self, spool: Spool, upstream_for: UpstreamFor, retry: Retry, hostname: str) -> None:
        self.spool = spool
        self.upstream_for = upstream_for
        self.retry = retry
        self.hostname = hostname
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="medseal-relay-delivery", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=60)

    def wake(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                next_due = self.run_once()
            except Exception:  # the worker must outlive any one bad entry: log, pause, go on
                log.exception("delivery pass failed")
                next_due = time.time() + 1.0
            self._wake.wait(timeout=max(0.05, min(next_due - time.time(), 5.0)))

    def run_once(self) -> float:
        """Try every due entry once; the time the next one falls due."""
        next_due = time.time() + 5.0
        for entry in self.spool.entries():
            if self._stop.is_set():
                break
            if entry.next_attempt > time.time():
                next_due = min(next_due, entry.next_attempt)
                continue
            try:
                after = self.deliver(entry)
            except Exception as exc:
                log.exception("delivery of %s failed", entry.id)
                after = self._later(entry, f"internal error ({type(exc).__name__})")
            if after is not None:
                next_due = min(next_due, after.next_attempt)
        return next_due

    def deliver(self, entry: Entry) -> Entry | None:
        """Relay every part not yet delivered; the entry as it stays queued, or ``None`` once it is done."""
        try:
            config, password = self.upstream_for(entry.user)
        except Exception as exc:  # misconfigured user credentials: keep it, say why
            return self._later(entry, f"upstream credentials: {exc}")
        for index, part in enumerate(entry.parts):
            if part.delivered:
                continue
            try:
                relay(self.spool.read_part(entry, index), entry.sender, list(part.recipients), config,
                      password=password)
            except (RelayError, RelayRefused) as exc:
                temporary = isinstance(exc, RelayError) and exc.temporary
                code = exc.code if isinstance(exc, RelayError) else None
                if temporary and time.time() - entry.created < self.retry.give_up_seconds:
                    return self._later(entry, str(exc))
                self._bounce(entry, code, str(exc))
                return None
            entry = entry.with_part_delivered(index)
            self.spool.save(entry)
        self.spool.remove(entry)
        log.info("delivered %s (%d part(s))", entry.id, len(entry.parts))
        return None

    def _later(self, entry: Entry, error: str) -> Entry:
        delay = min(self.retry.first_seconds * 2**entry.attempts, self.retry.max_seconds)
        entry = replace(entry, attempts=entry.attempts + 1, next_attempt=time.time() + delay, last_error=error)
        self.spool.save(entry)
        log.info("deferred %s: attempt %d failed, next in %.0f s", entry.id, entry.attempts, delay)
        return entry

    def _bounce(self, entry: Entry, code: int | None, error: str) -> None:
        log.warning("bounced %s: %s", entry.id, error)
        if entry.kind == "message" and entry.sender:
            report = non_delivery_report(
                entry.sender, entry.language, self.hostname, when=entry.created, code=code, refused=False
            )
            self.spool.commit(entry.sender, [(report, [entry.sender])], user=entry.user, kind="ndr",
                              language=entry.language)
        self.spool.remove(entry)
