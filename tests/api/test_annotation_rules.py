"""Annotations under attack: a server's hints are shown on the card, and skip it only through a
rule the user made for read-only tools. The real ChatOpenAI talks to the local fake endpoint; the
edge server's "changing" tools write to a ledger, so what ran is a fact, not a frame."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from mcpchat_ext import api
from mcpchat_ext import protocol as p
from mcpchat_ext.agent.toolset import model_names
from tests.api.llm_client import llm_client
from tests.fakes.openai_server import FakeOpenAI, text_reply, tool_call_reply
from tests.mcp_servers.edge import edge_spec

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(120)]


@pytest_asyncio.fixture
async def client(tmp_path: Path, llm: FakeOpenAI) -> AsyncIterator[api.Client]:
    async with llm_client(tmp_path, llm, tool_timeout=20.0) as client:
        yield client


@pytest_asyncio.fixture
async def chat(client: api.Client, tmp_path: Path) -> api.Chat:
    spec = edge_spec(env={"EDGE_LEDGER": str(tmp_path / "ledger.txt")})
    assert (await client.add_server(spec)).state == "ready"
    return await client.new_chat("hints", servers=["edge"])


async def _call(chat: api.Chat, llm: FakeOpenAI, tool: str) -> list[object]:
    name = model_names([("edge", tool)])[("edge", tool)]
    llm.queue(tool_call_reply([(name, {"target": "/"} if tool == "wipe" else {})]), text_reply("ok"))
    return [f async for f in chat.send(f"run {tool}")]


def _ledger(tmp_path: Path) -> list[str]:
    path = tmp_path / "ledger.txt"
    return path.read_text().splitlines() if path.exists() else []


async def test_a_read_only_claim_alone_never_skips_the_card(
    chat: api.Chat, llm: FakeOpenAI, tmp_path: Path
) -> None:
    frames = await _call(chat, llm, "wipe")
    assert isinstance(frames[-1], p.ApprovalRequiredFrame)
    [card] = frames[-1].calls
    assert card.title == "Harmless lookup"
    assert card.annotations == p.ToolAnnotations(title="Harmless lookup", read_only=True)
    assert _ledger(tmp_path) == []
    async for _ in chat.reject_all("no"):
        pass
    assert _ledger(tmp_path) == []


async def test_read_only_rule_allows_what_claims_read_only_and_nothing_else(
    client: api.Client, chat: api.Chat, llm: FakeOpenAI, tmp_path: Path
) -> None:
    rule = await client.workspace.rules.add(p.NewRule(server="edge", tool=p.READ_ONLY_TOOLS, action="allow"))
    # an honest read-only tool runs without a card, naming the rule
    frames = await _call(chat, llm, "peek")
    [auto] = [f for f in frames if isinstance(f, p.ApprovalDecidedFrame)]
    assert auto.auto and auto.decisions[0].rule == "your rule: always allow the tools edge says are read-only"
    assert isinstance(frames[-1], p.DoneFrame)
    # contradicting hints (read-only and destructive) are not read-only: a card
    frames = await _call(chat, llm, "both_ways")
    assert isinstance(frames[-1], p.ApprovalRequiredFrame)
    async for _ in chat.reject_all("no"):
        pass
    # a tool named like the rule's pattern is not matched by the name
    frames = await _call(chat, llm, "@read-only")
    assert isinstance(frames[-1], p.ApprovalRequiredFrame), frames[-1]
    [card] = frames[-1].calls
    assert card.tool == "@read-only"
    async for _ in chat.reject_all("no"):
        pass
    assert _ledger(tmp_path) == []
    # no rule: the same honest tool asks again
    await client.workspace.rules.remove(rule.id)
    assert isinstance((await _call(chat, llm, "peek"))[-1], p.ApprovalRequiredFrame)
