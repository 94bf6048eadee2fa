"""Model endpoint failures and stop (cancellation) leave the thread consistent."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import pytest

from mcpchat_ext.agent.graph import build_graph
from mcpchat_ext.agent.runner import CANCELLED_TEXT, thread_config
from tests.agent.conftest import Turns
from tests.agent.toolkit import ToolBox, chat_model, types
from tests.fakes.openai_server import FakeOpenAI, text_reply, tool_call_reply


def dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


async def assert_settled(turns: Turns) -> None:
    state = await turns.graph.aget_state(thread_config(turns.thread_id))
    assert state.next == ()
    assert state.interrupts == ()


@pytest.mark.asyncio
async def test_model_endpoint_down(checkpointer: Any, box: ToolBox, llm: FakeOpenAI) -> None:
    url = dead_url()
    down = Turns(build_graph(chat_model(url), checkpointer), box)
    frames = await down.send("hello?")
    assert types(frames) == ["turn_started", "error"]
    err = frames[-1]
    assert err.code == "model_error" and err.chat_id == "chat-1"
    assert url in err.message and "unreachable" in err.message
    await assert_settled(down)
    assert [m.role for m in await down.history()] == ["user"]
    # the endpoint comes back: the same thread continues, with the first message kept
    up = Turns(build_graph(chat_model(llm.base_url), checkpointer), box)
    llm.queue(text_reply("I'm back."))
    frames = await up.send("again")
    assert frames[-1].type == "done" and frames[-1].message.content == "I'm back."
    assert [m.content for m in await up.history()] == ["hello?", "again", "I'm back."]
    sent = [m["content"] for m in llm.requests[-1]["messages"] if m["role"] == "user"]
    assert sent == ["hello?", "again"]


@pytest.mark.asyncio
async def test_model_http_500_after_tool_round(llm: FakeOpenAI, turns: Turns) -> None:
    llm.queue(tool_call_reply([("fake_add", {"a": 1, "b": 2})]))
    call = (await turns.send("add"))[-1].calls[0]
    llm.fail_next(status=500)
    from mcpchat_ext import protocol as p

    frames = await turns.decide([p.Decision(call_id=call.id, action="approve")])
    assert turns.box.calls == [("fake_add", {"a": 1, "b": 2})]
    assert frames[-1].type == "error" and frames[-1].code == "model_error"
    assert "500" in frames[-1].message
    await assert_settled(turns)
    assert [m.role for m in await turns.history()] == ["user", "assistant", "tool"]
    llm.queue(text_reply("fine now"))
    frames = await turns.send("retry")
    assert frames[-1].type == "done" and frames[-1].message.content == "fine now"


async def start_and_cancel_when(turns: Turns, ready: asyncio.Event, **kw: Any) -> list[Any]:
    seen: list[Any] = []

    async def consume() -> None:
        async for frame in turns.run(**kw):
            seen.append(frame)
            if frame.type == "token":
                ready.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(ready.wait(), 20)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 20)
    return seen


@pytest.mark.asyncio
async def test_stop_mid_stream(llm: FakeOpenAI, turns: Turns) -> None:
    llm.queue(text_reply(n_tokens=500, token_delay=0.02))
    seen = await start_and_cancel_when(turns, asyncio.Event(), user_text="tell me a story")
    assert "token" in types(seen) and "done" not in types(seen)
    await assert_settled(turns)
    # what had streamed is kept as the reply, marked stopped (a reload shows it, not a blank)
    shown = "".join(f.text for f in seen if f.type == "token")
    history = await turns.history()
    assert [m.role for m in history] == ["user", "assistant"]
    assert history[1].content == shown and history[1].metadata.get("stopped") is True
    llm.queue(text_reply("short one"))
    frames = await turns.send("shorter please")
    assert frames[-1].type == "done" and frames[-1].message.content == "short one"


@pytest.mark.asyncio
async def test_stop_during_tool_call(llm: FakeOpenAI, turns: Turns) -> None:
    turns.policy = lambda server, tool: True
    started = asyncio.Event()
    turns.box.slow_started = started
    llm.queue(tool_call_reply([("fake_slow", {"seconds": 60}), ("fake_add", {"a": 1, "b": 1})]))
    seen: list[Any] = []

    async def consume() -> None:
        async for frame in turns.run(user_text="slow"):
            seen.append(frame)

    task = asyncio.create_task(consume())
    await asyncio.wait_for(started.wait(), 20)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 20)
    await assert_settled(turns)
    history = await turns.history()
    assert [m.role for m in history] == ["user", "assistant", "tool", "tool"]
    assert all(m.status == "error" and m.content == CANCELLED_TEXT for m in history[2:])
    assert {m.tool_call_id for m in history[2:]} == {c.id for c in history[1].tool_calls}
    llm.queue(text_reply("ok, stopped"))
    frames = await turns.send("never mind")
    assert frames[-1].type == "done"
    roles = [m["role"] for m in llm.requests[-1]["messages"]]
    assert roles == ["user", "assistant", "tool", "tool", "user"]


@pytest.mark.asyncio
async def test_checkpointer_creates_parent_dir(db_path: Path, checkpointer: Any) -> None:
    assert await asyncio.to_thread(db_path.exists)
