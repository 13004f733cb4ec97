"""``--jobs N``: scan messages in N worker processes, results in input order, a bounded number in flight.

The main process reads the input (files, mbox, Maildir or IMAP) and hands each message to a pool; at most
``window`` messages are in flight (read but not yet reported), so memory stays flat however long the folder is —
``multiprocessing.Pool.imap`` would read the whole input ahead. Each worker loads the practice context once.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from typing import Any, TypeVar

In = TypeVar("In")
Out = TypeVar("Out")


def ordered_map(
    work: Callable[[In], Out],
    items: Iterable[In],
    jobs: int,
    initializer: Callable[..., Any] | None = None,
    initargs: tuple[Any, ...] = (),
    window: int | None = None,
) -> Iterator[Out]:
    """``map(work, items)``, run in ``jobs`` processes (in this one when ``jobs`` is 1), in input order."""
    if jobs <= 1:
        if initializer is not None:
            initializer(*initargs)
        yield from map(work, items)
        return
    from concurrent.futures import ProcessPoolExecutor  # not at import: Pyodide has no processes

    limit = window or 4 * jobs
    pending: deque[Future[Out]] = deque()
    with ProcessPoolExecutor(max_workers=jobs, initializer=initializer, initargs=initargs) as pool:
        try:
            for item in items:
                pending.append(pool.submit(work, item))
                if len(pending) >= limit:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()
