"""The CLI fixes glibc's mmap threshold so that freed message buffers go back to the system."""

from __future__ import annotations

import sys

from medseal_cli.memory import return_big_buffers


def test_threshold_is_fixed_on_linux_only() -> None:
    assert return_big_buffers() is sys.platform.startswith("linux")
