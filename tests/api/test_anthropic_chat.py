"""Chats on Anthropic's Messages API (the real ChatAnthropic against the local fake): an approved
MCP tool call, usage and cost per reply, and a chat switched from an OpenAI-compatible model to
Anthropic in the middle, tool calls in its history."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mcpchat_ext import api
from mcpchat_ext.agent.catalog import parse_catalog
from tests.fakes.anthropic_server import FakeAnthropic
from tests.fakes.openai_server import FakeOpenAI, text_reply, tool_call_reply
from tests.server.conftest import stdio_fake_spec

pytestmark = [pytest.mark.timeout(120), pytest.mark.asyncio]
KEY = "sk-ant-chat-7a6b5c4d3e2f"


@pytest.fixture
def claude(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAnthropic]:
    monkeypatch.setenv("TEST_ANTHROPIC_KEY", KEY)
    with FakeAnthropic() as server:
        yield server


def _catalog(claude: FakeAnthropic, llm: FakeOpenAI) -> list[Any]:
    doc = {
        "claude": {
            "provider": "anthropic",
            "model": "claude-fake",
            "base_url": claude.base_url,
            "api_key_env": "TEST_ANTHROPIC_KEY",
            "input_price": 3,
            "output_price": 15,
        },
        "gpt": {"model": "fake-model", "base_url": llm.base_url},
    }
    return parse_catalog(doc)[0]


async def test_anthropic_chat_calls_an_mcp_tool_after_approval(
    engine_config: dict[str, Any], claude: FakeAnthropic, llm: FakeOpenAI
) -> None:
    try:
        client = await api.connect(
            **engine_config,
            model_catalog=_catalog(claude, llm),
            default_model="claude",
            include_demo_server=False,
        )
        assert client.model.provider == "anthropic"
        status = await client.add_server(**stdio_fake_spec())
        assert status.state == "ready", status.error
        chat = await client.new_chat(servers=["fake"])
        claude.queue(tool_call_reply([("fake_add", {"a": 2, "b": 3})], "Let me add."), text_reply("It is 5."))
        asked: list[str] = []

        def approve(call: Any) -> bool:
            asked.append(call.name)
            return True

        reply = await chat.ask("what is 2 + 3?", approve=approve)
        assert reply.error is None and reply.text == "It is 5."
        assert asked == ["fake_add"] and [float(m.content) for m in reply.tool_results] == [5]
        first, second = claude.requests
        assert "fake_add" in {t["name"] for t in first["tools"]}
        assistant, results = second["messages"][1], second["messages"][2]
        assert [b["type"] for b in assistant["content"]] == ["text", "tool_use"]
        assert results["content"][0]["type"] == "tool_result" and "5" in str(results["content"][0]["content"])
        # usage per reply, from the stream's message_start / message_delta, and its cost
        history = await chat.history()
        usages = [m.usage for m in history if m.role == "assistant"]
        assert all(u is not None for u in usages)
        assert usages[0] is not None and usages[0].output_tokens == 4 and usages[0].model == "claude"
        # the fake counts words: "what is 2 + 3?" in, "Let me add." and one call out
        assert usages[0].input_tokens == 5
        assert usages[0].cost == pytest.approx((5 * 3 + 4 * 15) / 1e6)
        totals = await chat.usage()
        assert totals.replies == 2 and totals.output_tokens == sum(u.output_tokens for u in usages if u)
        assert not llm.requests
    finally:
        await api.shutdown()


async def test_switching_from_openai_to_anthropic_mid_chat_keeps_the_tool_history(
    engine_config: dict[str, Any], claude: FakeAnthropic, llm: FakeOpenAI
) -> None:
    try:
        client = await api.connect(
            **engine_config,
            model_catalog=_catalog(claude, llm),
            default_model="gpt",
            include_demo_server=False,
        )
        await client.add_server(**stdio_fake_spec())
        chat = await client.new_chat(servers=["fake"])
        llm.queue(tool_call_reply([("fake_add", {"a": 1, "b": 1})]), text_reply("Two."))
        assert (await chat.ask("1 + 1?", approve=True)).text == "Two."
        await chat.set_model("claude")
        claude.queue(text_reply("Claude here."))
        reply = await chat.ask("who are you?")
        assert reply.error is None and reply.text == "Claude here."
        sent = claude.requests[-1]["messages"]
        roles = [m["role"] for m in sent]
        assert roles == ["user", "assistant", "user", "assistant", "user"]
        uses = [b for b in sent[1]["content"] if isinstance(b, dict) and b.get("type") == "tool_use"]
        assert [u["name"] for u in uses] == ["fake_add"]
        assert sent[2]["content"][0]["tool_use_id"] == uses[0]["id"]
    finally:
        await api.shutdown()
