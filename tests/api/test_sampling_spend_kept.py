"""What an MCP server's sampling request spent on the chat's model is the chat's as soon as the
model answered: a Stop while its tool call still runs (the answer's card open) keeps the tokens
and their cost in the chat's totals and on the call's card, also for a new engine on the same
store. Real ChatOpenAI against the fake endpoint, the real asking FastMCP server over stdio, real
SQLite."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from pydantic import BaseModel

from mcpchat_ext import api
from mcpchat_ext import protocol as p
from mcpchat_ext.agent.catalog import parse_catalog
from tests.api.llm_client import llm_client
from tests.fakes.openai_server import FakeOpenAI, text_reply, tool_call_reply
from tests.mcp_servers.asking import asking_spec

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(120)]

# the fake endpoint counts words: the system prompt (6) and the message (5) in, one out
SPENT = p.Usage(input_tokens=11, output_tokens=1, cost=(11 * 2 + 8) / 1e6, model="fake")


async def _stop_at_the_answer_card(chat: api.Chat, llm: FakeOpenAI) -> list[BaseModel]:
    """Run the asking server's ``sample``, approve its request, and press Stop once the model's
    answer is on its card (the tool call still runs: it waits for that card)."""
    llm.queue(tool_call_reply([("asking_sample", {"prompt": "What is six times seven?"})]))
    asked = [f async for f in chat.send("sample something")]
    assert isinstance(asked[-1], p.ApprovalRequiredFrame), asked[-1]
    llm.queue(text_reply("forty-two"))
    frames: list[BaseModel] = []
    answered = asyncio.Event()

    async def read() -> None:
        async for frame in chat.approve_all():
            frames.append(frame)
            if isinstance(frame, p.SamplingRequestFrame) and frame.stage == "request":
                await chat.answer_sampling(frame.request_id, True)
            elif isinstance(frame, p.SamplingRequestFrame):
                answered.set()

    task = asyncio.create_task(read())
    waiter = asyncio.create_task(answered.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    assert answered.is_set(), frames
    assert await chat.stop() is True
    await asyncio.wait_for(task, 30)
    assert isinstance(frames[-1], p.StoppedFrame), frames[-1]
    assert not [f for f in frames if isinstance(f, p.ToolResultFrame)], "the call got no result"
    return frames


def _check(page: p.HistoryPage) -> None:
    replies = [m.usage for m in page.messages if m.role == "assistant" and m.usage]
    totals = page.usage
    assert totals is not None and totals.replies == len(replies) == 1
    assert totals.sampling_tokens == 12, totals
    assert totals.input_tokens == replies[0].input_tokens + 11
    assert totals.output_tokens == replies[0].output_tokens + 1
    assert totals.cost == pytest.approx((replies[0].cost or 0) + (11 * 2 + 8) / 1e6)
    [tool] = [m for m in page.messages if m.role == "tool"]
    assert tool.metadata.get("cancelled") is True  # answered as cancelled by the Stop
    assert tool.usage == SPENT, "the stopped call's card shows what its sampling spent"


async def test_a_stop_after_the_model_answered_keeps_the_sampling_tokens(
    tmp_path: Path, llm: FakeOpenAI
) -> None:
    entry = {"model": "fake-model", "base_url": llm.base_url, "input_price": 2.0, "output_price": 8.0}
    catalog = parse_catalog({"fake": entry})[0]
    async with llm_client(tmp_path, llm, model_catalog=catalog) as client:
        assert (await client.add_server(asking_spec())).state == "ready"
        chat = await client.new_chat("stopped", servers=["asking"], model="fake")
        frames = await _stop_at_the_answer_card(chat, llm)
        [shown] = [f for f in frames if isinstance(f, p.SamplingRequestFrame) and f.stage == "result"]
        assert shown.usage == SPENT
        _check(await client.workspace.history(chat.id))
        assert (await chat.usage()).sampling_tokens == 12
    async with llm_client(tmp_path, llm, model_catalog=catalog) as again:  # a new engine, same files
        _check(await again.workspace.history(chat.id))
