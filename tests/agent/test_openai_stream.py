"""agent/openai_stream.py: StreamingChatOpenAI reads the chat-completions stream as JSON and gives
the same messages as ChatOpenAI, on the same streams from real HTTP servers: text, tool calls,
usage, finish reasons, HTTP errors, an error inside the stream, and odd but valid SSE."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import openai
import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, message_chunk_to_message
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from mcpchat_ext.agent.openai_stream import PlainHttpClient, StreamingChatOpenAI, sse_data
from tests.agent.stream_endpoints import raw_answer, sse_response
from tests.fakes.openai_server import FakeOpenAI, fixed_id_reply, text_reply

pytestmark = [pytest.mark.timeout(60), pytest.mark.asyncio]


@pytest.fixture
def llm() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def _model(cls: type[ChatOpenAI], base_url: str) -> ChatOpenAI:
    return cls(
        model="fake-model",
        api_key=SecretStr("test-key"),
        base_url=base_url,
        streaming=True,
        stream_usage=True,
        use_responses_api=False,
        max_retries=0,
        http_async_client=PlainHttpClient(),  # (one per model and loop)
    )


async def _reply(model: ChatOpenAI, text: str = "hi", **bind: Any) -> tuple[AIMessage, int]:
    runnable: Any = model.bind_tools(bind["tools"]) if bind else model
    chunks = [c async for c in runnable.astream(text)]
    assert all(isinstance(c, AIMessageChunk) for c in chunks)
    merged = chunks[0] + chunks[1:] if len(chunks) > 1 else chunks[0]
    reply = message_chunk_to_message(merged)
    assert isinstance(reply, AIMessage)
    return reply, len(chunks)


def _same(a: AIMessage, b: AIMessage) -> None:
    assert a.content == b.content
    assert a.tool_calls == b.tool_calls and a.invalid_tool_calls == b.invalid_tool_calls
    assert a.usage_metadata == b.usage_metadata
    keep = ("finish_reason", "model_name", "model_provider")
    assert {k: a.response_metadata.get(k) for k in keep} == {k: b.response_metadata.get(k) for k in keep}


def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


async def test_text_tool_calls_and_usage_match_chatopenai(llm: FakeOpenAI) -> None:
    ours, stock = _model(StreamingChatOpenAI, llm.base_url), _model(ChatOpenAI, llm.base_url)
    for reply in (
        text_reply("one two three four"),
        fixed_id_reply([("c1", "add", {"a": 2, "b": 3}), ("c2", "add", {"a": 1, "b": 1})], "Adding."),
    ):
        llm.queue(reply, reply)
        mine, n_mine = await _reply(ours, tools=[add])
        theirs, n_theirs = await _reply(stock, tools=[add])
        _same(mine, theirs)
        # (ours joins text chunks that arrived together: never more chunks than ChatOpenAI)
        assert 1 <= n_mine <= n_theirs
    assert [c["args"] for c in mine.tool_calls] == [{"a": 2, "b": 3}, {"a": 1, "b": 1}]
    assert mine.usage_metadata is not None and mine.usage_metadata["output_tokens"] > 0
    # what the endpoint got: the same request from both (streamed, usage asked for)
    assert llm.requests[-1] == llm.requests[-2]
    assert llm.requests[-1]["stream"] is True and llm.requests[-1]["stream_options"] == {
        "include_usage": True
    }


async def test_an_http_error_is_the_same_error(llm: FakeOpenAI) -> None:
    raised = []
    for cls in (StreamingChatOpenAI, ChatOpenAI):
        llm.fail_next(status=500, message="the endpoint broke")
        with pytest.raises(openai.APIError) as info:
            await _reply(_model(cls, llm.base_url))
        raised.append((type(info.value), info.value.message))
    assert raised[0] == raised[1] and "the endpoint broke" in raised[0][1]


def raw_sse(body: bytes) -> contextlib.AbstractAsyncContextManager[str]:
    """A real HTTP server that answers every request with ``body`` as an event stream."""
    return raw_answer(sse_response(body))


def _chunk(delta: Any, finish: str | None = None) -> str:
    choice = {"index": 0, "finish_reason": finish} | ({} if delta is None else {"delta": delta})
    return json.dumps(
        {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "m", "choices": [choice]}
    )


async def test_odd_but_valid_sse_reads_as_chatopenai_reads_it() -> None:
    body = (
        ": a comment line\r\n\r\n"
        f"event: message\r\nid: 1\r\ndata: {_chunk({'role': 'assistant', 'content': 'Hel'})}\r\n\r\n"
        f"data: {_chunk({'content': 'lo <b>'})}\n\n"
        f"data:{_chunk({'content': ' there'})}\n\n"  # (no space after the colon)
        f"data: {_chunk(None, 'stop')}\n\n"  # a choice without a delta
        'data: {"id": "c1", "choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}}\n\n'
        "data: [DONE]\n\n"
        f"data: {_chunk({'content': 'after done: never read'})}\n\n"
    ).encode()
    async with raw_sse(body) as url:
        mine, _ = await _reply(_model(StreamingChatOpenAI, url))
        theirs, _ = await _reply(_model(ChatOpenAI, url))
    _same(mine, theirs)
    assert mine.content == "Hello <b> there"
    assert mine.usage_metadata is not None and mine.usage_metadata["total_tokens"] == 7


async def test_an_error_inside_the_stream_fails_both_alike() -> None:
    body = (
        f"data: {_chunk({'role': 'assistant', 'content': 'partial'})}\n\n"
        'data: {"error": {"message": "overloaded, try later", "type": "server_error"}}\n\n'
        "data: [DONE]\n\n"
    ).encode()
    raised = []
    async with raw_sse(body) as url:
        for cls in (StreamingChatOpenAI, ChatOpenAI):
            with pytest.raises(openai.APIError) as info:
                await _reply(_model(cls, url))
            raised.append((type(info.value), info.value.message))
    assert raised[0] == raised[1] and raised[0][1] == "overloaded, try later"


@pytest.mark.parametrize("data", ["[1, 2]", '"text"', '{"choices": "abc"}', '{"choices": [1]}'])
async def test_a_chunk_that_is_not_one_fails_the_reply_by_name(data: str) -> None:
    body = (
        f"data: {_chunk({'role': 'assistant', 'content': 'ok'})}\n\ndata: {data}\n\ndata: [DONE]\n\n".encode()
    )
    async with raw_sse(body) as url:
        with pytest.raises(openai.APIError, match="not a chat-completion chunk"):
            await _reply(_model(StreamingChatOpenAI, url))


async def test_an_event_that_never_ends_is_cut_off(monkeypatch: pytest.MonkeyPatch) -> None:
    import mcpchat_ext.agent.sse_chunks as stream

    monkeypatch.setattr(stream, "MAX_EVENT_BYTES", 1000)

    async def endless() -> AsyncIterator[bytes]:
        yield b"data: "
        while True:
            yield b"x" * 100

    with pytest.raises(ValueError, match="over 1000 bytes"):
        async for _ in sse_data(endless()):
            pass


async def test_sse_data_events() -> None:
    async def read(*pieces: bytes) -> list[bytes]:
        async def body() -> AsyncIterator[bytes]:
            for piece in pieces:
                yield piece

        return [d async for d in sse_data(body())]

    assert await read(b"data: a\ndata: b\n\n:c\n\nretry: 5\ndata: x\n\n") == [b"a\nb", b"x"]
    # events and line ends split anywhere between network reads, CRLF included
    whole = b'data: {"k": 1}\r\n\r\ndata: two\r\n\r\n'
    for cut in range(1, len(whole)):
        assert await read(whole[:cut], whole[cut:]) == [b'{"k": 1}', b"two"], cut
    assert await read(b"data: last") == [b"last"]  # no blank line after it
    assert await read(b"data: [DONE]\n\ndata: y\n\n") == []
    assert await read(b"event: ping\n\n: keep-alive\n\n") == []


async def test_a_models_own_proxy_is_not_gone_around(llm: FakeOpenAI) -> None:
    """A model set up with ``openai_proxy`` sends its request through that proxy: the stream
    thread's client has none, so the model takes ChatOpenAI's own path (before: the thread's
    client went straight to the endpoint and the reply came, around the user's proxy)."""
    llm.queue(text_reply("must not arrive without the proxy"))
    with contextlib.closing(__import__("socket").socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        dead_proxy = f"http://127.0.0.1:{sock.getsockname()[1]}"  # bound, never listening
    model = StreamingChatOpenAI(
        model="fake-model", api_key=SecretStr("test-key"), base_url=llm.base_url, streaming=True,
        use_responses_api=False, max_retries=0, openai_proxy=dead_proxy,
    )  # fmt: skip
    with pytest.raises(openai.APIConnectionError):
        await _reply(model)
    assert not model._thread_clients  # the stream thread made no client of its own


async def test_a_models_own_http_client_carries_the_request(llm: FakeOpenAI) -> None:
    """A model given an HTTP client of its own (a transport, certificates, a proxy) is sent and
    read with that client, not with one the stream thread makes without those settings."""
    import httpx

    seen: list[str] = []

    class Recording(httpx.AsyncHTTPTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            seen.append(str(request.url))
            return await super().handle_async_request(request)

    llm.queue(text_reply("through your transport"))
    model = _model(StreamingChatOpenAI, llm.base_url)
    model.http_async_client = httpx.AsyncClient(transport=Recording())
    model.root_async_client = model.root_async_client.copy(http_client=model.http_async_client)
    model.async_client = model.root_async_client.chat.completions
    reply, _ = await _reply(model)
    assert reply.content == "through your transport"
    assert seen and seen[0].endswith("/chat/completions") and not model._thread_clients
    await model.http_async_client.aclose()
