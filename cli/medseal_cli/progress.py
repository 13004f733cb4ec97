"""A progress bar on stderr, shown only on a terminal (scanning a whole mailbox takes a while)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.label = label
        self.count = 0
        self.flagged = 0
        self._last = 0.0

    def step(self, flagged: bool) -> None:
        self.count += 1
        self.flagged += int(flagged)
        now = time.monotonic()
        if self.enabled and now - self._last > 0.1:
            self._last = now
            spinner = "|/-\\"[self.count % 4]
            self.stream.write(f"\r{spinner} {self.label}: {self.count} messages, {self.flagged} flagged")
            self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.count:
            self.stream.write(f"\r  {self.label}: {self.count} messages, {self.flagged} flagged\n")
            self.stream.flush()
