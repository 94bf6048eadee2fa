"""The Python API with the real ChatOpenAI against the local fake OpenAI server and a fake stdio MCP server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mcpchat_ext import api
from mcpchat_ext import protocol as p
from tests.fakes.openai_server import FakeOpenAI, text_reply, tool_call_reply
from tests.server.conftest import stdio_fake_spec

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def llm() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.mark.asyncio
async def test_chat_openai_calls_an_mcp_tool_after_approval(
    engine_config: dict[str, Any], llm: FakeOpenAI
) -> None:
    try:
        client = await api.connect(
            **engine_config,
            openai_api_key="test",
            openai_base_url=llm.base_url,
            model_name="fake-model",
            include_demo_server=False,
        )
        assert client.model.demo is False
        assert client.model.base_url == llm.base_url

        status = await client.add_server(**stdio_fake_spec())
        assert status.state == "ready", status.error
        assert [s.name for s in await client.servers()] == ["jupyter", "fake"]  # (the kernel's own tools)

        chat = await client.new_chat(servers=["fake"])
        llm.queue(
            tool_call_reply([("fake_add", {"a": 2, "b": 3})], text="Let me add."),
            text_reply("The sum is 5."),
        )
        asked: list[p.PendingCall] = []

        def approve(call: p.PendingCall) -> bool:
            asked.append(call)
            return True

        reply = await chat.ask("what is 2 + 3?", approve=approve)
        assert reply.error is None
        assert reply.text == "The sum is 5."
        assert [(c.server, c.tool, c.args) for c in asked] == [("fake", "add", {"a": 2, "b": 3})]
        assert [float(m.content) for m in reply.tool_results] == [5]

        # what the model endpoint saw: the MCP tool offered, the key sent, then the tool result
        assert len(llm.requests) == 2
        first, second = llm.requests
        assert "fake_add" in {t["function"]["name"] for t in first["tools"]}
        assert llm.headers[0]["authorization"] == "Bearer test"
        tool_messages = [m for m in second["messages"] if m["role"] == "tool"]
        assert len(tool_messages) == 1 and "5" in str(tool_messages[0]["content"])
        assert tool_messages[0]["tool_call_id"] == asked[0].id
    finally:
        await api.shutdown()


@pytest.mark.asyncio
async def test_model_endpoint_down_gives_a_model_error_and_keeps_the_chat(
    engine_config: dict[str, Any], llm: FakeOpenAI
) -> None:
    try:
        client = await api.connect(
            **engine_config, openai_api_key="test", openai_base_url=llm.base_url, model_name="fake-model"
        )
        chat = await client.new_chat(servers=[])
        llm.fail_next(status=500)
        reply = await chat.ask("hello?")
        assert reply.error is not None and reply.error.code == "model_error"

        llm.queue(text_reply("Back again."))
        reply = await chat.ask("hello again")
        assert reply.error is None and reply.text == "Back again."
        assert [m.content for m in await chat.history() if m.role == "user"] == ["hello?", "hello again"]
    finally:
        await api.shutdown()
