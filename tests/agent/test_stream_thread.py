"""agent/stream_thread.py and the stream-thread path of StreamingChatOpenAI: the reply is read on
a thread of its own; a busy event loop gets what arrived meanwhile joined into one chunk (text
only: tool calls, usage and finish reasons stay as they came); a Stop closes the request."""

from __future__ import annotations

import asyncio
import copy
import threading
import time
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from langchain_core.messages import AIMessageChunk
from pydantic import SecretStr

from mcpchat_ext.agent.openai_stream import PlainHttpClient, StreamingChatOpenAI, join_text_chunks
from mcpchat_ext.agent.stream_thread import STREAMS, ChunkSink
from tests.fakes.openai_server import FakeOpenAI, text_reply, tool_call_reply

pytestmark = [pytest.mark.timeout(60)]


@pytest.fixture(scope="module")
def llm() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def _model(base_url: str) -> StreamingChatOpenAI:
    return StreamingChatOpenAI(
        model="fake-model",
        api_key=SecretStr("test-key"),
        base_url=base_url,
        streaming=True,
        stream_usage=True,
        use_responses_api=False,
        max_retries=0,
        http_async_client=PlainHttpClient(),
        stream_process=False,  # (this file tests the stream thread's own reading)
    )


def _text(content: str, role: str | None = None, **delta: Any) -> dict[str, Any]:
    d: dict[str, Any] = {"content": content, **delta}
    if role:
        d["role"] = role
    return {"id": "c1", "model": "m", "choices": [{"index": 0, "delta": d, "finish_reason": None}]}


