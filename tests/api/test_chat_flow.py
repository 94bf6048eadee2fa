"""The notebook Python API end to end: offline demo model, bundled demo MCP server over stdio."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from mcpchat_ext import api
from mcpchat_ext import protocol as p
from mcpchat_ext.config import local_user
from mcpchat_ext.errors import BadRequest, Conflict, NotFound

pytestmark = pytest.mark.timeout(120)


def types(frames: list[BaseModel]) -> list[str]:
    return [f.type for f in frames]  # type: ignore[attr-defined]


async def collect(stream: Any) -> list[BaseModel]:
    return [frame async for frame in stream]


@pytest.mark.asyncio
async def test_connect_lists_the_demo_server(client: api.Client) -> None:
    assert client.user == local_user()
    assert client.model.demo is True
    servers = {s.name: s for s in await client.servers()}
    assert servers["demo"].source == "catalog"
    status = await client.connect_server("demo")
    assert status.state == "ready"
    assert "demo_add" in {t.name for t in status.tools}


@pytest.mark.asyncio
async def test_send_pauses_for_approval_then_approve_all_runs_the_tool(client: api.Client) -> None:
    chat = await client.new_chat(servers=["demo"])
    assert chat.info.servers == ["demo"]

    frames = await collect(chat.send("add 2 and 3"))
    assert types(frames)[0] == "turn_started"
    assert types(frames)[-1] == "approval_required"
    required = frames[-1]
    assert isinstance(required, p.ApprovalRequiredFrame)
    [call] = required.calls
    assert (call.name, call.server, call.tool, call.args) == ("demo_add", "demo", "add", {"a": 2, "b": 3})

    # nothing ran yet: the pending call is still there and no tool message exists
    assert [c.id for c in await chat.pending()] == [call.id]
    assert all(m.role != "tool" for m in await chat.history())

    frames = await collect(chat.approve_all())
    kinds = types(frames)
    assert kinds[0] == "approval_decided" and kinds[-1] == "done"
    assert kinds.index("tool_started") < kinds.index("tool_result") < kinds.index("done")
    [result] = [f for f in frames if isinstance(f, p.ToolResultFrame)]
    assert result.message.status == "success"
    assert float(result.message.content) == 5
    done = frames[-1]
    assert isinstance(done, p.DoneFrame) and done.message is not None
    assert "5" in done.message.content

    assert await chat.pending() == []
    roles = [m.role for m in await chat.history()]
    assert roles == ["user", "assistant", "tool", "assistant"]


@pytest.mark.asyncio
async def test_reject_all_never_runs_the_tool(client: api.Client) -> None:
    chat = await client.new_chat(servers=["demo"])
    await collect(chat.send("add 2 and 3"))
    frames = await collect(chat.reject_all("not today"))
    assert types(frames)[-1] == "done"
    assert "tool_started" not in types(frames)
    tool_messages = [m for m in await chat.history() if m.role == "tool"]
    assert len(tool_messages) == 1
    assert tool_messages[0].status == "error"
    assert "not today" in tool_messages[0].content
    assert await chat.pending() == []


@pytest.mark.asyncio
async def test_ask_with_a_policy_function(client: api.Client) -> None:
    chat = await client.new_chat(servers=["demo"])
    seen: list[p.PendingCall] = []

    def small_numbers_only(call: p.PendingCall) -> p.Decision:
        seen.append(call)
        if all(abs(v) < 1000 for v in call.args.values()):
            return api.approve(call.id)
        return api.reject(call.id, "numbers too large")

    reply = await chat.ask("add 7 and 8", approve=small_numbers_only)
    assert reply.error is None
    assert [float(m.content) for m in reply.tool_results] == [15]
    assert "15" in reply.text

    reply = await chat.ask("add 5000 and 1", approve=small_numbers_only)
    [rejected] = reply.tool_results
    assert rejected.status == "error" and rejected.metadata.get("rejected") is True
    assert "numbers too large" in rejected.content
    assert "tool_started" not in types(reply.frames)  # the tool never ran
    history = await chat.history()
    assert history[-2].role == "tool" and history[-2].status == "error"
    assert [c.args for c in seen] == [{"a": 7, "b": 8}, {"a": 5000, "b": 1}]


@pytest.mark.asyncio
async def test_ask_with_bool_and_async_approvers(client: api.Client) -> None:
    chat = await client.new_chat(servers=["demo"])

    async def yes(call: p.PendingCall) -> bool:
        return call.tool == "multiply"

    reply = await chat.ask("multiply 6 and 7", approve=yes)
    assert [float(m.content) for m in reply.tool_results] == [42]

    reply = await chat.ask("add 1 and 1", approve=False)
    assert [m.status for m in reply.tool_results] == ["error"]
    assert "tool_started" not in types(reply.frames)

    reply = await chat.ask("add 1 and 2", approve=True)
    assert [float(m.content) for m in reply.tool_results] == [3]


@pytest.mark.asyncio
async def test_rename_list_and_delete(client: api.Client) -> None:
    chat = await client.new_chat("first", servers=[])
    other = await client.new_chat(servers=["demo"])
    await chat.rename("renamed")
    assert chat.info.title == "renamed"
    assert (await client.chat(chat.id)).info.title == "renamed"
    assert {c.id for c in await client.chats()} == {chat.id, other.id}

    await chat.set_servers(["demo"])
    assert (await client.chat(chat.id)).info.servers == ["demo"]

    await chat.delete()
    assert [c.id for c in await client.chats()] == [other.id]
    with pytest.raises(NotFound):
        await client.chat(chat.id)
    with pytest.raises(NotFound):
        await chat.history()


@pytest.mark.asyncio
async def test_first_message_titles_a_new_chat(client: api.Client) -> None:
    chat = await client.new_chat(servers=[])
    reply = await chat.ask("hello there, demo model")
    assert reply.error is None and reply.text
    assert (await client.chat(chat.id)).info.title == "hello there, demo model"


@pytest.mark.asyncio
async def test_bad_input_is_a_clear_error_and_loses_nothing(client: api.Client) -> None:
    with pytest.raises(BadRequest, match="nope"):
        await client.new_chat(servers=["nope"])
    with pytest.raises(NotFound):
        await client.chat("no-such-chat")

    chat = await client.new_chat(servers=["demo"])
    with pytest.raises(Conflict):  # nothing pending
        await collect(chat.decide([api.approve("call-x")]))

    await collect(chat.send("add 2 and 3"))
    [call] = await chat.pending()
    with pytest.raises(Conflict, match="approval"):
        await collect(chat.send("another message"))
    with pytest.raises(BadRequest, match="unknown tool call"):
        await collect(chat.decide([api.approve("call-x")]))
    with pytest.raises(BadRequest, match="args"):
        await collect(chat.decide([p.Decision(call_id=call.id, action="edit")]))

    # the pending call survived every bad request
    assert [c.id for c in await chat.pending()] == [call.id]
    frames = await collect(chat.decide([api.approve(call.id, {"a": 10, "b": 5})]))
    [result] = [f for f in frames if isinstance(f, p.ToolResultFrame)]
    assert float(result.message.content) == 15


@pytest.mark.asyncio
async def test_unknown_config_field_is_rejected(data_dir: Path) -> None:
    with pytest.raises(TypeError, match="bogus"):
        await api.connect(data_dir=data_dir, bogus=1)


@pytest.mark.asyncio
async def test_auto_approve_policy(engine_config: dict[str, Any]) -> None:
    try:
        client = await api.connect(**engine_config, auto_approve=["demo:add"])
        chat = await client.new_chat(servers=["demo"])
        reply = await chat.ask("add 2 and 3", approve=False)  # never asked: the policy approves
        decided = [f for f in reply.frames if isinstance(f, p.ApprovalDecidedFrame)]
        assert [d.auto for d in decided] == [True]
        assert [float(m.content) for m in reply.tool_results] == [5]
        assert not any(isinstance(f, p.ApprovalRequiredFrame) for f in reply.frames)

        reply = await chat.ask("multiply 2 and 3", approve=False)  # not in the policy: asked, rejected
        assert any(isinstance(f, p.ApprovalRequiredFrame) for f in reply.frames)
        assert [m.status for m in reply.tool_results] == ["error"]
    finally:
        await api.shutdown()
