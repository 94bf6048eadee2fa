"""Progress of a running call reaches the turn's frames live, and one call can be cancelled from
its card while the turn goes on. Real ChatOpenAI against the local fake endpoint, the real edge
MCP server over stdio; the server's ledger says what it saw."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from mcpchat_ext import api
from mcpchat_ext import protocol as p
from mcpchat_ext.agent.progress import MAX_MESSAGE
from mcpchat_ext.errors import Conflict
from tests.api.llm_client import llm_client
from tests.fakes.openai_server import FakeOpenAI, text_reply, tool_call_reply
from tests.mcp_servers.edge import edge_spec

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(120)]


@pytest_asyncio.fixture
async def client(tmp_path: Path, llm: FakeOpenAI) -> AsyncIterator[api.Client]:
    async with llm_client(tmp_path, llm, tool_timeout=60.0) as client:
        yield client


@pytest_asyncio.fixture
async def chat(client: api.Client, tmp_path: Path) -> api.Chat:
    spec = edge_spec(env={"EDGE_LEDGER": str(tmp_path / "ledger.txt")})
    assert (await client.add_server(spec)).state == "ready"
    return await client.new_chat("progress", servers=["edge"])


async def _approved(chat: api.Chat, llm: FakeOpenAI, tool: str, args: dict[str, Any]) -> AsyncIterator[Any]:
    llm.queue(tool_call_reply([(f"edge_{tool}", args)]), text_reply("ok"))
    frames = [f async for f in chat.send(f"run {tool}")]
    assert isinstance(frames[-1], p.ApprovalRequiredFrame)
    return chat.approve_all()


async def test_progress_frames_are_live_and_clean(chat: api.Chat, llm: FakeOpenAI, tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    stream = await _approved(chat, llm, "steps", {"n": 3, "gate": str(gate)})
    seen: list[p.ToolProgressFrame] = []
    async for frame in stream:
        if isinstance(frame, p.ToolProgressFrame):
            seen.append(frame)
            gate.touch()  # the call finishes only after a progress frame came through: it is live
        if isinstance(frame, p.ToolResultFrame):
            assert frame.message.content == "did 3 steps"
            assert seen, "no progress before the result"
    [started_id] = {f.call_id for f in seen}
    assert all(f.total == 3 and 1 <= f.progress <= 3 for f in seen)
    assert all(f.message and f.message.startswith("step ") and "\x1b" not in f.message for f in seen)
    history = await chat.history()
    assert started_id in {c.id for m in history for c in m.tool_calls}


async def test_hostile_progress_is_thinned_and_capped(chat: api.Chat, llm: FakeOpenAI) -> None:
    stream = await _approved(chat, llm, "spam", {})
    frames = [f async for f in stream]
    progress = [f for f in frames if isinstance(f, p.ToolProgressFrame)]
    assert len(progress) < 5000
    assert all(f.total is None and f.message and len(f.message) <= MAX_MESSAGE for f in progress)
    assert isinstance(frames[-1], p.DoneFrame)


async def test_cancel_one_call_from_its_card(chat: api.Chat, llm: FakeOpenAI, tmp_path: Path) -> None:
    stream = await _approved(chat, llm, "wait_forever", {})
    frames: list[Any] = []
    async for frame in stream:
        frames.append(frame)
        if isinstance(frame, p.ToolProgressFrame):  # it runs: cancel it
            await chat.cancel_call(frame.call_id)
            with pytest.raises(Conflict):
                await chat.cancel_call("no-such-call")
    [result] = [f.message for f in frames if isinstance(f, p.ToolResultFrame)]
    assert result.status == "error" and "the user cancelled this tool call" in result.content
    assert isinstance(frames[-1], p.DoneFrame) and frames[-1].message and frames[-1].message.content == "ok"
    # the MCP server was told to cancel the request
    ledger = tmp_path / "ledger.txt"
    for _ in range(200):
        if ledger.exists() and "wait_forever cancelled" in ledger.read_text():
            break
        await asyncio.sleep(0.05)
    assert ledger.read_text().splitlines() == ["wait_forever cancelled"]
    # the model read that the user cancelled it
    sent = llm.requests[-1]["messages"]
    assert any(m["role"] == "tool" and "cancelled" in m["content"] for m in sent)
