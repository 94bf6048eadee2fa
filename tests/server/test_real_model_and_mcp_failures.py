"""The real ChatOpenAI (streaming, tool calls) behind the websocket, and MCP servers that crash or hang."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes.openai_server import FakeOpenAI, text_reply, tool_call_reply

from .conftest import stdio_fake_spec
from .wsclient import ChatSocket


async def open_socket(jp_ws_fetch: Any) -> ChatSocket:
    sock = ChatSocket(await jp_ws_fetch("mcpchat", "ws"))
    welcome = await sock.recv()
    assert welcome["type"] == "welcome" and welcome["model"]["demo"] is False
    return sock


@pytest.fixture
def llm() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def mcpchat_config(mcpchat_config: dict[str, Any], llm: FakeOpenAI) -> dict[str, Any]:
    return {
        **mcpchat_config,
        "openai_api_key": "sk-test",
        "openai_base_url": llm.base_url,
        "model_name": "fake-gpt",
        "tool_timeout": 2.0,
    }


async def fake_chat(sock: ChatSocket) -> dict[str, Any]:
    status = await sock.call("servers.add", **stdio_fake_spec())
    assert status["state"] == "ready", status
    chat: dict[str, Any] = await sock.call("chats.create", servers=["fake"])
    return chat


async def approve_all(sock: ChatSocket, chat_id: str, frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    calls = frames[-1]["calls"]
    decisions = [{"call_id": c["id"], "action": "approve"} for c in calls]
    await sock.send({"type": "decide", "chat_id": chat_id, "decisions": decisions})
    return await sock.until("done", "error", chat_id=chat_id)


async def test_streamed_tokens_and_tool_call_through_chatopenai(jp_ws_fetch: Any, llm: FakeOpenAI) -> None:
    sock = await open_socket(jp_ws_fetch)
    chat = await fake_chat(sock)
    llm.queue(
        tool_call_reply([("fake_add", {"a": 20, "b": 22})], text="Let me add."),
        text_reply("The sum is 42, computed by the tool."),
    )
    await sock.send({"type": "send", "chat_id": chat["id"], "text": "what is 20 + 22?"})
    frames = await sock.until("approval_required", "error", chat_id=chat["id"])
    assert frames[-1]["type"] == "approval_required", frames[-1]
    [call] = frames[-1]["calls"]
    assert (call["server"], call["tool"], call["args"]) == ("fake", "add", {"a": 20, "b": 22})
    assert call["input_schema"]["properties"].keys() >= {"a", "b"}
    # the model saw the MCP tool, prefixed by its server
    tools = [t["function"]["name"] for t in llm.requests[0]["tools"]]
    assert "fake_add" in tools and llm.requests[0]["stream"] is True
    done = await approve_all(sock, chat["id"], frames)
    result = next(f for f in done if f["type"] == "tool_result")
    assert "42" in result["message"]["content"]
    tokens = "".join(f["text"] for f in done if f["type"] == "token")
    assert done[-1]["type"] == "done" and tokens == "The sum is 42, computed by the tool."
    assert done[-1]["message"]["content"] == tokens
    # the tool result went back to the model
    assert any(
        m.get("role") == "tool" and "42" in str(m.get("content")) for m in llm.requests[-1]["messages"]
    )


async def test_crashing_mcp_server_reports_and_reconnects(jp_ws_fetch: Any, llm: FakeOpenAI) -> None:
    sock = await open_socket(jp_ws_fetch)
    chat = await fake_chat(sock)
    llm.queue(tool_call_reply([("fake_crash", {})]), text_reply("The server crashed, sorry."))
    await sock.send({"type": "send", "chat_id": chat["id"], "text": "crash it"})
    frames = await sock.until("approval_required", "error", chat_id=chat["id"])
    done = await approve_all(sock, chat["id"], frames)
    result = next(f for f in done if f["type"] == "tool_result")
    assert result["message"]["status"] == "error" and result["message"]["content"]
    assert done[-1]["type"] == "done"
    # next use restarts the server: a normal call works again, nothing lost in the chat
    llm.queue(tool_call_reply([("fake_echo", {"text": "back"})]), text_reply("It is back."))
    await sock.send({"type": "send", "chat_id": chat["id"], "text": "echo back"})
    frames = await sock.until("approval_required", "error", chat_id=chat["id"])
    done = await approve_all(sock, chat["id"], frames)
    result = next(f for f in done if f["type"] == "tool_result")
    assert result["message"]["status"] != "error" and "back" in result["message"]["content"]
    history = await sock.call("chats.history", chat_id=chat["id"])
    assert [m["content"] for m in history["messages"] if m["role"] == "user"] == ["crash it", "echo back"]


async def test_hanging_tool_times_out_and_chat_stays_usable(jp_ws_fetch: Any, llm: FakeOpenAI) -> None:
    sock = await open_socket(jp_ws_fetch)
    chat = await fake_chat(sock)
    llm.queue(tool_call_reply([("fake_sleep", {"seconds": 60})]), text_reply("It timed out."))
    await sock.send({"type": "send", "chat_id": chat["id"], "text": "sleep"})
    frames = await sock.until("approval_required", "error", chat_id=chat["id"])
    done = await approve_all(sock, chat["id"], frames)
    result = next(f for f in done if f["type"] == "tool_result")
    assert result["message"]["status"] == "error" and "timed out" in result["message"]["content"]
    llm.queue(text_reply("still here"))
    await sock.send({"type": "send", "chat_id": chat["id"], "text": "are you there?"})
    frames = await sock.until("done", "error", chat_id=chat["id"])
    assert frames[-1]["type"] == "done", frames[-1]
    assert frames[-1]["message"]["content"] == "still here"


async def test_bad_mcp_config_is_refused_or_reported(jp_ws_fetch: Any) -> None:
    sock = await open_socket(jp_ws_fetch)
    from .wsclient import CallError

    with pytest.raises(CallError) as info:
        await sock.call("servers.add", name="nocmd", transport="stdio")
    assert info.value.code == "bad_request"
    status = await sock.call("servers.add", name="ghost", transport="stdio", command="/no/such/binary")
    assert status["state"] == "error" and status["error"]
    names = [s["name"] for s in await sock.call("servers.list")]
    assert "ghost" in names  # kept, so the user can fix it
