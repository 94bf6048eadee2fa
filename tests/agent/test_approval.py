"""Tool approval: nothing runs before the user decides; approve / edit / reject / auto."""

from __future__ import annotations

from typing import Any

import pytest

from mcpchat_ext import protocol as p
from mcpchat_ext.errors import BadRequest, Conflict
from tests.agent.conftest import Turns
from tests.agent.toolkit import types
from tests.fakes.openai_server import FakeOpenAI, text_reply, tool_call_reply

TWO_CALLS = tool_call_reply([("fake_add", {"a": 2, "b": 3}), ("fake_echo", {"text": "hi"})])


def decision(call_id: str, action: str, **kw: object) -> p.Decision:
    return p.Decision(call_id=call_id, action=action, **kw)  # type: ignore[arg-type]


@pytest.mark.asyncio
async def test_pause_lists_all_parallel_calls_and_runs_nothing(llm: FakeOpenAI, turns: Turns) -> None:
    llm.queue(TWO_CALLS)
    frames = await turns.send("add and echo")
    assert types(frames)[0] == "turn_started"
    assert frames[0].user_message.content == "add and echo"
    assert types(frames)[-1] == "approval_required"
    ai = [f for f in frames if f.type == "ai_message"]
    assert len(ai) == 1 and [c.name for c in ai[0].message.tool_calls] == ["fake_add", "fake_echo"]
    calls = frames[-1].calls
    assert [c.name for c in calls] == ["fake_add", "fake_echo"]
    assert calls[0].args == {"a": 2, "b": 3}
    assert calls[0].server == "fake" and calls[0].tool == "add"
    assert calls[0].description == "fake_add description"
    assert "done" not in types(frames)
    assert turns.box.calls == []
    pending = await turns.pending()
    assert [c.id for c in pending] == [c.id for c in calls]


@pytest.mark.asyncio
async def test_approve_runs_tool_and_replies(llm: FakeOpenAI, turns: Turns) -> None:
    llm.queue(tool_call_reply([("fake_add", {"a": 2, "b": 3})]), text_reply("The sum is 5."))
    paused = await turns.send("add 2 and 3")
    call = paused[-1].calls[0]
    frames = await turns.decide([decision(call.id, "approve")])
    assert types(frames)[0] == "turn_started" and frames[0].user_message is None
    assert "approval_decided" not in types(frames)  # manual decisions are broadcast by the session
    assert turns.box.calls == [("fake_add", {"a": 2, "b": 3})]
    started = [f for f in frames if f.type == "tool_started"]
    assert [f.call.id for f in started] == [call.id]
    result = next(f for f in frames if f.type == "tool_result")
    assert result.message.content == "5" and result.message.status == "success"
    tokens = [f for f in frames if f.type == "token"]
    assert "".join(t.text for t in tokens) == "The sum is 5."
    assert len({t.message_id for t in tokens}) == 1
    done = frames[-1]
    assert done.type == "done" and done.message.content == "The sum is 5."
    assert tokens[0].message_id == done.message.id
    # the model saw the tool result
    last_request = llm.requests[-1]["messages"]
    assert any(m["role"] == "tool" and m["content"] == "5" for m in last_request)
    assert await turns.pending() == []


@pytest.mark.asyncio
async def test_edit_replaces_args(llm: FakeOpenAI, turns: Turns) -> None:
    llm.queue(tool_call_reply([("fake_add", {"a": 2, "b": 3})]), text_reply("It is 30."))
    call = (await turns.send("add"))[-1].calls[0]
    frames = await turns.decide([decision(call.id, "edit", args={"a": 10, "b": 20})])
    assert turns.box.calls == [("fake_add", {"a": 10, "b": 20})]
    started = next(f for f in frames if f.type == "tool_started")
    assert started.call.args == {"a": 10, "b": 20}
    assert next(f for f in frames if f.type == "tool_result").message.content == "30"


@pytest.mark.asyncio
async def test_reject_gives_error_tool_message_and_humane_reply(llm: FakeOpenAI, turns: Turns) -> None:
    llm.queue(
        tool_call_reply([("fake_add", {"a": 2, "b": 3})]),
        # even if the model insists on a tool, no tools are offered after a full rejection
        tool_call_reply([("fake_add", {"a": 2, "b": 3})], text="Understood, I won't add them."),
    )
    call = (await turns.send("add"))[-1].calls[0]
    frames = await turns.decide([decision(call.id, "reject", reason="not now")])
    assert turns.box.calls == []
    assert "tool_started" not in types(frames)
    result = next(f for f in frames if f.type == "tool_result")
    assert result.message.status == "error"
    assert result.message.content == "User rejected this tool call: not now"
    assert types(frames)[-1] == "done"
    assert frames[-1].message.content == "Understood, I won't add them."
    assert frames[-1].message.tool_calls == []
    body = llm.requests[-1]
    assert not body.get("tools")
    assert await turns.pending() == []
    history = await turns.history()
    assert [m.role for m in history] == ["user", "assistant", "tool", "assistant"]


