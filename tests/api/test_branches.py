"""Retry and edit-and-resend as branches of a conversation, through the Python API.

A real engine on a tmp data dir with the fake OpenAI endpoint (what the model was told is read
from its recorded requests) and, for tool calls, the ledger MCP server (what really ran).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from mcpchat_ext import api
from mcpchat_ext import protocol as p
from mcpchat_ext.errors import BadRequest, Conflict
from tests.api.crash_child import config as child_config
from tests.fakes.ledger_server import ledger_lines
from tests.fakes.ledger_server import spec as ledger_spec
from tests.fakes.openai_server import FakeOpenAI, text_reply, tool_call_reply

pytestmark = [pytest.mark.timeout(180), pytest.mark.asyncio]


@pytest_asyncio.fixture
async def engine(data_dir: Path, llm: FakeOpenAI) -> AsyncIterator[dict[str, Any]]:
    try:
        yield child_config(str(data_dir), llm.base_url)
    finally:
        await api.shutdown()


async def frames_of(stream: Any) -> list[Any]:
    return [f async for f in stream]


def shown(messages: list[p.ChatMessage]) -> list[tuple[str, str]]:
    return [(m.role, m.content) for m in messages]


def user_texts(request: dict[str, Any]) -> list[str]:
    return [m["content"] for m in request["messages"] if m["role"] == "user"]


async def _chat(engine: dict[str, Any]) -> api.Chat:
    client = await api.connect(**engine)
    return await client.new_chat()


async def test_retry_keeps_the_old_reply_as_a_sibling_branch(llm: FakeOpenAI, engine: dict[str, Any]) -> None:
    chat = await _chat(engine)
    llm.queue(text_reply("First answer."), text_reply("Second answer."))
    await frames_of(chat.send("hello"))
    [user, _] = await chat.history()

    frames = await frames_of(chat.retry())
    started = frames[0]
    assert isinstance(started, p.TurnStartedFrame) and started.user_message is not None
    assert started.replaces == user.id and started.user_message.content == "hello"
    assert isinstance(frames[-1], p.DoneFrame)
    # the model saw the question once, not the reply being retried
    assert user_texts(llm.requests[-1]) == ["hello"]
    assert all(m["role"] != "assistant" for m in llm.requests[-1]["messages"])

    assert shown(await chat.history()) == [("user", "hello"), ("assistant", "Second answer.")]
    [point] = await chat.branches()
    assert (point.message_id, point.index, point.count) == (started.user_message.id, 1, 2)

    await chat.switch_branch(point.message_id, 0)
    assert shown(await chat.history()) == [("user", "hello"), ("assistant", "First answer.")]
    [point] = await chat.branches()
    assert (point.message_id, point.index, point.count) == (user.id, 0, 2)
    assert len(llm.requests) == 2  # switching runs nothing


async def test_edit_forks_before_an_earlier_message_and_the_original_stays(
    llm: FakeOpenAI, engine: dict[str, Any]
) -> None:
    chat = await _chat(engine)
    llm.queue(text_reply("r1"), text_reply("r2"), text_reply("r3"), text_reply("r2 edited"))
    for text in ("one", "two", "three"):
        await frames_of(chat.send(text))
    two = next(m for m in await chat.history() if m.content == "two")

    frames = await frames_of(chat.edit(two.id, "TWO"))
    assert isinstance(frames[-1], p.DoneFrame)
    assert user_texts(llm.requests[-1]) == ["one", "TWO"]
    assert shown(await chat.history()) == [
        ("user", "one"), ("assistant", "r1"), ("user", "TWO"), ("assistant", "r2 edited"),
    ]  # fmt: skip
    [point] = await chat.branches()
    assert (point.index, point.count) == (1, 2)

    await chat.switch_branch(point.message_id, 0)
    assert [c for _, c in shown(await chat.history())] == ["one", "r1", "two", "r2", "three", "r3"]
    # a new message continues the shown branch
    llm.queue(text_reply("r4"))
    await frames_of(chat.send("four"))
    assert user_texts(llm.requests[-1]) == ["one", "two", "three", "four"]
    [point] = await chat.branches()
    assert (point.message_id, point.index, point.count) == (two.id, 0, 2)


async def test_a_failed_reply_is_retried_and_the_failure_stays_a_branch(
    llm: FakeOpenAI, engine: dict[str, Any]
) -> None:
    chat = await _chat(engine)
    llm.fail_next(status=500)
    frames = await frames_of(chat.send("are you there?"))
    assert isinstance(frames[-1], p.ErrorFrame) and frames[-1].code == "model_error"
    llm.queue(text_reply("Yes."))
    frames = await frames_of(chat.retry())
    assert isinstance(frames[-1], p.DoneFrame)
    assert shown(await chat.history()) == [("user", "are you there?"), ("assistant", "Yes.")]
    [point] = await chat.branches()
    await chat.switch_branch(point.message_id, 0)
    assert shown(await chat.history()) == [("user", "are you there?")]  # the user's text is kept


async def test_retry_edit_and_switch_are_refused_while_calls_wait_for_approval(
    llm: FakeOpenAI, ledger: Path, engine: dict[str, Any]
) -> None:
    client = await api.connect(**engine)
    assert (await client.add_server(**ledger_spec(ledger))).state == "ready"
    chat = await client.new_chat(servers=["ledger"])
    llm.queue(text_reply("hi"), tool_call_reply([("ledger_record", {"label": "x"})]))
    await frames_of(chat.send("hello"))
    frames = await frames_of(chat.send("record x"))
    assert isinstance(frames[-1], p.ApprovalRequiredFrame)
    [call] = await chat.pending()
    hello = (await chat.history())[0]
    requests = len(llm.requests)

    for attempt in (chat.retry(), chat.edit(hello.id, "HELLO")):
        with pytest.raises(Conflict, match="waiting for your approval"):
            await frames_of(attempt)
    with pytest.raises(Conflict, match="waiting for your approval"):
        await chat.switch_branch(hello.id, 0)
    assert [c.id for c in await chat.pending()] == [call.id]  # the card is still there
    assert len(llm.requests) == requests and ledger_lines(ledger) == []
    assert [c for _, c in shown(await chat.history())][:3] == ["hello", "hi", "record x"]


async def test_retry_and_edit_are_refused_while_a_reply_streams(
    llm: FakeOpenAI, engine: dict[str, Any]
) -> None:
    chat = await _chat(engine)
    llm.queue(text_reply("quick"), text_reply(n_tokens=400, token_delay=0.01))
    await frames_of(chat.send("first"))
    first = (await chat.history())[0]
    stream = chat.send("long please")
    async for frame in stream:
        if isinstance(frame, p.TokenFrame):
            break
    with pytest.raises(Conflict, match="still being generated"):
        await frames_of(chat.retry())
    with pytest.raises(Conflict, match="still being generated"):
        await frames_of(chat.edit(first.id, "changed"))
    with pytest.raises(Conflict, match="still being generated"):
        await chat.switch_branch(first.id, 0)
    rest = await asyncio.wait_for(frames_of(stream), 60)
    assert isinstance(rest[-1], p.DoneFrame)
    assert [m.content for m in await chat.history()][:3] == ["first", "quick", "long please"]
    assert await chat.branches() == []


async def test_editing_a_message_whose_tool_call_ran_neither_reruns_nor_reoffers_it(
    llm: FakeOpenAI, ledger: Path, engine: dict[str, Any]
) -> None:
    client = await api.connect(**engine)
    assert (await client.add_server(**ledger_spec(ledger))).state == "ready"
    chat = await client.new_chat(servers=["ledger"])
    llm.queue(tool_call_reply([("ledger_record", {"label": "once"})]), text_reply("Recorded."))
    await frames_of(chat.send("record once"))
    await frames_of(chat.approve_all())
    assert ledger_lines(ledger) == ["record once"]
    store = (await api.get_engine()).parts.store
    audit = await store.list_decisions(client.user, chat.id)
    asked = (await chat.history())[0]

    llm.queue(text_reply("Nothing to record then."))
    frames = await frames_of(chat.edit(asked.id, "never mind"))
    assert isinstance(frames[-1], p.DoneFrame)
    assert not any(isinstance(f, p.ApprovalRequiredFrame | p.ToolStartedFrame) for f in frames)
    assert await chat.pending() == []
    # the model of the new branch was not told about the old call either
    assert all(m["role"] in ("system", "user") for m in llm.requests[-1]["messages"])
    assert ledger_lines(ledger) == ["record once"]
    assert await store.list_decisions(client.user, chat.id) == audit

    [point] = await chat.branches()
    await chat.switch_branch(point.message_id, 0)  # the old branch, with its result, unchanged
    roles = [m.role for m in await chat.history()]
    assert roles == ["user", "assistant", "tool", "assistant"]
    assert ledger_lines(ledger) == ["record once"] and await chat.pending() == []


async def test_the_shown_branch_survives_a_restart(llm: FakeOpenAI, engine: dict[str, Any]) -> None:
    chat = await _chat(engine)
    llm.queue(text_reply("A"), text_reply("B"))
    await frames_of(chat.send("q"))
    await frames_of(chat.retry())
    [point] = await chat.branches()
    await chat.switch_branch(point.message_id, 0)
    await api.shutdown()  # a new engine on the same files (a reload, another process)

    client = await api.connect(**engine)
    again = await client.chat(chat.id)
    assert shown(await again.history()) == [("user", "q"), ("assistant", "A")]
    [point] = await again.branches()
    assert (point.index, point.count) == (0, 2)
    await again.switch_branch(point.message_id, 1)
    assert shown(await again.history()) == [("user", "q"), ("assistant", "B")]


async def test_bad_targets_are_refused_with_what_to_do(llm: FakeOpenAI, engine: dict[str, Any]) -> None:
    chat = await _chat(engine)
    with pytest.raises(BadRequest, match="no message to retry"):
        await frames_of(chat.retry())
    llm.queue(text_reply("A"))
    await frames_of(chat.send("q"))
    user, reply = await chat.history()
    with pytest.raises(BadRequest, match="not a user message"):
        await frames_of(chat.edit(reply.id, "x"))
    with pytest.raises(BadRequest, match="not a user message"):
        await frames_of(chat.edit("no-such-id", "x"))
    with pytest.raises(BadRequest, match="empty"):
        await frames_of(chat.edit(user.id, "   "))
    with pytest.raises(BadRequest, match="no version 3"):
        await chat.switch_branch(user.id, 2)
    assert shown(await chat.history()) == [("user", "q"), ("assistant", "A")]
