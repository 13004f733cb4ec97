"""Run the relay in the foreground: submission server, Postfix filter, handover page and delivery worker,
until SIGTERM (or SIGINT). Queued messages stay on disk and are relayed at the next start."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from types import FrameType

from medseal.crypto.keys import default_key_path, read_key
from medseal_cli.context import load_context
from medseal_cli.smtp import SmtpConfig
from medseal_relay.config import RelayConfig, RelayConfigError, read_credentials
from medseal_relay.decide import Practice
from medseal_relay.delivery import DeliveryWorker
from medseal_relay.handover import HandoverStore
from medseal_relay.limits import Limiter
from medseal_relay.spool import Spool

log = logging.getLogger("medseal.relay")


def load_practice(config: RelayConfig) -> Practice:
    context = load_context(
        str(config.directory) if config.directory else None, str(config.policy) if config.policy else None
    )
    key = read_key(config.practice_key or default_key_path())
    return Practice(context, key, fix_recipients=True, audit=config.audit)


class PracticeFiles:
    """The practice (directory, policy, key) re-read when one of its files changes, as the Outlook server does:
    a directory update needs no restart. If the new files cannot be read, the previous practice stays in use
    and the error is logged (messages are still checked against the last good directory)."""

    def __init__(self, config: RelayConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._stamp = self._stamps()
        self._practice = load_practice(config)

    def _stamps(self) -> tuple[float, ...]:
        paths = [self.config.directory, self.config.policy, self.config.practice_key]
        return tuple(p.stat().st_mtime if p is not None and p.exists() else 0.0 for p in paths)

    def get(self) -> Practice:
        with self._lock:
            stamp = self._stamps()
            if stamp != self._stamp:
                try:
                    self._practice = load_practice(self.config)
                    log.info("practice files changed: directory and policy reloaded")
                except Exception as exc:  # keep the last good practice; say why
                    log.error("cannot reload the practice files (%s); still using the previous ones", exc)
                self._stamp = stamp
            return self._practice


def upstream_resolver(config: RelayConfig) -> object:
    def upstream_for(user_name: str) -> tuple[SmtpConfig, str | None]:
        upstream = config.upstream
        if upstream is None:
            raise RelayConfigError("no upstream server: set upstream.host in relay.toml or give --upstream")
        user = config.users.get(user_name)
        if user is not None and user.upstream_credentials is not None:
            name, password = read_credentials(user.upstream_credentials)
            return replace(upstream, username=name), password
        if config.upstream_credentials is not None:
            name, password = read_credentials(config.upstream_credentials)
            return replace(upstream, username=name), password
        return upstream, None

    return upstream_for


def spool_of(config: RelayConfig) -> Spool:
    return Spool(config.spool / "queue")


def run_relay(config: RelayConfig, ready: threading.Event | None = None) -> int:
    from medseal_relay.page import HandoverPage
    from medseal_relay.server import Shared, filter_controller, server_tls_context, submission_controller

    if config.upstream is None and config.filter_listen is None:
        raise RelayConfigError("no upstream server: set upstream.host in relay.toml or give --upstream HOST:PORT")
    if config.upstream is not None and not config.users:
        raise RelayConfigError("relay.toml lists no [users]: add one with medseal relay --add-user NAME")
    practice = PracticeFiles(config)
    spool = spool_of(config)
    store = HandoverStore(config.spool / "handovers")
    store.purge()
    limits = config.limits
    limiter = Limiter(limits.connections_per_minute, limits.auth_failures, limits.auth_window_seconds)
    worker = None
    if config.upstream is not None:
        upstream_for = upstream_resolver(config)
        worker = DeliveryWorker(spool, upstream_for, config.retry, config.hostname)  # type: ignore[arg-type]
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="medseal-relay-core")
    logins = ThreadPoolExecutor(max_workers=2, thread_name_prefix="medseal-relay-login")
    filter_spool = Spool(config.spool / "filter") if config.filter_listen is not None else None
    shared = Shared(config, practice, spool, store, limiter, worker, pool, logins, filter_spool)
    controllers = []
    if config.upstream is not None:
        controllers.append(submission_controller(shared))
    if config.filter_listen is not None:
        controllers.append(filter_controller(shared))
    page = None
    if config.handover_listen is not None and config.tls != "none":
        page = HandoverPage(config, store, limiter, config.handover_listen, server_tls_context(config))

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    started = []
    try:
        for controller in controllers:
            controller.start()
            started.append(controller)
        if page is not None:
            page.start()
        if worker is not None:
            worker.start()
        where = ", ".join(
            [f"submission {config.listen} ({config.tls})"] * (config.upstream is not None)
            + [f"postfix filter {config.filter_listen} -> {config.reinject}"] * (config.filter_listen is not None)
            + [f"handover page https://{config.handover_listen}/"] * (page is not None)
        )
        sys.stderr.write(f"medseal relay: listening: {where}\n")
        sys.stderr.flush()
        if ready is not None:
            ready.set()
        while not stop.wait(1.0):
            pass
    finally:
        for controller in started:
            controller.stop()
        if page is not None:
            page.stop()
        if worker is not None:
            worker.stop()
        pool.shutdown(wait=True)
        logins.shutdown(wait=True)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        sys.stderr.write("medseal relay: stopped\n")
    return 0
