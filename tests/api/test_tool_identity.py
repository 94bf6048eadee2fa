"""Tool identity under attack: colliding and odd tool names, in every connect order.

Server ``a`` with tool ``b_c`` and server ``a_b`` with tool ``c`` were both offered to the model
as ``a_b_c``: the card named one tool and another ran, and ``auto_approve=["a"]`` ran the other
server's tool without asking. Here the real ChatOpenAI talks to the local fake endpoint, the
tools are real stdio MCP servers that write what ran to a ledger, and the card, the ledger and
the audit must agree.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from mcpchat_ext import api
from mcpchat_ext import protocol as p
from tests.fakes.openai_server import FakeOpenAI, text_reply, tool_call_reply

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(120)]

SERVER = Path(__file__).resolve().parents[1] / "fakes" / "named_tools_server.py"
VALID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
ODD = ["x y", "<b>hi</b>", "../../etc/passwd", "ünïcödé", "t" * 70, "trigger-long-running-operation"]


def _server(name: str, ledger: Path, *tools: str) -> dict[str, Any]:
    args = [str(SERVER), "--server", name, "--ledger", str(ledger), *tools]
    return {"name": name, "transport": "stdio", "command": sys.executable, "args": args}


@pytest_asyncio.fixture
async def client(tmp_path: Path, llm: FakeOpenAI) -> Any:
    try:
        yield await api.connect(
            data_dir=tmp_path / "data",
            openai_api_key="test-key",
            openai_base_url=llm.base_url,
            model_name="fake-model",
            include_demo_server=False,
            auto_approve=["a"],
            tool_timeout=20.0,
            connect_timeout=30.0,
        )
    finally:
        await api.shutdown()


async def _offered(chat: api.Chat, llm: FakeOpenAI) -> dict[str, str]:
    """The tools the model is offered: name -> description."""
    llm.queue(text_reply("hello"))
    async for _ in chat.send("which tools?"):
        pass
    tools = llm.requests[-1]["tools"]
    return {t["function"]["name"]: t["function"]["description"] for t in tools}


def _name_of(offered: dict[str, str], server: str, tool: str) -> str:
    [name] = [n for n, d in offered.items() if d == f"Tool {tool!r} of server {server!r}."]
    return name


async def _audit(chat: api.Chat) -> list[dict[str, Any]]:
    engine = await api.get_engine()
    return await engine.parts.store.list_decisions(chat._workspace.user, chat.id)


@pytest.mark.parametrize("order", [("a", "a_b"), ("a_b", "a")])
async def test_colliding_names_card_run_and_audit_agree(
    client: api.Client, llm: FakeOpenAI, tmp_path: Path, order: tuple[str, str]
) -> None:
    ledger = tmp_path / "ledger.txt"
    ledger.touch()
    specs = {"a": _server("a", ledger, "b_c"), "a_b": _server("a_b", ledger, "c")}
    for name in order:
        assert (await client.add_server(**specs[name])).state == "ready"
    chat = await client.new_chat("collide", servers=list(order))
    offered = await _offered(chat, llm)
    assert len(offered) == 2 and all(VALID.match(n) for n in offered), offered
    ab_c, a_bc = _name_of(offered, "a_b", "c"), _name_of(offered, "a", "b_c")
    assert ab_c != a_bc

    # a_b:c is not covered by auto_approve=["a"]: it waits on a card naming the true tool
    llm.queue(tool_call_reply([(ab_c, {"note": "one"})]), text_reply("done one"))
    frames = [f async for f in chat.send("run the a_b tool")]
    assert isinstance(frames[-1], p.ApprovalRequiredFrame)
    [card] = frames[-1].calls
    assert (card.server, card.tool, card.name) == ("a_b", "c", ab_c)
    assert ledger.read_text() == ""  # nothing ran before approval
    async for _ in chat.approve_all():
        pass
    assert ledger.read_text().splitlines() == ["a_b:c:one"]

    # a:b_c is: it runs at once, announced as decided by that rule
    llm.queue(tool_call_reply([(a_bc, {"note": "two"})]), text_reply("done two"))
    frames = [f async for f in chat.send("run the a tool")]
    [auto] = [f for f in frames if isinstance(f, p.ApprovalDecidedFrame)]
    assert auto.auto and (auto.calls[0].server, auto.calls[0].tool) == ("a", "b_c")
    assert auto.decisions[0].rule == "administrator rule: allow a:*"
    assert isinstance(frames[-1], p.DoneFrame)
    assert ledger.read_text().splitlines() == ["a_b:c:one", "a:b_c:two"]

    audit = await _audit(chat)
    assert [(r["server"], r["server_tool"], r["auto"]) for r in audit] == [
        ("a_b", "c", False),
        ("a", "b_c", True),
    ]
    history = await chat.history()
    calls = [c for m in history for c in m.tool_calls]
    assert [(c.server, c.tool) for c in calls] == [("a_b", "c"), ("a", "b_c")]


async def test_odd_names_are_valid_unique_and_run_the_right_tool(
    client: api.Client, llm: FakeOpenAI, tmp_path: Path
) -> None:
    ledger = tmp_path / "ledger.txt"
    ledger.touch()
    status = await client.add_server(**_server("odd", ledger, *ODD))
    assert status.state == "ready"
    chat = await client.new_chat("odd", servers=["odd"])
    offered = await _offered(chat, llm)
    assert len(offered) == len(ODD)
    for name in offered:
        assert VALID.match(name), name
    for tool in ODD:
        name = _name_of(offered, "odd", tool)
        llm.queue(tool_call_reply([(name, {"note": "n"})]), text_reply("ok"))
        frames = [f async for f in chat.send(f"run {name}")]
        [card] = frames[-1].calls
        assert (card.server, card.tool) == ("odd", tool)
        async for _ in chat.approve_all():
            pass
        assert ledger.read_text().splitlines()[-1] == f"odd:{tool}:n"


async def test_a_call_to_an_unknown_tool_gets_no_card_and_runs_nothing(
    client: api.Client, llm: FakeOpenAI, tmp_path: Path
) -> None:
    ledger = tmp_path / "ledger.txt"
    ledger.touch()
    await client.add_server(**_server("a_b", ledger, "c"))
    chat = await client.new_chat("unknown", servers=["a_b"])
    llm.queue(tool_call_reply([("a_b_d", {"note": "x"}), ("rm_rf", {})]), text_reply("sorry"))
    frames = [f async for f in chat.send("do something")]
    assert not [f for f in frames if isinstance(f, p.ApprovalRequiredFrame | p.ToolStartedFrame)]
    results = [f.message for f in frames if isinstance(f, p.ToolResultFrame)]
    assert [r.status for r in results] == ["error", "error"]
    assert all("there is no tool named" in r.content and r.metadata.get("unknown") for r in results)
    assert "a_b_c" in results[0].content  # the model is told what exists
    assert isinstance(frames[-1], p.DoneFrame) and ledger.read_text() == ""
    # the model's next request answers both calls, each once
    answered = [m["tool_call_id"] for m in llm.requests[-1]["messages"] if m["role"] == "tool"]
    assert len(answered) == 2 == len(set(answered))
