"""Give big freed buffers back to the operating system while a command runs (glibc on Linux).

glibc serves a large allocation from ``mmap`` and returns it on ``free`` -- until one such block is freed: it
then raises its threshold (up to 32 MB) and serves later ones from the heap, which it keeps. A message's parts,
their base64 text and the outgoing envelope are exactly such buffers, one after the other: with the dynamic
threshold, ``protect`` of a 25 MB message peaks about 40 MB higher. Fixing the threshold at glibc's own default
(128 KiB) keeps that off.
"""

from __future__ import annotations

import sys

#: ``M_MMAP_THRESHOLD`` in glibc's ``malloc.h``; setting it also turns the dynamic adjustment off.
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 128 * 1024


def return_big_buffers() -> bool:
    """Fix the mmap threshold of this process; False where there is no glibc ``mallopt`` (nothing changes)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
    except (ImportError, OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))
