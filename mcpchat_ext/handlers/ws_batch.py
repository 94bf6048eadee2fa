"""The websocket messages a connection is sent in one loop iteration, written in one socket write.

Tornado writes each ``write_message`` to the socket at once: one ``send`` system call, one TCP
segment and one wake-up of the client per message. A broadcast hands every frame to each of the
user's connections, and with many chats streaming, one loop iteration sends hundreds of small
frames: with 100 chats at once a third of the event loop's time went to ``socket.send`` (cProfile
of ``bench_concurrency.py`` while the turns started, benchmarks/README.md), and each message woke
the client up once more.

:class:`BatchedWriter` keeps the messages sent during an iteration and writes them at the next one
as consecutive websocket frames in a single write (the frames are the ones tornado would have
written: final, text, unmasked, as a server sends them). Order is kept: every message of the
connection goes through the one list. A sender waits only while the socket has not taken the
previous batch yet (a slow client), as it waited for tornado's write before. A connection with
per-message compression (never negotiated by jupyter_server unless configured) is written message
by message with tornado's own ``write_message``.
"""

from __future__ import annotations

import asyncio
import logging
import struct
from typing import Any

from tornado.iostream import StreamClosedError
from tornado.websocket import WebSocketClosedError, WebSocketHandler

log = logging.getLogger("mcpchat_ext")

FIN_TEXT = 0x81  # final frame, text opcode
# Queued bytes that are written at once rather than at the next iteration (and make the sender
# wait for the socket to take them): a batch of big messages is not held in memory twice over.
HIGH_WATER = 1 << 20


def text_frame(payload: bytes) -> bytes:
    """One final, unmasked text frame (RFC 6455 5.2) carrying ``payload``."""
    n = len(payload)
    if n < 126:
        return struct.pack("!BB", FIN_TEXT, n) + payload
    if n <= 0xFFFF:
        return struct.pack("!BBH", FIN_TEXT, 126, n) + payload
    return struct.pack("!BBQ", FIN_TEXT, 127, n) + payload


class BatchedWriter:
    """Writes one handler's messages, those of one loop iteration together."""

    def __init__(self, handler: WebSocketHandler) -> None:
        self._handler = handler
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._scheduled = False
        self._writing: asyncio.Future[Any] | None = None  # the last batch, until the socket took it

    async def send(self, text: str) -> None:
        """Queue ``text`` for the next write (WebSocketClosedError when the socket is closed)."""
        connection = self._handler.ws_connection
        if connection is None or connection.is_closing():
            raise WebSocketClosedError()
        data = text.encode()
        self._pending.append(data)
        self._pending_bytes += len(data)
        if self._pending_bytes >= HIGH_WATER:
            self.flush()
        elif not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self.flush)
        writing = self._writing
        if writing is not None and not writing.done():
            try:  # backpressure: the client reads slower than we write
                await asyncio.shield(writing)
            except StreamClosedError:
                raise WebSocketClosedError() from None

    def flush(self) -> None:
        """Write what is queued now (also before a close, so that its last frames go first)."""
        self._scheduled = False
        pending, self._pending, self._pending_bytes = self._pending, [], 0
        connection = self._handler.ws_connection
        if not pending or connection is None or connection.is_closing():
            return
        try:
            written = self._write(connection, pending)
        except (StreamClosedError, WebSocketClosedError):
            log.debug("the websocket closed with %d frames unsent", len(pending))
            return
        self._writing = written  # (tornado retrieves its exception: a closed socket logs nothing)

    def _write(self, connection: Any, pending: list[bytes]) -> asyncio.Future[Any]:
        if connection._compressor is not None or connection.mask_outgoing:  # (tornado's own path)
            return asyncio.gather(*(connection.write_message(message) for message in pending))
        connection._message_bytes_out += sum(map(len, pending))
        data = b"".join(map(text_frame, pending))
        connection._wire_bytes_out += len(data)
        written: asyncio.Future[Any] = connection.stream.write(data)
        return written