def test_runs_of_text_chunks_are_joined_and_everything_else_kept_in_place() -> None:
    tool = {"id": "c1", "choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "id": "t"}]}}]}
    finish = {"id": "c1", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    usage = {"id": "c1", "choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 4}}
    reasoning = _text("", reasoning_content="thinking")
    batch = [
        _text("", "assistant"),
        _text("a"),
        _text("b"),
        tool,
        _text("c"),
        _text("d"),
        reasoning,
        finish,
        usage,
    ]
    before = copy.deepcopy(batch)
    out = join_text_chunks(batch)
    texts = [c["choices"][0]["delta"].get("content") if c.get("choices") else None for c in out]
    assert texts == ["ab", None, "cd", "", None, None]
    assert out[0]["choices"][0]["delta"]["role"] == "assistant"
    assert out[1] == before[3] and out[3] == before[6] and out[4] == before[7] and out[5] == before[8]
    # another role, or logprobs, starts a chunk of its own
    assert len(join_text_chunks([_text("a", "assistant"), _text("b", "tool")])) == 2
    with_logprobs = _text("b")
    with_logprobs["choices"][0]["logprobs"] = {"content": []}
    assert len(join_text_chunks([_text("a"), with_logprobs])) == 2


@pytest.mark.asyncio
async def test_the_sink_hands_over_in_order_and_wakes_once_per_batch() -> None:
    sink = ChunkSink()
    wakes = 0
    original = sink.wake

    def counting_wake() -> None:
        nonlocal wakes
        wakes += 1
        original()

    sink.wake = counting_wake  # type: ignore[method-assign]

    def produce() -> None:
        for i in range(500):
            sink.put(i)

    t = threading.Thread(target=produce)
    t.start()
    t.join()
    await sink.wait()
    assert sink.take() == list(range(500))
    assert wakes == 1  # one wake-up for the whole batch, not one per item
    sink.put("next")
    await sink.wait()
    assert sink.take() == ["next"] and wakes == 2


@pytest.mark.asyncio
async def test_a_busy_loop_gets_what_arrived_meanwhile_as_one_chunk(llm: FakeOpenAI) -> None:
    llm.queue(text_reply(n_tokens=200, token_delay=0.001))
    model = _model(llm.base_url)
    chunks: list[AIMessageChunk] = []
    async for chunk in model.astream("long"):
        chunks.append(chunk)
        if len(chunks) == 2:
            time.sleep(0.5)  # noqa: ASYNC251 (the event loop is busy: the stream thread reads on)
    await model.aclose_stream_client()
    text = "".join(str(c.content) for c in chunks)
    assert text == " ".join(f"token{i}" for i in range(200))
    # the 200 tokens were read while the loop slept: they came as one or a few chunks
    assert len(chunks) < 60, len(chunks)
    assert max(len(str(c.content)) for c in chunks) > 100
    assert any(c.usage_metadata for c in chunks)  # (the usage chunk is not joined away)


@pytest.mark.asyncio
async def test_tool_calls_still_assemble_from_their_chunks(llm: FakeOpenAI) -> None:
    llm.queue(tool_call_reply([("add", {"a": 1, "b": 2}), ("add", {"a": 3, "b": 4})], text="calling"))
    model = _model(llm.base_url)
    merged: Any = None
    async for chunk in model.astream("add"):
        merged = chunk if merged is None else merged + chunk
        time.sleep(0.01)  # noqa: ASYNC251 (a busy loop between chunks)
    await model.aclose_stream_client()
    assert merged.content == "calling"
    assert [c["args"] for c in merged.tool_calls] == [{"a": 1, "b": 2}, {"a": 3, "b": 4}]


@pytest.mark.asyncio
async def test_stop_closes_the_request_on_the_stream_thread(llm: FakeOpenAI) -> None:
    llm.queue(text_reply(n_tokens=2000, token_delay=0.01))
    model = _model(llm.base_url)

    async def consume() -> int:
        n = 0
        async for _ in model.astream("slow"):
            n += 1
        return n

    task = asyncio.create_task(consume())
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # nothing is left reading on the stream thread (the request was closed, not abandoned)
    loop = STREAMS.loop()
    for _ in range(50):
        pending = await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(_reading_tasks(), loop))
        if pending == 0:
            break
        await asyncio.sleep(0.05)
    assert pending == 0
    await model.aclose_stream_client()


async def _reading_tasks() -> int:
    me = asyncio.current_task()
    return sum(1 for t in asyncio.all_tasks() if t is not me and not t.done())


@pytest.mark.asyncio
async def test_an_http_error_still_names_the_endpoint_error(llm: FakeOpenAI) -> None:
    llm.fail_next(status=400)
    model = _model(llm.base_url)
    with pytest.raises(openai.BadRequestError):
        async for _ in model.astream("x"):
            pass
    await model.aclose_stream_client()


@pytest.mark.asyncio
async def test_copies_of_a_model_share_one_stream_client(llm: FakeOpenAI) -> None:
    # each turn streams a copy of the model (agent/streaming.py fast_streaming): a client per copy
    # would leave a connection pool open per turn
    model = _model(llm.base_url)
    twin = model.model_copy(update={"stream_chunk_timeout": None})
    llm.queue(text_reply("a"), text_reply("b"))
    assert [c.content async for c in model.astream("x") if c.content] == ["a"]
    assert [c.content async for c in twin.astream("y") if c.content] == ["b"]
    assert model._thread_clients["client"] is twin._thread_clients["client"]
    await model.aclose_stream_client()
    assert "client" not in twin._thread_clients


def test_chunks_put_as_the_stream_ends_are_not_lost(monkeypatch: pytest.MonkeyPatch) -> None:
    """The stream thread puts the last chunks (finish reason, usage, last text) and ends between
    the consumer's take (found nothing) and its look at whether the stream is done: those chunks
    are still taken (they were dropped: a truncated reply, or none at all). The order is forced
    here by a sink whose empty take lets the thread finish, as a GIL switch there would."""
    import mcpchat_ext.agent.openai_stream as module

    go, finished = threading.Event(), threading.Event()

    def chunk(text: str, finish: str | None = None) -> dict[str, Any]:
        return {
            "id": "c1",
            "model": "m",
            "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": finish}],
        }

    async def read(self: Any, payload: Any, sink: ChunkSink) -> None:
        sink.put(chunk("hello "))
        await asyncio.to_thread(go.wait, 10)  # (the stream thread's loop: a thread event)
        sink.put(chunk("WORLD", "stop"))
        finished.set()

    class RacySink(ChunkSink):
        seen = False
        fired = False

        def take(self) -> list[Any]:
            batch = super().take()
            RacySink.seen = RacySink.seen or bool(batch)
            if not batch and RacySink.seen and not RacySink.fired:
                RacySink.fired = True
                go.set()
                finished.wait(10)
                time.sleep(0.05)  # (the reading future is done by now)
            return batch

    monkeypatch.setattr(StreamingChatOpenAI, "_read_on_stream_thread", read)
    monkeypatch.setattr(module, "ChunkSink", RacySink)
    model = StreamingChatOpenAI(
        model="x", api_key=SecretStr("k"), base_url="http://127.0.0.1:9", streaming=True, use_responses_api=False
    )

    async def run() -> str:
        return "".join([str(c.content) async for c in model.astream("hi")])

    assert RacySink.fired is False
    assert asyncio.run(run()) == "hello WORLD"
    assert RacySink.fired


