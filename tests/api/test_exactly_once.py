"""Exactly-once tool calls across crashes, Stop, duplicate call ids and edits.

What ran is read from the ledger a real stdio MCP server writes (tests/fakes/ledger_server.py);
what the user sees from the Python API (pending calls, history, errors); what the model was told
from the fake OpenAI endpoint's recorded requests. Crashes are real: a child process running the
API on the same data dir is SIGKILLed, then a fresh engine in this process opens the same files.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from mcpchat_ext import api
from mcpchat_ext import protocol as p
from mcpchat_ext.agent.refusals import CANCELLED_TEXT, INTERRUPTED_TEXT
from mcpchat_ext.errors import BadRequest, Conflict
from tests.api.children import start_child
from tests.api.crash_child import config as child_config
from tests.fakes.ledger_server import await_line, ledger_lines
from tests.fakes.ledger_server import spec as ledger_spec
from tests.fakes.openai_server import FakeOpenAI, fixed_id_reply, text_reply, tool_call_reply

# children start slowly on a loaded machine (imports: seconds to tens of seconds)
pytestmark = [pytest.mark.timeout(300), pytest.mark.asyncio]


@pytest_asyncio.fixture
async def engine(data_dir: Path, llm: FakeOpenAI) -> AsyncIterator[dict[str, Any]]:
    """The config of a real-model engine on ``data_dir`` (shut down after the test)."""
    try:
        yield child_config(str(data_dir), llm.base_url)
    finally:
        await api.shutdown()


def tool_message(messages: list[p.ChatMessage], call_id: str) -> p.ChatMessage:
    found = [m for m in messages if m.role == "tool" and m.tool_call_id == call_id]
    assert len(found) == 1, [m.model_dump() for m in messages]
    return found[0]


def wire_answers(request: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(tool call ids of the request's assistant messages, tool_call_ids of its tool messages)."""
    called = [
        c["id"] for m in request["messages"] if m["role"] == "assistant" for c in m.get("tool_calls") or []
    ]
    answered = [m["tool_call_id"] for m in request["messages"] if m["role"] == "tool"]
    return called, answered


# -- crashes ----------------------------------------------------------------------------------


async def test_kill_9_while_an_approved_tool_runs(
    tmp_path: Path, data_dir: Path, llm: FakeOpenAI, ledger: Path, engine: dict[str, Any]
) -> None:
    llm.queue(tool_call_reply([("ledger_slow", {"seconds": 60, "label": "crash"})]))
    child = await start_child("tool", data_dir, llm.base_url, str(ledger), log=tmp_path / "child.log")
    try:
        pending = await child.event("pending")
        assert (pending["name"], pending["args"]) == ("ledger_slow", {"seconds": 60, "label": "crash"})
        await await_line(ledger, "start crash")
    finally:
        await child.kill()
    chat_id, call_id = pending["chat_id"], pending["call_id"]

    client = await api.connect(**engine)
    chat = await client.chat(chat_id)
    assert await chat.pending() == []  # the started call is never offered again
    page = await client.workspace.history(chat_id)
    assert page.pending == [] and page.chat.pending_approval is False
    assert page.outcome is not None and page.outcome.kind == "interrupted"  # recorded when settled
    answer = tool_message(page.messages, call_id)
    assert answer.content == INTERRUPTED_TEXT
    assert answer.status == "error" and answer.metadata.get("interrupted") is True
    assert [m.role for m in page.messages] == ["user", "assistant", "tool"]

    with pytest.raises(Conflict, match="no tool calls are waiting"):
        async for _ in chat.decide([api.approve(call_id)]):
            pass

    llm.queue(text_reply("Fresh answer."))
    reply = await chat.ask("are you there?")
    assert reply.error is None and reply.text == "Fresh answer."
    # the model was told the call may or may not have completed, answered once
    called, answered = wire_answers(llm.requests[-1])
    assert called == answered == [call_id]
    [told] = [m for m in llm.requests[-1]["messages"] if m["role"] == "tool"]
    assert told["content"] == INTERRUPTED_TEXT
    assert ledger_lines(ledger).count("start crash") == 1
    assert "end crash" not in ledger_lines(ledger)


