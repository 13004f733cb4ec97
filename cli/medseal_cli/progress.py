"""A progress bar on stderr, shown only on a terminal (scanning a whole mailbox takes a while).

With a known total (an IMAP folder: the server says how many messages are left) it is a bar with the rate and
the time left; otherwise a counter.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

_WIDTH = 28


class Progress:
    def __init__(self, label: str, stream: TextIO | None = None, total: int | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.label = label
        self.total = total
        self.count = 0
        self.flagged = 0
        self._start = time.monotonic()
        self._last = 0.0
        self._shown = False

    def expect(self, more: int) -> None:
        """``more`` messages will follow (adds to the total)."""
        self.total = (self.total or 0) + more

    def line(self) -> str:
        counts = f"{self.count} messages, {self.flagged} flagged"
        if not self.total:
            return f"{self.label}: {counts}"
        done = min(self.count / self.total, 1.0)
        bar = "#" * round(_WIDTH * done)
        elapsed = max(time.monotonic() - self._start, 1e-6)
        rate = self.count / elapsed
        left = (self.total - self.count) / rate if rate else 0.0
        return (
            f"{self.label} [{bar:<{_WIDTH}}] {done:4.0%} {self.count}/{self.total}, {self.flagged} flagged, "
            f"{rate:.0f}/s, {left:.0f} s left"
        )

    def step(self, flagged: bool) -> None:
        self.count += 1
        self.flagged += int(flagged)
        now = time.monotonic()
        if self.enabled and now - self._last > 0.1:
            self._last = now
            self.stream.write(f"\r{self.line()}\x1b[K")
            self.stream.flush()
            self._shown = True

    def clear(self) -> None:
        """Take the bar off the line, so that a report line written to the same terminal starts clean."""
        if self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False

    def close(self) -> None:
        if self.enabled and self.count:
            self.stream.write(f"\r{self.line()}\x1b[K\n")
            self.stream.flush()
