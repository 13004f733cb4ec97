"""uvicorn's h11 protocol with a header deadline: the answer to slow-loris and to silent connections.

uvicorn bounds the idle time *between* requests (``timeout_keep_alive``) and the size of a header block
(h11), but not the time a client takes to send its headers: 300 half-sent requests, one byte a second,
would hold 300 sockets for ever. Here every request's header block (and a new connection's first byte, a TLS
connection included, once its handshake is done) must arrive within ``header_timeout`` seconds, or the
connection gets ``408`` and is closed. The body has its own deadline (:class:`medseal_outlook.guard.
BodyDeadline`), and the TLS handshake asyncio's (60 s).
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

TIMEOUT_RESPONSE = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\ncontent-length: 52\r\n"
    b"connection: close\r\n\r\n"
    b'{"error": "the request headers took too long (408)"}'
)


class HeaderDeadlineH11(H11Protocol):
    """:class:`H11Protocol` whose connections must deliver each request's headers in time."""

    def __init__(self, *args: Any, header_timeout: float = 10.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = header_timeout
        self._header_timer: asyncio.TimerHandle | None = None

    def _arm(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            if self.conn.our_state is h11.IDLE:
                self.transport.write(TIMEOUT_RESPONSE)
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()  # a connection that never says anything is closed as well

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is h11.IDLE:
            self._arm()  # (part of) a header block: the clock runs until it is complete
        else:
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.conn.their_state is h11.IDLE and self.conn.trailing_data[0]:
            self._arm()  # a pipelined request's partial headers are already waiting

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


def guarded_h11(header_timeout: float) -> functools.partial[HeaderDeadlineH11]:
    """The protocol factory for ``uvicorn.run(http=...)`` (a picklable partial, for worker processes)."""
    return functools.partial(HeaderDeadlineH11, header_timeout=header_timeout)
