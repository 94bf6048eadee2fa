"""agent/stream_process/: model replies read in a process of their own.

Real worker processes over real pipes, real HTTP endpoints: the reply and its errors are the same
as ChatOpenAI's (more of that in test_openai_stream.py, which runs through the worker too), the
SDK's retries run there, the key never reaches the worker's command line or environment, a Stop
closes the request, a worker killed mid-reply fails that reply by name and the next one starts a
new worker, and a worker that cannot start leaves replies to the stream thread."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

from mcpchat_ext.agent import openai_stream
from mcpchat_ext.agent.openai_stream import PlainHttpClient
from mcpchat_ext.agent.stream_process.client import STREAM_PROCESS, StreamProcess
from mcpchat_ext.agent.stream_process.wire import Lines
from mcpchat_ext.errors import ModelError
from tests.agent.stream_endpoints import KEY, read_request, slow_stream, sse_response
from tests.agent.stream_endpoints import model as _model
from tests.agent.stream_endpoints import on_streams as _on_streams
from tests.agent.stream_endpoints import text as _text
from tests.fakes.openai_server import FakeOpenAI, text_reply

pytestmark = [pytest.mark.timeout(60), pytest.mark.asyncio]


@pytest.fixture(scope="module")
def llm() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


async def test_the_reply_is_read_in_the_worker_not_here(llm: FakeOpenAI) -> None:
    llm.queue(text_reply("read in the stream process"))
    model = _model(llm.base_url)
    assert await _text(model) == "read in the stream process"
    assert STREAM_PROCESS.pid is not None and STREAM_PROCESS.pid != os.getpid()
    assert not model._thread_clients  # (the stream thread sent nothing itself)
    assert llm.headers[-1]["authorization"] == f"Bearer {KEY}"


async def test_the_key_is_on_no_command_line_and_in_no_environment(llm: FakeOpenAI) -> None:
    llm.queue(text_reply("ok"))
    await _text(_model(llm.base_url))
    pid = STREAM_PROCESS.pid
    assert pid is not None
    for part in ("cmdline", "environ"):
        seen = await asyncio.to_thread(Path(f"/proc/{pid}/{part}").read_bytes)
        assert KEY.encode() not in seen, part


async def test_the_sdk_retries_in_the_worker(llm: FakeOpenAI) -> None:
    llm.clear()
    llm.fail_next(status=503, message="busy", retryable=True)
    llm.queue(text_reply("second try"))
    assert await _text(_model(llm.base_url, max_retries=1)) == "second try"
    assert len(llm.requests) == 2


@pytest.mark.parametrize("status", [400, 401, 404, 429])
async def test_http_errors_are_the_sdks_errors(llm: FakeOpenAI, status: int) -> None:
    raised = []
    for model in (_model(llm.base_url), _model(llm.base_url, stream_process=False)):
        llm.fail_next(status=status, message=f"error {status} from the endpoint")
        with pytest.raises(openai.APIStatusError) as info:
            await _text(model)
        raised.append((type(info.value), info.value.status_code, info.value.message))
    assert raised[0] == raised[1] and f"error {status} from the endpoint" in raised[0][2]

async def test_a_stop_closes_the_request_in_the_worker() -> None:
    async with slow_stream() as (url, closed):
        model = _model(url)
        three = asyncio.Event()

        async def read() -> None:
            n = 0
            async for _ in model.astream("x"):
                n += 1
                if n == 3:
                    three.set()

        task = asyncio.create_task(read())
        await three.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.wait_for(closed.wait(), 10)  # the endpoint saw the connection close


async def test_a_timeout_is_the_sdks_timeout() -> None:
    async with slow_stream(headers_after=5) as (url, _):
        raised = []
        for model in (_model(url, timeout=0.3), _model(url, timeout=0.3, stream_process=False)):
            with pytest.raises(openai.APITimeoutError) as info:
                await _text(model)
            raised.append((type(info.value), info.value.message))
        assert raised[0] == raised[1]


async def test_a_worker_killed_mid_reply_fails_that_reply_by_name_and_the_next_starts_one() -> None:
    async with slow_stream() as (url, closed):
        model = _model(url)
        seen: list[str] = []
        with pytest.raises(ModelError, match=r"cut off.*stream process ended \(killed by signal 9\)"):
            async for chunk in model.astream("x"):
                seen.append(str(chunk.content))
                if len(seen) == 3:
                    pid = STREAM_PROCESS.pid
                    assert pid is not None
                    os.kill(pid, signal.SIGKILL)
        assert "".join(seen).startswith("t0 t1")  # (what came before stays with the caller)
        await asyncio.wait_for(closed.wait(), 10)  # (the kernel closed the dead worker's socket)
    with FakeOpenAI() as llm:
        llm.queue(text_reply("a new worker"))
        assert await _text(_model(llm.base_url)) == "a new worker"
    assert STREAM_PROCESS.pid not in (None, pid)


async def test_a_worker_that_cannot_start_leaves_replies_to_the_stream_thread(
    llm: FakeOpenAI, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    starts: list[int] = []
    broken = StreamProcess([sys.executable, "-c", "import sys; sys.exit(3)"])
    original = broken._start

    async def counted() -> Any:
        starts.append(1)
        return await original()

    monkeypatch.setattr(broken, "_start", counted)
    monkeypatch.setattr(openai_stream, "STREAM_PROCESS", broken)
    model = _model(llm.base_url)
    llm.queue(text_reply("read here instead"), text_reply("and again"))
    with caplog.at_level(logging.WARNING, "mcpchat_ext"):
        assert await _text(model) == "read here instead"
        assert await _text(model) == "and again"
    assert "did not start (exit status 3)" in caplog.text
    assert starts == [1]  # (not started again for every reply: RESTART_AFTER)
    assert model._thread_clients  # (the stream thread read them)
    await model.aclose_stream_client()


async def test_a_worker_program_that_is_missing_leaves_replies_to_the_stream_thread(
    llm: FakeOpenAI, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(openai_stream, "STREAM_PROCESS", StreamProcess(["/nonexistent/python3"]))
    model = _model(llm.base_url)
    llm.queue(text_reply("still answered"))
    with caplog.at_level(logging.WARNING, "mcpchat_ext"):
        assert await _text(model) == "still answered"
    assert "FileNotFoundError" in caplog.text
    await model.aclose_stream_client()


async def test_a_chunk_larger_than_a_pipe_read_arrives_whole(llm: FakeOpenAI) -> None:
    big = "x" * 3_000_000  # (one token: one chunk, one line over many pipe reads)
    llm.queue(text_reply(f"start {big} end"))
    assert await _text(_model(llm.base_url)) == f"start {big} end"


async def test_the_worker_ends_with_its_stdin() -> None:
    own = StreamProcess()
    worker = await _on_streams(own._running())
    assert worker.proc.poll() is None
    await _on_streams(own.stop())
    assert worker.proc.returncode == 0 and own.pid is None


async def test_lines_split_anywhere() -> None:
    whole = b'{"a":1}\n{"b":"' + b"y" * 5000 + b'"}\n{"c":3}\n'
    for cut in (1, 7, 8, 100, len(whole) - 1):
        lines = Lines()
        got = lines.feed(whole[:cut]) + lines.feed(whole[cut:])
        assert [json.loads(x) for x in got] == [{"a": 1}, {"b": "y" * 5000}, {"c": 3}], cut


@pytest.mark.parametrize("in_worker", [True, False])
async def test_the_environments_proxy_carries_the_request(
    monkeypatch: pytest.MonkeyPatch, in_worker: bool
) -> None:
    """HTTP_PROXY applies in the worker as in this process (aiohttp there, httpx2 here): the
    endpoint's host does not resolve, only the proxy can answer."""
    lines: list[bytes] = []
    body = (f"data: {json.dumps({'id': 'c', 'model': 'm', 'choices': [{'index': 0, 'delta': {'content': 'via the proxy'}}]})}\n\n"
            "data: [DONE]\n\n").encode()  # fmt: skip

    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await read_request(reader)
        lines.append(head.split(b"\r\n")[0])
        writer.write(sse_response(body))
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(proxy, "127.0.0.1", 0)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    own = StreamProcess()  # (a worker started with this environment)
    monkeypatch.setattr(openai_stream, "STREAM_PROCESS", own)
    try:
        model = _model("http://model-endpoint.invalid/v1", stream_process=in_worker)
        model.http_async_client = PlainHttpClient()  # (made with the proxy in the environment)
        model.root_async_client = model.root_async_client.copy(http_client=model.http_async_client)
        assert await _text(model) == "via the proxy"
        assert lines == [b"POST http://model-endpoint.invalid/v1/chat/completions HTTP/1.1"]
        assert (own.pid is not None) is in_worker
    finally:
        await _on_streams(own.stop())
        server.close()


