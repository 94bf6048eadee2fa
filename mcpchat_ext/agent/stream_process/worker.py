"""The stream process: sends chat-completions requests with the openai SDK, reads their streams,
and writes their chunks to stdout (agent/stream_process/wire.py has the frames).

Run by agent/stream_process/client.py as ``python -P -m mcpchat_ext.agent.stream_process.worker``;
it ends when its stdin does (the server process closed it, or ended). Ctrl+C in the terminal
reaches the whole process group: the worker ignores it and ends with the server.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections import OrderedDict
from typing import Any

import openai

from ..sse_chunks import BAD_CHUNK, has_text, join_text_chunks, parse_chunk, sse_batches
from .errors import error_frame
from .wire import Lines, decode_timeout, frame

# SDK clients kept (one per distinct endpoint, key and settings; past this, the least recently
# used of those no stream is reading with closes).
MAX_CLIENTS = 16
# Seconds a stream's chunks after its first text are held to go out together: the window in
# which the agent joins a reply's text before it enters LangGraph's stream (agent/streaming.py
# JOIN_WINDOW), so the browser sees the text as before, in fewer chunks for the server's per-chunk
# work. 100 chats streaming, three runs each: loop lag p99 22.6-33.9 -> 14.7-20.6 ms at 10 ms ->
# 25 ms (benchmarks/README.md 2026-12-04).
JOIN_WINDOW = 0.025
# A read that brought fewer events than this (after the first text) is a stream slower than it
# is read: its text goes out at once and the next read waits a JOIN_WINDOW, to take the window's
# tokens in one pass through the HTTP layers (aiohttp, httpx2, the SDK, the event split) instead
# of one pass per token. Larger reads (a fast stream) are read on at once. 100 chats at 5
# ms/token: the stream process's CPU 1.89-1.96 -> 1.70-1.82 s.
PACED_BELOW = 8
# The worker's CPU priority below the server's (os.nice), from the first time it reads
# NICE_FROM_STREAMS replies at once: where the cores are busy, the server's event loop (every
# user's requests, the first tokens) goes first and the streams are read a little later, in
# larger pieces. 100 chats x 500 tokens on 2 cores: loop lag p99 47-57 -> 25-28 ms, first token
# p95 0.59-1.02 -> 0.61-0.68 s (benchmarks/README.md); at the server's priority, with the changes
# since, 14-19 -> 29-64 ms. A single reply keeps the server's priority: a nice worker waited for
# a core behind whatever else ran (the endpoint, the server) with its request and first token
# (2,000 tokens at the endpoint's full rate: request to response headers 3.5-6.9 -> 2.8-3.1 ms).
# Not undone when the streams end (a process may not raise its priority again).
WORKER_NICE = 10
NICE_FROM_STREAMS = 2


class Worker:
    def __init__(self, out: asyncio.WriteTransport) -> None:
        self._out = out
        self._pending: list[bytes] = []
        self._flush_queued = False
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._reading: set[int] = set()  # streams open and not cancelled (see NICE_FROM_STREAMS)
        self._failed: set[int] = set()  # streams whose frame could not be sent: nothing more goes
        self._clients: OrderedDict[str, openai.AsyncOpenAI] = OrderedDict()
        self._in_use: dict[str, int] = {}  # streams reading with each client
        self._closing: set[asyncio.Task[None]] = set()
        self.ended = asyncio.Event()
        self._niced = False  # (see NICE_FROM_STREAMS)

    # -- commands (stdin) -----------------------------------------------------------------------

    def command(self, line: bytes) -> None:
        msg = json.loads(line)
        op, rid = msg.get("op"), msg.get("id")
        if op == "open" and isinstance(rid, int) and rid not in self._tasks:
            task = asyncio.get_running_loop().create_task(self._stream(rid, msg["client"], msg["payload"]))
            self._tasks[rid] = task
            task.add_done_callback(lambda _: self._tasks.pop(rid, None))
            self._reading.add(rid)
            task.add_done_callback(lambda _: self._reading.discard(rid))
            if len(self._reading) >= NICE_FROM_STREAMS and not self._niced:
                self._niced = True
                os.nice(WORKER_NICE)
        elif op == "cancel" and isinstance(rid, int) and rid in self._tasks:
            self._reading.discard(rid)  # (at once: its task ends in a later loop pass)
            self._tasks[rid].cancel()

    # -- one stream ------------------------------------------------------------------------------

    async def _stream(self, rid: int, spec: dict[str, Any], payload: dict[str, Any]) -> None:
        """Every stream ends with one ``end`` or ``err`` frame, or with nothing if cancelled (the
        server process dropped it): a reply never waits for a frame that does not come."""
        held = _Held(self, rid)
        key = json.dumps(spec, sort_keys=True)
        last: dict[str, Any] = {"id": rid, "end": 1}
        self._in_use[key] = self._in_use.get(key, 0) + 1
        try:
            client = self._client(key, spec)
            text_seen = False
            async with client.chat.completions.with_streaming_response.create(**payload) as response:
                request = response.http_request
                async for batch in sse_batches(response.iter_bytes()):
                    chunks = [parse_chunk(data, request) for data in batch]
                    if not text_seen and (first := _first_text(chunks)) is not None:
                        text_seen = True  # the first text goes out now, alone: the first token
                        held.release()
                        self._emit({"id": rid, "c": chunks[: first + 1]}, now=True)
                        chunks = chunks[first + 1 :]
                    held.add(chunks)
                    if text_seen and len(batch) < PACED_BELOW:  # (see PACED_BELOW)
                        held.release()
                        await asyncio.sleep(JOIN_WINDOW)
            held.release()
        except asyncio.CancelledError:
            held.drop()
            return
        except Exception as exc:  # every failure goes back to the reply that asked
            held.drop()
            last = {"id": rid, "err": error_frame(exc)}
        finally:
            self._in_use[key] -= 1
        self._emit(last)

    def _client(self, key: str, spec: dict[str, Any]) -> openai.AsyncOpenAI:
        client = self._clients.get(key)
        if client is None:
            timeout = decode_timeout(spec.get("timeout"))
            client = self._clients[key] = openai.AsyncOpenAI(
                http_client=_http_client(timeout),
                api_key=spec["api_key"],
                organization=spec.get("organization"),
                project=spec.get("project"),
                base_url=spec.get("base_url"),
                timeout=timeout,
                max_retries=int(spec.get("max_retries", openai.DEFAULT_MAX_RETRIES)),
                default_headers=spec.get("default_headers"),
                default_query=spec.get("default_query"),
            )
            idle = [k for k in self._clients if not self._in_use.get(k)]  # (oldest first)
            for old_key in idle[: max(0, len(self._clients) - MAX_CLIENTS)]:
                self._in_use.pop(old_key, None)
                closing = asyncio.get_running_loop().create_task(self._clients.pop(old_key).close())
                self._closing.add(closing)
                closing.add_done_callback(self._closing.discard)
        self._clients.move_to_end(key)
        return client

    # -- frames out (stdout) --------------------------------------------------------------------

    def _emit(self, obj: dict[str, Any], now: bool = False) -> None:
        """Send ``obj``: with whatever else this loop iteration sends (one pipe write), or now.
        Never raises: a frame that cannot be encoded (a chunk nested deeper than Python goes)
        fails its stream by name instead, and the rest of that stream is not sent."""
        rid = obj.get("id")
        if rid in self._failed:
            return
        try:
            line = frame(obj)
        except (TypeError, ValueError, RecursionError):
            self._failed.add(rid)  # type: ignore[arg-type]
            line = frame({"id": rid, "err": {"kind": "api", "message": BAD_CHUNK, "body": None}})
            if (task := self._tasks.get(rid)) is not None:  # type: ignore[arg-type]
                task.cancel()
        self._pending.append(line)
        if now:
            self._flush()
        elif not self._flush_queued:
            self._flush_queued = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_queued = False
        if self._pending and not self._out.is_closing():
            self._out.write(b"".join(self._pending))
        self._pending.clear()

    async def close(self) -> None:
        for task in list(self._tasks.values()):
            task.cancel()
        await asyncio.gather(*self._tasks.values(), *self._closing, return_exceptions=True)
        for client in self._clients.values():
            await client.close()


def _http_client(timeout: Any) -> Any:
    """The SDK's aiohttp client, or None (the SDK's default, httpx2) where aiohttp is missing.
    Its C HTTP parser took the stream process from 3.1-3.5 to 2.3 s of CPU for 100 replies of 500
    tokens (h11 and anyio were half of it; benchmarks/README.md); the environment's proxies and
    certificates apply as with httpx2 (tests/agent/test_stream_process.py)."""
    try:
        return openai.DefaultAioHttpClient(timeout=timeout)
    except RuntimeError:  # ("you must have installed the package with the `aiohttp` extra")
        return None


class _Held:
    """A stream's chunks that arrived within :data:`JOIN_WINDOW` of its last frame, sent as one
    frame (text runs joined) when the window ends: fewer, larger chunks for the server process's
    per-chunk work (LangChain, LangGraph, the websocket fan-out)."""

    def __init__(self, worker: Worker, rid: int) -> None:
        self._worker = worker
        self._rid = rid
        self._chunks: list[dict[str, Any]] = []
        self._timer: asyncio.TimerHandle | None = None

    def add(self, chunks: list[dict[str, Any]]) -> None:
        if not chunks:
            return
        self._chunks.extend(chunks)
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(JOIN_WINDOW, self.release)

    def release(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._chunks:
            self._worker._emit({"id": self._rid, "c": join_text_chunks(self._chunks)})
            self._chunks = []

    def drop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._chunks = []


def _first_text(chunks: list[dict[str, Any]]) -> int | None:
    return next((i for i, chunk in enumerate(chunks) if has_text(chunk)), None)


class _Commands(asyncio.Protocol):
    def __init__(self, worker: Worker) -> None:
        self._worker = worker
        self._lines = Lines()

    def data_received(self, data: bytes) -> None:
        for line in self._lines.feed(data):
            if line:
                self._worker.command(line)

    def connection_lost(self, exc: Exception | None) -> None:
        self._worker.ended.set()


async def run() -> None:
    loop = asyncio.get_running_loop()
    out, _ = await loop.connect_write_pipe(asyncio.Protocol, os.fdopen(sys.stdout.fileno(), "wb", 0))
    worker = Worker(out)
    out.write(frame({"ready": os.getpid()}))  # (before any request is read: see client.py)
    await loop.connect_read_pipe(lambda: _Commands(worker), os.fdopen(sys.stdin.fileno(), "rb", 0))
    await worker.ended.wait()
    await worker.close()


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    asyncio.run(run())


if __name__ == "__main__":
    main()
