"""Local endpoints and model set-ups for the stream-process tests: real HTTP servers on
127.0.0.1 that answer slowly, or with bytes given as they are."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from mcpchat_ext.agent.openai_stream import PlainHttpClient, StreamingChatOpenAI
from mcpchat_ext.agent.stream_thread import STREAMS

KEY = "sk-test-stream-process-0123456789"


def model(base_url: str, **options: Any) -> StreamingChatOpenAI:
    settings: dict[str, Any] = {"max_retries": 0} | options
    return StreamingChatOpenAI(
        model="fake-model",
        api_key=SecretStr(KEY),
        base_url=base_url,
        streaming=True,
        stream_usage=True,
        use_responses_api=False,
        http_async_client=PlainHttpClient(),
        **settings,
    )


async def text(model: ChatOpenAI, prompt: str = "hi") -> str:
    return "".join([str(c.content) async for c in model.astream(prompt)])


def on_streams(coro: Any) -> Any:
    return asyncio.wrap_future(STREAMS.submit(coro))



async def read_request(reader: asyncio.StreamReader) -> bytes:
    """One HTTP request off ``reader``, its body read too; its head (request line and headers)."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        (int(v) for k, _, v in (h.partition(b":") for h in head.split(b"\r\n")) if k.lower() == b"content-length"),
        0,
    )
    await reader.readexactly(length)
    return head


def sse_response(body: bytes) -> bytes:
    """A whole HTTP response with ``body`` as an event stream (the connection closes after it)."""
    return (
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n"
        b"content-length: %d\r\n\r\n%s" % (len(body), body)
    )


@contextlib.asynccontextmanager
async def slow_stream(
    *, headers_after: float = 0.0, pace: float = 0.02
) -> AsyncIterator[tuple[str, asyncio.Event]]:
    """An endpoint that answers headers after ``headers_after`` s, then a text chunk every ``pace``
    s until the client closes the connection (the event is set then)."""
    closed = asyncio.Event()

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await asyncio.sleep(headers_after)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n")
        try:
            for i in range(100_000):
                chunk = {"id": "c", "model": "m", "choices": [{"index": 0, "delta": {"content": f"t{i} "}}]}
                event = f"data: {json.dumps(chunk)}\n\n".encode()
                writer.write(b"%x\r\n%s\r\n" % (len(event), event))
                await writer.drain()
                await asyncio.sleep(pace)
        except (ConnectionError, OSError):
            pass
        finally:
            closed.set()
            writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/v1", closed
    finally:
        server.close()


@contextlib.asynccontextmanager
async def raw_answer(answer_bytes: bytes) -> AsyncIterator[str]:
    """An endpoint that answers every request with ``answer_bytes`` as they are (status line,
    headers, body) and closes the connection."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(answer_bytes)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/v1"
    finally:
        server.close()
