"""The agent with real MCP tools (FastMCP over stdio via MCPConnectionManager)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from mcpchat_ext import protocol as p
from mcpchat_ext.agent import runner
from mcpchat_ext.agent.run_context import TurnContext
from mcpchat_ext.agent.toolset import Toolset
from mcpchat_ext.mcp_servers.manager import MCPConnectionManager
from tests.agent.toolkit import collect
from tests.fakes.openai_server import FakeOpenAI, text_reply, tool_call_reply
from tests.mcp_servers.specs import fake_stdio_spec


@pytest_asyncio.fixture
async def mcp() -> AsyncIterator[tuple[MCPConnectionManager, list[Any]]]:
    mgr = MCPConnectionManager(tool_timeout=5.0, connect_timeout=30.0, max_output_chars=50)
    try:
        tools = await mgr.get_tools([fake_stdio_spec()])
        yield mgr, tools
    finally:
        await mgr.aclose()


@pytest.mark.asyncio
async def test_real_mcp_tools_approve_reject_and_errors(
    graph: Any, llm: FakeOpenAI, mcp: tuple[MCPConnectionManager, list[Any]]
) -> None:
    _mgr, tools = mcp

    def run(**kw: Any) -> Any:
        return runner.run_turn(
            graph,
            chat_id="c",
            thread_id="mcp-thread",
            context=TurnContext(tools=Toolset(tools)),
            **kw,
        )

    llm.queue(
        tool_call_reply(
            [
                ("fake_add", {"a": 2, "b": 3}),
                ("fake_huge", {"n_chars": 500}),
                ("fake_fail", {"message": "nope"}),
                ("fake_echo", {"text": "secret"}),
            ]
        ),
        text_reply("Summary."),
    )
    paused = await collect(run(user_text="do four things"))
    calls = paused[-1].calls
    assert [c.tool for c in calls] == ["add", "huge", "fail", "echo"]
    assert all(c.server == "fake" for c in calls)
    assert calls[0].input_schema.get("properties", {}).keys() >= {"a", "b"}
    decisions = [p.Decision(call_id=c.id, action="approve") for c in calls[:3]]
    decisions.append(p.Decision(call_id=calls[3].id, action="reject", reason="private"))
    frames = await collect(run(decisions=decisions))
    results = {f.message.tool_call_id: f for f in frames if f.type == "tool_result"}
    assert results[calls[0].id].message.status == "success"
    assert "5" in results[calls[0].id].message.content
    assert results[calls[1].id].truncated
    assert results[calls[2].id].message.status == "error"
    assert "nope" in results[calls[2].id].message.content
    assert results[calls[3].id].message.content == "User rejected this tool call: private"
    assert frames[-1].type == "done" and frames[-1].message.content == "Summary."
