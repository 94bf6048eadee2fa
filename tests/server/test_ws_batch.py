"""handlers/ws_batch.py: the messages of one loop iteration leave in one socket write, byte-exact
and in order, over a real tornado server and client (with and without per-message compression)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application
from tornado.websocket import WebSocketClosedError, WebSocketHandler, websocket_connect

from mcpchat_ext.handlers.ws_batch import BatchedWriter

SIZES = [0, 1, 125, 126, 127, 65535, 65536, 300_000]


class Pushing(WebSocketHandler):
    """Sends what the test tells it to, through a BatchedWriter; counts its stream's writes."""

    opened: asyncio.Queue[Pushing]
    compress = False

    def get_compression_options(self) -> dict[str, Any] | None:
        return {} if self.compress else None

    def open(self, *args: Any, **kwargs: Any) -> None:
        self.writer = BatchedWriter(self)
        self.stream_writes = 0
        stream = self.ws_connection.stream  # type: ignore[union-attr]
        real = stream.write

        def counting(data: bytes) -> Any:
            self.stream_writes += 1
            return real(data)

        stream.write = counting  # type: ignore[method-assign]
        self.opened.put_nowait(self)


@pytest_asyncio.fixture
async def server() -> AsyncIterator[tuple[str, asyncio.Queue[Pushing], type[Pushing]]]:
    handler = type("P", (Pushing,), {"opened": asyncio.Queue(), "compress": False})
    sockets = bind_sockets(0, "127.0.0.1")
    http = HTTPServer(Application([("/ws", handler)]))
    http.add_sockets(sockets)
    port = sockets[0].getsockname()[1]
    yield f"ws://127.0.0.1:{port}/ws", handler.opened, handler
    http.stop()
    await http.close_all_connections()


def payloads() -> list[str]:
    texts = [("é<script>" * 40_000)[:size] for size in SIZES]
    return texts + [f'{{"type": "token", "n": {i}, "text": "ü{i}"}}' for i in range(300)]


@pytest.mark.asyncio
@pytest.mark.parametrize("compress", [False, True], ids=["plain", "permessage-deflate"])
async def test_one_iterations_messages_arrive_whole_in_order(server: Any, compress: bool) -> None:
    url, opened, handler = server
    handler.compress = compress
    client = await websocket_connect(url, compression_options={} if compress else None)
    pushing = await opened.get()
    texts = payloads()
    for text in texts:  # one loop iteration: no await that yields (the socket takes it all)
        await pushing.writer.send(text)
    received = [await asyncio.wait_for(client.read_message(), 10) for _ in texts]
    assert received == texts
    if not compress:  # one write for the lot (tornado alone: one per message, 308)
        assert pushing.stream_writes == 1
    client.close()


@pytest.mark.asyncio
async def test_frames_sent_before_a_close_go_before_it_and_sends_after_it_fail(server: Any) -> None:
    url, opened, _ = server
    client = await websocket_connect(url)
    pushing = await opened.get()
    await pushing.writer.send('{"type": "error", "message": "the chat service is unavailable"}')
    pushing.writer.flush()  # (what ChatWebSocketHandler.close does first)
    pushing.close(1011, "unavailable")
    assert await client.read_message() == '{"type": "error", "message": "the chat service is unavailable"}'
    assert await client.read_message() is None and client.close_code == 1011
    with pytest.raises(WebSocketClosedError):
        await pushing.writer.send("late")


@pytest.mark.asyncio
async def test_a_client_that_does_not_read_holds_the_sender_back(server: Any) -> None:
    url, opened, _ = server
    client = await websocket_connect(url)
    pushing = await opened.get()
    big = "x" * (4 << 20)
    sent = 0

    async def send_all() -> None:
        nonlocal sent
        for _ in range(16):
            await pushing.writer.send(big)
            sent += 1

    sending = asyncio.ensure_future(send_all())
    for _ in range(200):  # loop iterations, not seconds: the kernel buffers hold a few MB at most
        await asyncio.sleep(0)
    assert not sending.done() and sent < 16  # waits for the socket, does not queue 64 MB unbounded
    received = [await asyncio.wait_for(client.read_message(), 30) for _ in range(16)]
    await asyncio.wait_for(sending, 30)
    assert sent == 16 and all(r == big for r in received)
    client.close()
