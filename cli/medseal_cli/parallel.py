"""``--jobs N``: scan messages in N worker processes, results in input order, a bounded number in flight.

The main process reads the input (files, mbox, Maildir or IMAP) and hands the messages to a pool in small chunks
(at most :data:`CHUNK_ITEMS` messages or :data:`CHUNK_WEIGHT` bytes each, so the cost of handing work over is
shared); at most ``2 × jobs`` chunks are in flight (read but not yet reported), so memory stays flat however long
the folder is — ``multiprocessing.Pool.imap`` would read the whole input ahead. Each worker loads the practice
context once (``initializer``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from typing import Any, TypeVar

In = TypeVar("In")
Out = TypeVar("Out")

CHUNK_ITEMS = 8
CHUNK_WEIGHT = 2 * 2**20


def _run_chunk(work: Callable[[In], Out], chunk: list[In]) -> list[Out]:
    return [work(item) for item in chunk]


def _chunks(
    items: Iterable[In], weight: Callable[[In], int], limit_items: int, limit_weight: int
) -> Iterator[list[In]]:
    chunk: list[In] = []
    total = 0
    for item in items:
        chunk.append(item)
        total += weight(item)
        if len(chunk) >= limit_items or total >= limit_weight:
            yield chunk
            chunk, total = [], 0
    if chunk:
        yield chunk


def ordered_map(
    work: Callable[[In], Out],
    items: Iterable[In],
    jobs: int,
    initializer: Callable[..., Any] | None = None,
    initargs: tuple[Any, ...] = (),
    weight: Callable[[In], int] = lambda _item: 0,
    chunk_items: int = CHUNK_ITEMS,
) -> Iterator[Out]:
    """``map(work, items)``, run in ``jobs`` processes (in this one when ``jobs`` is 1), in input order.
    ``weight(item)`` (e.g. its size in bytes) bounds what one chunk holds."""
    if jobs <= 1:
        if initializer is not None:
            initializer(*initargs)
        yield from map(work, items)
        return
    from concurrent.futures import ProcessPoolExecutor  # not at import: Pyodide has no processes

    pending: deque[Future[list[Out]]] = deque()
    with ProcessPoolExecutor(max_workers=jobs, initializer=initializer, initargs=initargs) as pool:
        try:
            for chunk in _chunks(items, weight, chunk_items, CHUNK_WEIGHT):
                pending.append(pool.submit(_run_chunk, work, chunk))
                if len(pending) >= 2 * jobs:
                    yield from pending.popleft().result()
            while pending:
                yield from pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()