async def test_kill_9_while_a_reply_streams(
    tmp_path: Path, data_dir: Path, llm: FakeOpenAI, engine: dict[str, Any]
) -> None:
    llm.queue(text_reply(n_tokens=4000, token_delay=0.005))  # ~20 s: still streaming when killed
    child = await start_child("stream", data_dir, llm.base_url, log=tmp_path / "child.log")
    try:
        token = await child.event("token")
    finally:
        await child.kill()
    chat_id = token["chat_id"]

    client = await api.connect(**engine)
    page = await client.workspace.history(chat_id)
    assert page.interrupted is True  # the UI offers Retry
    assert page.outcome is not None and page.outcome.kind == "interrupted"
    assert [(m.role, m.content) for m in page.messages] == [("user", "tell me a very long story")]
    assert page.pending == []

    chat = await client.chat(chat_id)
    llm.queue(text_reply("Short this time."))
    reply = await chat.ask("a short one, please")
    assert reply.error is None and reply.text == "Short this time."
    user_texts = [m["content"] for m in llm.requests[-1]["messages"] if m["role"] == "user"]
    assert user_texts == ["tell me a very long story", "a short one, please"]
    page = await client.workspace.history(chat_id)
    assert page.interrupted is False
    assert [m.role for m in page.messages] == ["user", "user", "assistant"]


# -- Stop -------------------------------------------------------------------------------------


async def test_stop_while_a_tool_runs_cancels_it_on_the_server(
    llm: FakeOpenAI, ledger: Path, engine: dict[str, Any]
) -> None:
    client = await api.connect(**engine)
    status = await client.add_server(**ledger_spec(ledger))
    assert status.state == "ready", status.error
    chat = await client.new_chat(servers=["ledger"])
    llm.queue(tool_call_reply([("ledger_slow", {"seconds": 60, "label": "stopped"})]))
    frames = [f async for f in chat.send("sleep")]
    assert isinstance(frames[-1], p.ApprovalRequiredFrame)
    [call] = await chat.pending()

    async def resume() -> list[Any]:
        return [f async for f in chat.approve_all()]

    running = asyncio.create_task(resume())
    await await_line(ledger, "start stopped")
    assert await chat.stop() is True
    resumed = await asyncio.wait_for(running, 15)
    assert isinstance(resumed[-1], p.StoppedFrame)
    assert not any(isinstance(f, p.ToolResultFrame) for f in resumed)

    lines = await await_line(ledger, "cancelled stopped")  # notifications/cancelled reached the tool
    assert "end stopped" not in lines
    page = await client.workspace.history(chat.id)
    answer = tool_message(page.messages, call.id)
    assert answer.content == CANCELLED_TEXT
    assert answer.status == "error" and answer.metadata.get("cancelled") is True
    assert answer.metadata.get("stopped") is True  # its card reads "stopped", also after a reload
    assert page.outcome is not None and page.outcome.kind == "stopped"
    assert await chat.pending() == []
    assert len(llm.requests) == 1  # the model was not called again after the Stop

    llm.queue(text_reply("Stopped, as you asked."))
    reply = await chat.ask("ok")
    assert reply.error is None and reply.text == "Stopped, as you asked."
    called, answered = wire_answers(llm.requests[-1])
    assert called == answered == [call.id]
    await api.shutdown()
    lines = ledger_lines(ledger)
    assert lines.count("start stopped") == 1 and "end stopped" not in lines


# -- duplicate ids and edits --------------------------------------------------------------------


async def _ledger_chat(engine: dict[str, Any], ledger: Path) -> tuple[api.Client, api.Chat]:
    client = await api.connect(**engine)
    status = await client.add_server(**ledger_spec(ledger))
    assert status.state == "ready", status.error
    return client, await client.new_chat(servers=["ledger"])


