"""The model sees the newest whole turns that fit ``max_context_tokens``; the chat keeps everything."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from mcpchat_ext import protocol as p
from mcpchat_ext.agent.context import TRIMMED_NOTE, estimate_tokens, fit_history
from tests.agent.conftest import Turns
from tests.fakes.openai_server import FakeOpenAI, text_reply, tool_call_reply


def _turn(i: int, words: int = 40) -> list[Any]:
    call = {"id": f"c{i}", "name": "fake_echo", "args": {"text": f"t{i}"}}
    return [
        HumanMessage(f"question {i} " + "word " * words, id=f"h{i}"),
        AIMessage("", tool_calls=[call], id=f"a{i}"),
        ToolMessage(f"result {i}", tool_call_id=f"c{i}", id=f"t{i}"),
        AIMessage(f"answer {i} " + "word " * words, id=f"r{i}"),
    ]


def test_everything_fits_or_no_budget() -> None:
    msgs = [m for i in range(3) for m in _turn(i)]
    assert fit_history(msgs, 0) == (msgs, False)
    assert fit_history(msgs, 10**6) == (msgs, False)
    assert fit_history([], 10) == ([], False)


def test_keeps_the_newest_whole_turns() -> None:
    msgs = [m for i in range(10) for m in _turn(i)]
    per_turn = sum(estimate_tokens(m) for m in _turn(0))
    kept, trimmed = fit_history(msgs, per_turn * 3 + per_turn // 2)
    assert trimmed
    assert isinstance(kept[0], HumanMessage) and kept[0].id == "h7"
    assert [m.id for m in kept] == [m.id for m in msgs[-12:]]
    # no tool result without its call
    call_ids = {c["id"] for m in kept if isinstance(m, AIMessage) for c in m.tool_calls}
    assert all(m.tool_call_id in call_ids for m in kept if isinstance(m, ToolMessage))


def test_the_current_turn_is_always_sent() -> None:
    msgs = [*_turn(0), *_turn(1, words=5000)[:3]]  # a huge current turn, mid tool round
    kept, trimmed = fit_history(msgs, 50)
    assert trimmed and [m.id for m in kept] == ["h1", "a1", "t1"]


def test_tool_call_arguments_count() -> None:
    small = AIMessage("", tool_calls=[{"id": "x", "name": "f", "args": {"s": "a"}}])
    big = AIMessage("", tool_calls=[{"id": "x", "name": "f", "args": {"s": "a" * 4000}}])
    assert estimate_tokens(big) >= estimate_tokens(small) + 1000


@pytest.mark.asyncio
async def test_the_model_gets_recent_turns_and_the_chat_keeps_all(llm: FakeOpenAI, turns: Turns) -> None:
    long = "lorem ipsum dolor sit amet " * 40  # ~270 estimated tokens per message
    for i in range(4):
        llm.queue(text_reply(f"reply {i} {long}"))
        frames = await turns.send(f"message {i} {long}")
        assert frames[-1].type == "done"
    budget = 600  # the new message (~275) fits, with the turn before it (~550 more) it does not
    llm.queue(tool_call_reply([("fake_echo", {"text": "hi"})]), text_reply("echoed"))
    run = turns.run(user_text=f"message 4 {long}", max_context_tokens=budget)
    paused = [f async for f in run]
    assert paused[-1].type == "approval_required"
    sent = llm.requests[-1]["messages"]
    assert sent[0] == {"role": "system", "content": TRIMMED_NOTE}
    assert [m["role"] for m in sent[1:]] == ["user"]
    assert sent[1]["content"].startswith("message 4")
    call = paused[-1].calls[0]
    run = turns.run(decisions=[p.Decision(call_id=call.id, action="approve")], max_context_tokens=budget)
    done = [f async for f in run]
    assert done[-1].type == "done"
    sent = llm.requests[-1]["messages"]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "tool"]  # the tool round whole
    history = await turns.history()
    assert [m.content.split()[1] for m in history if m.role == "user"] == ["0", "1", "2", "3", "4"]