@pytest.mark.asyncio
async def test_mixed_approve_and_reject(llm: FakeOpenAI, turns: Turns) -> None:
    llm.queue(TWO_CALLS, text_reply("Added; did not echo."))
    calls = (await turns.send("both"))[-1].calls
    frames = await turns.decide(
        [decision(calls[1].id, "reject", reason="no echo"), decision(calls[0].id, "approve")]
    )
    assert turns.box.calls == [("fake_add", {"a": 2, "b": 3})]
    results = [f.message for f in frames if f.type == "tool_result"]
    assert [(m.tool_call_id, m.status) for m in results] == [
        (calls[0].id, "success"),
        (calls[1].id, "error"),
    ]
    assert frames[-1].type == "done"
    # one approved call ran: tools stay offered for the reply
    assert llm.requests[-1].get("tools")


@pytest.mark.asyncio
async def test_auto_approve_policy(llm: FakeOpenAI, turns: Turns) -> None:
    turns.policy = lambda server, tool: tool == "add"
    llm.queue(tool_call_reply([("fake_add", {"a": 1, "b": 1})]), text_reply("2"))
    frames = await turns.send("add")
    assert turns.box.calls == [("fake_add", {"a": 1, "b": 1})]
    decided = [f for f in frames if f.type == "approval_decided"]
    assert len(decided) == 1 and decided[0].auto
    assert [c.name for c in decided[0].calls] == ["fake_add"]
    assert decided[0].decisions[0].action == "approve"
    assert types(frames)[-1] == "done"


@pytest.mark.asyncio
async def test_auto_approved_and_manual_calls_in_one_message(llm: FakeOpenAI, turns: Turns) -> None:
    turns.policy = lambda server, tool: tool == "add"
    llm.queue(TWO_CALLS, text_reply("ok"))
    paused = await turns.send("both")
    assert [c.name for c in paused[-1].calls] == ["fake_echo"]
    assert turns.box.calls == []  # nothing runs while any call of the message waits
    frames = await turns.decide([decision(paused[-1].calls[0].id, "approve")])
    assert sorted(c[0] for c in turns.box.calls) == ["fake_add", "fake_echo"]
    auto = [f for f in frames if f.type == "approval_decided"]
    assert len(auto) == 1 and auto[0].auto and [c.name for c in auto[0].calls] == ["fake_add"]


@pytest.mark.asyncio
async def test_tool_errors_and_truncation_reach_the_model(llm: FakeOpenAI, turns: Turns) -> None:
    turns.policy = lambda server, tool: True
    llm.queue(
        tool_call_reply([("fake_fail", {"why": "disk full"}), ("fake_big", {"n": 3})]),
        text_reply("One failed."),
    )
    frames = await turns.send("go")
    results = {f.message.name: f for f in frames if f.type == "tool_result"}
    assert results["fake_fail"].message.status == "error"
    assert "disk full" in results["fake_fail"].message.content
    assert results["fake_big"].truncated and results["fake_big"].message.metadata["truncated"]
    assert frames[-1].type == "done"


@pytest.mark.asyncio
async def test_tool_round_limit_stops_looping(llm: FakeOpenAI, turns: Turns) -> None:
    turns.policy = lambda server, tool: True
    for _ in range(2):
        llm.queue(tool_call_reply([("fake_echo", {"text": "again"})]))
    llm.queue(tool_call_reply([("fake_echo", {"text": "more"})], text="Stopping here."))
    frames = await collect_limited(turns, max_rounds=2)
    assert len(turns.box.calls) == 2
    assert frames[-1].type == "done" and frames[-1].message.content == "Stopping here."
    assert frames[-1].message.tool_calls == [] and not llm.requests[-1].get("tools")


async def collect_limited(turns: Turns, max_rounds: int) -> list[Any]:
    from tests.agent.toolkit import collect

    return await collect(turns.run(user_text="loop", max_tool_rounds=max_rounds))


@pytest.mark.asyncio
async def test_bad_decisions(llm: FakeOpenAI, turns: Turns) -> None:
    with pytest.raises(Conflict):
        await turns.decide([decision("nope", "approve")])
    llm.queue(TWO_CALLS, text_reply("ok"))
    calls = (await turns.send("both"))[-1].calls
    with pytest.raises(BadRequest, match="unknown"):
        await turns.decide([decision("nope", "approve"), decision(calls[0].id, "approve")])
    with pytest.raises(BadRequest, match="missing"):
        await turns.decide([decision(calls[0].id, "approve")])
    with pytest.raises(BadRequest, match="args"):
        await turns.decide([decision(calls[0].id, "edit"), decision(calls[1].id, "approve")])
    assert turns.box.calls == []
    assert [c.id for c in await turns.pending()] == [c.id for c in calls]
    frames = await turns.decide([decision(calls[0].id, "approve"), decision(calls[1].id, "approve")])
    assert frames[-1].type == "done" and len(turns.box.calls) == 2