async def test_two_calls_with_one_id_are_decided_and_answered_separately(
    llm: FakeOpenAI, ledger: Path, engine: dict[str, Any]
) -> None:
    _, chat = await _ledger_chat(engine, ledger)
    llm.queue(
        fixed_id_reply(
            [
                ("call_same", "ledger_record", {"label": "first"}),
                ("call_same", "ledger_record", {"label": "second"}),
            ]
        ),
        text_reply("One recorded, one refused."),
    )
    frames = [f async for f in chat.send("record twice")]
    assert isinstance(frames[-1], p.ApprovalRequiredFrame)
    pending = await chat.pending()
    assert [c.args for c in pending] == [{"label": "first"}, {"label": "second"}]
    ids = [c.id for c in pending]
    assert len(set(ids)) == 2, ids

    first, second = pending
    frames = [f async for f in chat.decide([api.approve(first.id), api.reject(second.id, "not this one")])]
    assert isinstance(frames[-1], p.DoneFrame)
    assert ledger_lines(ledger) == ["record first"]

    called, answered = wire_answers(llm.requests[-1])
    assert sorted(called) == sorted(answered) == sorted(ids)
    tools = {m["tool_call_id"]: m["content"] for m in llm.requests[-1]["messages"] if m["role"] == "tool"}
    assert "recorded first" in str(tools[first.id])
    assert "not this one" in str(tools[second.id])

    history = await chat.history()
    assert tool_message(history, first.id).status == "success"
    rejected = tool_message(history, second.id)
    assert rejected.status == "error" and rejected.metadata.get("rejected") is True


async def test_edits_are_checked_against_the_schema_and_run_as_edited(
    llm: FakeOpenAI, ledger: Path, engine: dict[str, Any]
) -> None:
    client, chat = await _ledger_chat(engine, ledger)
    llm.queue(tool_call_reply([("ledger_record", {"label": "model's"})]), text_reply("Recorded."))
    frames = [f async for f in chat.send("record something")]
    assert isinstance(frames[-1], p.ApprovalRequiredFrame)
    [call] = await chat.pending()

    bad = [
        ({"label": 5}, r"label.*not of type 'string'"),
        ({"label": "x", "bogus": 1}, r"unknown argument\(s\): bogus"),
        ({}, r"'label' is a required property"),
    ]
    for args, problem in bad:
        with pytest.raises(BadRequest, match=problem):
            async for _ in chat.decide([api.approve(call.id, args)]):
                pass
        [still] = await chat.pending()  # the card stays, unchanged
        assert (still.id, still.args) == (call.id, {"label": "model's"})
    assert ledger_lines(ledger) == []
    assert len(llm.requests) == 1

    frames = [f async for f in chat.decide([api.approve(call.id, {"label": "user's"})])]
    assert isinstance(frames[-1], p.DoneFrame)
    assert ledger_lines(ledger) == ["record user's"]

    [assistant] = [m for m in llm.requests[-1]["messages"] if m["role"] == "assistant"]
    [wire_call] = assistant["tool_calls"]
    assert wire_call["id"] == call.id
    assert json.loads(wire_call["function"]["arguments"]) == {"label": "user's"}

    history = await chat.history()
    [asked] = [c for m in history if m.role == "assistant" for c in m.tool_calls]
    assert asked.args == {"label": "user's"} and asked.original_args == {"label": "model's"}
    assert tool_message(history, call.id).metadata.get("edited") is True

    store = (await api.get_engine()).parts.store
    [audit] = await store.list_decisions(client.user, chat.id)  # refused edits are not audited
    assert (audit["call_id"], audit["action"]) == (call.id, "edit")
    assert audit["args"] == {"label": "model's"} and audit["edited_args"] == {"label": "user's"}
    assert (audit["server"], audit["server_tool"]) == ("ledger", "record")