def test_a_forked_child_starts_a_stream_thread_of_its_own() -> None:
    """After os.fork the child has the parent's loop object but no thread running it: a stream
    submitted there must still run (before: it waited forever)."""
    import os

    async def answer() -> int:
        return 42

    import warnings

    assert STREAMS.submit(answer()).result(timeout=10) == 42  # the parent's thread is running
    with warnings.catch_warnings():  # (3.12+ warns of a fork with threads running)
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: exit 0 only if the stream ran
        try:
            code = 0 if STREAMS.submit(answer()).result(timeout=10) == 42 else 1
        except BaseException:
            code = 2
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


@pytest.mark.asyncio
async def test_the_stream_thread_waits_while_the_first_text_goes_through(
    llm: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fast reply is all in the socket at once: the stream thread stops after the first text
    until the loop passed it on (parsing the rest kept the GIL from the loop, 5 ms at a time),
    then reads on; held longer than FIRST_TEXT_HOLD, it reads on anyway."""
    from mcpchat_ext.agent import openai_stream, stream_thread

    puts: list[int] = []

    class CountingSink(ChunkSink):
        def put(self, item: Any) -> None:
            puts.append(1)
            super().put(item)

    monkeypatch.setattr(openai_stream, "ChunkSink", CountingSink)
    llm.queue(text_reply(n_tokens=2000, token_delay=0))
    model = _model(llm.base_url)
    text: list[str] = []
    seen_at_first = -1
    async for chunk in model.astream("long"):
        text.append(str(chunk.content))
        if chunk.content and seen_at_first < 0:
            seen_at_first = len(puts)
            await asyncio.sleep(0.02)  # the consumer passes the token on: the thread waits
            assert len(puts) == seen_at_first, "the stream thread read on before the first token went"
    assert "".join(text) == " ".join(f"token{i}" for i in range(2000))
    assert seen_at_first <= 3  # (the role chunk, the first text)

    puts.clear()
    monkeypatch.setattr(stream_thread, "FIRST_TEXT_HOLD", 0.05)  # (its default)
    llm.queue(text_reply(n_tokens=2000, token_delay=0))
    stream = model.astream("long")
    first = await anext(stream)
    while not first.content:
        first = await anext(stream)
    held_at = len(puts)
    await asyncio.sleep(1.0)  # the consumer never comes back: the thread reads on after the hold
    assert len(puts) > held_at + 100
    rest = [str(c.content) async for c in stream]
    assert str(first.content) + "".join(rest) == " ".join(f"token{i}" for i in range(2000))
    await model.aclose_stream_client()


@pytest.mark.asyncio
async def test_first_taken_before_the_hold_means_no_wait() -> None:
    sink = ChunkSink()
    sink.first_taken()
    # (it would wait an hour: the test's timeout fails it)
    await asyncio.wait_for(asyncio.wrap_future(STREAMS.submit(sink.hold_for_first(timeout=3600))), 30)
    sink.first_taken()  # (idempotent)
