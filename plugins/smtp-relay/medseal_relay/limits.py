"""Abuse limits per client address: connections per minute, and failed logins in a window (then locked out)."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque


class SlidingCounter:
    """How many events each key had in the last ``window`` seconds; thread-safe."""

    def __init__(self, window: float) -> None:
        self.window = window
        self._events: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _trim(self, key: str, now: float) -> deque[float]:
        events = self._events[key]
        while events and events[0] <= now - self.window:
            events.popleft()
        return events

    def count(self, key: str) -> int:
        with self._lock:
            return len(self._trim(key, time.monotonic()))

    def add(self, key: str) -> int:
        """Record one event; the count including it."""
        now = time.monotonic()
        with self._lock:
            events = self._trim(key, now)
            events.append(now)
            if len(self._events) > 10_000:  # forget idle clients
                for idle in [k for k, v in self._events.items() if not v]:
                    del self._events[idle]
            return len(events)


class Limiter:
    def __init__(self, connections_per_minute: int, auth_failures: int, auth_window: float) -> None:
        self.connections = SlidingCounter(60.0)
        self.failures = SlidingCounter(auth_window)
        self.connections_per_minute = connections_per_minute
        self.auth_failures = auth_failures

    def allow_connection(self, peer: str) -> bool:
        return self.connections.add(peer) <= self.connections_per_minute

    def locked_out(self, peer: str) -> bool:
        return self.failures.count(peer) >= self.auth_failures

    def failed_login(self, peer: str) -> None:
        self.failures.add(peer)
