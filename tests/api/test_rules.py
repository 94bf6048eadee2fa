"""Approval rules: the user's (from a card or a settings view) and the administrator's, which win.

The demo model and the bundled demo MCP server (offline); what ran is told by the tool results.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mcpchat_ext import api
from mcpchat_ext import protocol as p
from mcpchat_ext.errors import BadRequest, Conflict, NotFound

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(120)]


async def _turn(chat: api.Chat, text: str) -> list[Any]:
    return [f async for f in chat.send(text)]


def _kinds(frames: list[Any]) -> list[str]:
    return [f.type for f in frames]


async def _audit(chat: api.Chat) -> list[dict[str, Any]]:
    engine = await api.get_engine()
    return await engine.parts.store.list_decisions(chat._workspace.user, chat.id)


async def test_allow_for_this_chat_from_the_card_then_revoke(client: api.Client) -> None:
    chat = await client.new_chat("rules", servers=["demo"])
    frames = await _turn(chat, "add 2 and 3")
    [call] = frames[-1].calls
    decision = p.Decision(call_id=call.id, action="approve", remember="chat")
    frames = [f async for f in chat.decide([decision])]
    # the call being decided is the user's decision, not the new rule's
    assert not [f for f in frames if isinstance(f, p.ApprovalDecidedFrame) and f.auto]
    assert float(next(f for f in frames if isinstance(f, p.ToolResultFrame)).message.content) == 5
    [rule] = await client.workspace.rules.list()
    assert (rule.server, rule.tool, rule.action, rule.chat_id) == ("demo", "add", "allow", chat.id)

    # the next call of that tool in this chat runs without a card, and says which rule allowed it
    frames = await _turn(chat, "add 4 and 5")
    assert "approval_required" not in _kinds(frames)
    [auto] = [f for f in frames if isinstance(f, p.ApprovalDecidedFrame)]
    assert auto.auto and auto.decisions[0].rule == "your rule: always allow demo:add in this chat"
    [result] = [f.message for f in frames if isinstance(f, p.ToolResultFrame)]
    assert float(result.content) == 9 and result.metadata["rule"] == auto.decisions[0].rule
    assert [(r["action"], r["auto"], r["rule"]) for r in await _audit(chat)][-1] == (
        "approve",
        True,
        "your rule: always allow demo:add in this chat",
    )

    # another chat still asks; another tool still asks
    other = await client.new_chat("other", servers=["demo"])
    assert _kinds(await _turn(other, "add 1 and 1"))[-1] == "approval_required"
    assert _kinds(await _turn(chat, "multiply 2 and 3"))[-1] == "approval_required"
    async for _ in chat.reject_all("not now"):
        pass

    # revoked: it asks again
    await client.workspace.rules.remove(rule.id)
    assert await client.workspace.rules.list() == []
    assert _kinds(await _turn(chat, "add 6 and 7"))[-1] == "approval_required"


async def test_block_from_the_card_tells_the_model_and_runs_nothing(client: api.Client) -> None:
    chat = await client.new_chat("block", servers=["demo"])
    [call] = (await _turn(chat, "add 2 and 3"))[-1].calls
    block = p.Decision(call_id=call.id, action="reject", reason="not on my data", remember="always")
    frames = [f async for f in chat.decide([block])]
    [refused] = [f.message for f in frames if isinstance(f, p.ToolResultFrame)]
    assert refused.content == "User rejected this tool call: not on my data"  # the user's reason
    [rule] = await client.workspace.rules.list()
    assert (rule.action, rule.chat_id) == ("deny", None)
    frames = await _turn(chat, "add 8 and 9")
    assert "approval_required" not in _kinds(frames) and "tool_started" not in _kinds(frames)
    [result] = [f.message for f in frames if isinstance(f, p.ToolResultFrame)]
    assert result.status == "error" and result.metadata.get("denied")
    assert "blocked (your rule: block demo:add)" in result.content
    assert "17" not in (frames[-1].message.content or "")


async def test_always_ask_beats_a_server_wide_allow(client: api.Client) -> None:
    chat = await client.new_chat("ask", servers=["demo"])
    await client.workspace.rules.add(p.NewRule(server="demo", action="allow"))
    await client.workspace.rules.add(p.NewRule(server="demo", tool="multiply", action="ask"))
    assert "approval_required" not in _kinds(await _turn(chat, "add 1 and 2"))
    assert _kinds(await _turn(chat, "multiply 3 and 4"))[-1] == "approval_required"


async def test_bad_rules_are_refused(client: api.Client) -> None:
    rules = client.workspace.rules
    with pytest.raises(NotFound):
        await rules.add(p.NewRule(server="demo", action="allow", chat_id="not-my-chat"))
    with pytest.raises(NotFound):
        await rules.remove("12345")
    with pytest.raises(Conflict, match="administrator"):
        await rules.remove("admin-0")


async def test_administrator_rules_override_the_users(tmp_path: Path) -> None:
    admin = [
        {"server": "demo", "tool": "add", "action": "deny"},
        {"server": "demo", "tool": "mult*", "action": "ask"},
        {"server": "de?o", "tool": "word_count", "action": "allow"},
    ]
    try:
        client = await api.connect(data_dir=tmp_path / "d", approval_rules=admin, tool_timeout=10.0)
        rules = client.workspace.rules
        await rules.add(p.NewRule(server="demo", action="allow"))  # the user's: allow all of demo
        listed = await rules.list()
        assert [r.source for r in listed] == ["admin", "admin", "admin", "user"]
        chat = await client.new_chat("admin", servers=["demo"])

        frames = await _turn(chat, "add 2 and 3")  # admin deny wins over the user's allow
        [result] = [f.message for f in frames if isinstance(f, p.ToolResultFrame)]
        assert result.metadata.get("denied") and "administrator rule: deny demo:add" in result.content
        assert _kinds(await _turn(chat, "multiply 2 and 3"))[-1] == "approval_required"  # admin ask
        async for _ in chat.reject_all():
            pass
        frames = await _turn(chat, "word count of hello world")  # admin allow
        [auto] = [f for f in frames if isinstance(f, p.ApprovalDecidedFrame)]
        assert auto.decisions[0].rule == "administrator rule: allow de?o:word_count"
    finally:
        await api.shutdown()


async def test_a_rule_for_a_call_without_a_tool_is_refused(client: api.Client) -> None:
    call = p.PendingCall(id="x", name="ghost")
    with pytest.raises(BadRequest, match="no known tool"):
        await client.workspace.rules.remember(
            "chat", call, p.Decision(call_id="x", action="approve", remember="chat")
        )