async def test_the_worker_sends_the_first_text_alone_and_joins_what_follows() -> None:
    """Worker side, over a real pipe: the first text goes out at once and alone (the first token
    is never held); text that follows within JOIN_WINDOW goes as one chunk, with a finish reason
    kept in place after it."""
    from mcpchat_ext.agent.stream_process import worker as worker_module

    read_fd, write_fd = os.pipe()
    loop = asyncio.get_running_loop()
    out, _ = await loop.connect_write_pipe(asyncio.Protocol, os.fdopen(write_fd, "wb", 0))
    worker = worker_module.Worker(out)
    held = worker_module._Held(worker, 7)

    def chunk(text: str | None, finish: str | None = None) -> dict[str, Any]:
        delta = {} if text is None else {"content": text}
        return {"id": "c", "model": "m", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    worker._emit({"id": 7, "c": [chunk("first")]}, now=True)
    held.add([chunk(" a"), chunk(" b")])
    held.add([chunk(" c"), chunk(None, "stop")])
    first = os.read(read_fd, 1 << 16)
    assert [json.loads(x) for x in first.splitlines()] == [{"id": 7, "c": [chunk("first")]}]
    await asyncio.sleep(worker_module.JOIN_WINDOW * 5)  # (the window ends: one frame)
    frames = [json.loads(x) for x in os.read(read_fd, 1 << 16).splitlines()]
    assert frames == [{"id": 7, "c": [chunk(" a b c"), chunk(None, "stop")]}]
    out.close()
    os.close(read_fd)
