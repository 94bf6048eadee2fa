"""agent/stream_process/ under attack: a Stop racing a stream's end, a module planted where the
server was started, chunks nested deeper than Python goes, odd bytes in an HTTP error, and an
endpoint that hangs up mid-reply. Real workers, real pipes, real sockets."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import openai
import pytest

from mcpchat_ext.agent.stream_process.client import StreamProcess
from tests.agent.stream_endpoints import model as _model
from tests.agent.stream_endpoints import on_streams as _on_streams
from tests.agent.stream_endpoints import raw_answer, sse_response
from tests.agent.stream_endpoints import text as _text

pytestmark = [pytest.mark.timeout(60), pytest.mark.asyncio]


async def test_a_stop_in_the_same_pass_as_the_end_costs_the_other_streams_nothing() -> None:
    """A reply stopped while its ``end`` is in the same pipe read as another stream's chunks: the
    other stream still gets them (before: InvalidStateError on the cancelled future, and the rest
    of the read was lost)."""
    from mcpchat_ext.agent.stream_process.client import _Entry, _Replies, _Worker
    from mcpchat_ext.agent.stream_thread import ChunkSink

    loop = asyncio.get_running_loop()
    worker = _Worker(proc=None, stdin=None, ready=loop.create_future())  # type: ignore[arg-type]
    stopped, live = _Entry(ChunkSink(), loop.create_future()), _Entry(ChunkSink(), loop.create_future())
    stopped.done.cancel()
    worker.entries = {1: stopped, 2: live}
    replies = _Replies(StreamProcess(["unused"]), worker)
    replies.data_received(b'{"id":1,"end":1}\n{"id":2,"c":[{"n":1}]}\n{"id":2,"c":[{"n":2}]}\n')
    replies.data_received(b'not json\n{"id":2,"end":1}\n')  # (a bad line: logged, the rest read)
    assert live.sink.take() == [{"n": 1}, {"n": 2}] and live.done.done() and not worker.entries


async def test_a_module_in_the_servers_directory_is_not_run_by_the_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A json.py (or openai.py) in the directory the server was started in (a cloned repo, a
    notebook folder) would read every request there, keys included: the worker never imports it."""
    marker = tmp_path / "ran"
    for name in ("json", "openai", "signal"):
        (tmp_path / f"{name}.py").write_text(f"open({str(marker)!r}, 'a').write({name!r})\n")
    monkeypatch.chdir(tmp_path)
    own = StreamProcess()
    worker = await _on_streams(own._running())
    await _on_streams(asyncio.wait_for(asyncio.shield(worker.ready), 30))
    await _on_streams(own.stop())
    assert not marker.exists(), marker.read_text()


async def test_a_chunk_nested_deeper_than_python_goes_fails_the_reply_by_name() -> None:
    """Nesting that parses but cannot be sent on (or cannot even be parsed) ends the reply with
    the bad-chunk error: it never leaves the reply waiting for a frame that does not come."""
    for depth in (900, 990, 2000, 100_000):
        junk = "[" * depth + "]" * depth
        data = '{"id":"c","model":"m","choices":[{"index":0,"delta":{"content":"x"}}],"junk":' + junk + "}"
        body = f"data: {data}\n\ndata: [DONE]\n\n".encode()
        async with raw_answer(sse_response(body)) as url:
            try:
                text = await _text(_model(url))
            except openai.APIError as exc:
                assert "not a chat-completion chunk" in exc.message, depth
            else:
                assert text == "x", depth


async def test_a_status_error_with_a_non_ascii_header_is_still_the_sdks_error() -> None:
    body = json.dumps({"error": {"message": "bad key, café", "type": "invalid_request_error"}}).encode()
    answer = (
        b"HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\nx-note: caf\xc3\xa9 \xff\r\n"
        b"x-should-retry: false\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body)
    )
    raised = []
    async with raw_answer(answer) as url:
        for model in (_model(url), _model(url, stream_process=False)):
            with pytest.raises(openai.AuthenticationError) as info:
                await _text(model)
            raised.append(info.value.message)
    assert raised[0] == raised[1] and "bad key, café" in raised[0]


async def test_a_connection_cut_mid_stream_is_a_transport_error_not_the_workers() -> None:
    """The endpoint goes away mid-reply: the reply fails with httpx2's transport error, as in this
    process (graph.model_error calls it unreachable), not as a failure of the stream process."""
    import httpx2

    chunk = json.dumps({"id": "c", "model": "m", "choices": [{"index": 0, "delta": {"content": "par"}}]})
    event = f"data: {chunk}\n\n".encode()
    answer = (
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
        b"%x\r\n%s\r\n" % (len(event), event)
    )  # (and the connection closes: no last chunk)
    async with raw_answer(answer) as url:
        for model in (_model(url), _model(url, stream_process=False)):
            with pytest.raises(httpx2.TransportError):
                await _text(model)
