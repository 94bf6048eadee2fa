"""The stream process's CPU priority (agent/stream_process/worker.py NICE_FROM_STREAMS): a single
reply is read at the server's priority, and from the first time two are read at once the worker
stays below it. A worker of its own (the module's shared one would stay niced for other tests),
a real endpoint that streams until the request is closed."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest

from mcpchat_ext.agent.stream_process.client import StreamProcess
from mcpchat_ext.agent.stream_process.worker import NICE_FROM_STREAMS, WORKER_NICE
from mcpchat_ext.agent.stream_thread import ChunkSink
from tests.agent.stream_endpoints import KEY, on_streams, slow_stream

pytestmark = [pytest.mark.timeout(60), pytest.mark.asyncio]

PAYLOAD = {"model": "fake-model", "messages": [{"role": "user", "content": "hi"}], "stream": True}


def niceness(pid: int) -> int:
    return os.getpriority(os.PRIO_PROCESS, pid)


async def test_one_reply_at_the_servers_priority_two_at_once_below_it() -> None:
    assert NICE_FROM_STREAMS == 2
    process = StreamProcess()
    readers: list[asyncio.Future[Any]] = []

    async def start_reply(url: str) -> None:
        sink = ChunkSink()
        spec = {"api_key": KEY, "base_url": url, "max_retries": 0}
        readers.append(on_streams(process.stream(spec, PAYLOAD, sink)))
        await asyncio.wait_for(sink.wait(), 10)  # (its first chunk came: the worker reads it)
        assert sink.take()

    try:
        async with slow_stream(pace=0.01) as (url, closed):
            await start_reply(url)
            pid = process.pid
            assert pid is not None
            ours = niceness(0)
            assert niceness(pid) == ours  # one reply: the server's priority
            readers.pop().cancel()  # (that reply stopped; the next one is alone again)
            await asyncio.wait_for(closed.wait(), 10)  # (the worker closed its request)
            await start_reply(url)
            assert niceness(pid) == ours
            await start_reply(url)  # two at once
            assert niceness(pid) == min(19, ours + WORKER_NICE)
            for reader in readers:
                reader.cancel()
            readers.clear()
            await start_reply(url)
            assert niceness(pid) == min(19, ours + WORKER_NICE)  # (it stays so)
    finally:
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        await on_streams(process.stop())
