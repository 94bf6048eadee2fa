"""The real ChatAnthropic (langchain-anthropic) against the local fake Messages API server:
streamed text, streamed tool calls, usage, the key's header, errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langchain_core.tools import StructuredTool

from mcpchat_ext.agent.catalog import ModelEntry
from mcpchat_ext.agent.models import build_model
from mcpchat_ext.agent.streaming import message_text
from tests.fakes.anthropic_server import FakeAnthropic
from tests.fakes.openai_server import text_reply, tool_call_reply

pytestmark = [pytest.mark.timeout(60), pytest.mark.asyncio]
SECRET = "sk-ant-test-0f1e2d3c4b5a"


@pytest.fixture
def claude() -> Iterator[FakeAnthropic]:
    with FakeAnthropic() as server:
        yield server


def _model(server: FakeAnthropic, monkeypatch: pytest.MonkeyPatch, **kw: Any) -> Any:
    monkeypatch.setenv("TEST_ANTHROPIC_KEY", SECRET)
    entry = ModelEntry(
        id="claude",
        provider="anthropic",
        model="claude-fake-1",
        label="Claude (fake)",
        base_url=server.base_url,
        api_key_env="TEST_ANTHROPIC_KEY",
        **kw,
    )
    return build_model(entry)


def _add_tool() -> StructuredTool:
    async def add(a: float, b: float) -> str:
        return str(a + b)

    schema = {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}
    return StructuredTool(name="fake_add", description="Add two numbers.", args_schema=schema, coroutine=add)


async def _collect(model: Any, messages: Any) -> tuple[list[AIMessageChunk], AIMessageChunk]:
    chunks = [c async for c in model.astream(messages)]
    assert all(isinstance(c, AIMessageChunk) for c in chunks)
    merged = chunks[0]
    for chunk in chunks[1:]:
        merged = merged + chunk
    return chunks, merged


async def test_streams_text_and_usage(claude: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> None:
    model = _model(claude, monkeypatch, max_tokens=512)
    claude.queue(text_reply("Hello there, friend"))
    chunks, merged = await _collect(model, [HumanMessage("hi you")])
    texts = [message_text(c) for c in chunks if message_text(c)]
    assert texts == ["Hello", " there,", " friend"]
    assert merged.usage_metadata is not None
    assert (merged.usage_metadata["input_tokens"], merged.usage_metadata["output_tokens"]) == (2, 3)
    body, headers = claude.requests[-1], claude.headers[-1]
    assert body["stream"] is True and body["model"] == "claude-fake-1" and body["max_tokens"] == 512
    assert body["messages"] == [{"role": "user", "content": "hi you"}]
    assert SECRET in (headers.get("x-api-key"), headers.get("authorization", "").removeprefix("Bearer "))


async def test_streams_tool_calls_and_sends_results_back(
    claude: FakeAnthropic, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = _model(claude, monkeypatch).bind_tools([_add_tool()])
    claude.queue(tool_call_reply([("fake_add", {"a": 2, "b": 3}), ("fake_add", {"a": 1, "b": 1})], "Adding."))
    chunks, merged = await _collect(model, [HumanMessage("add things")])
    assert any(c.tool_call_chunks for c in chunks)
    assert [(c["name"], c["args"]) for c in merged.tool_calls] == [
        ("fake_add", {"a": 2, "b": 3}),
        ("fake_add", {"a": 1, "b": 1}),
    ]
    assert claude.requests[-1]["tools"][0]["name"] == "fake_add"
    assert "input_schema" in claude.requests[-1]["tools"][0]
    # the calls and their results go back as tool_use / tool_result blocks
    reply = AIMessage(content="Adding.", tool_calls=merged.tool_calls)
    results = [
        ToolMessage(content="5", tool_call_id=merged.tool_calls[0]["id"]),
        ToolMessage(content="2", tool_call_id=merged.tool_calls[1]["id"]),
    ]
    _, answer = await _collect(model, [HumanMessage("add things"), reply, *results])
    assert message_text(answer) == "The tool returned: 5; 2"
    sent = claude.requests[-1]["messages"]
    uses = [b for b in sent[1]["content"] if b["type"] == "tool_use"]
    assert [u["input"] for u in uses] == [{"a": 2, "b": 3}, {"a": 1, "b": 1}]
    tool_results = [b for b in sent[2]["content"] if b["type"] == "tool_result"]
    assert [r["tool_use_id"] for r in tool_results] == [u["id"] for u in uses]


async def test_an_http_error_is_raised(claude: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> None:
    import anthropic

    model = _model(claude, monkeypatch)
    claude.fail_next(401, message="invalid x-api-key")
    with pytest.raises(anthropic.AuthenticationError, match="invalid x-api-key"):
        await model.ainvoke("hello")
    assert len(claude.requests) == 1  # not retried


async def test_non_streaming_message(claude: FakeAnthropic) -> None:
    import httpx

    claude.queue(tool_call_reply([("fake_add", {"a": 1, "b": 2})], "ok"))
    async with httpx.AsyncClient(base_url=claude.base_url) as http:
        body = {"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": "x"}]}
        data = (await http.post("/v1/messages", json=body)).json()
        assert [b["type"] for b in data["content"]] == ["text", "tool_use"]
        assert data["stop_reason"] == "tool_use" and data["usage"]["input_tokens"] == 1
        bad = await http.post("/v1/messages", json={"model": "m", "messages": []})
        assert bad.status_code == 400 and bad.json()["error"]["type"] == "invalid_request_error"
