"""Driving a chat that uses the ``jupyter`` tools through the real websocket with a scripted model."""

from __future__ import annotations

from typing import Any

from tests.fakes.openai_server import FakeOpenAI, text_reply, tool_call_reply
from tests.server.wsclient import ChatSocket


async def open_chat(sock: ChatSocket) -> str:
    welcome = await sock.recv()
    assert welcome["type"] == "welcome", welcome
    chat: dict[str, Any] = await sock.call("chats.create", servers=["jupyter"])
    return str(chat["id"])


async def pending_call(
    sock: ChatSocket, llm: FakeOpenAI, chat_id: str, tool: str, args: dict[str, Any]
) -> dict[str, Any]:
    """The model calls ``jupyter_<tool>(args)``: the approval card's call."""
    llm.queue(tool_call_reply([(f"jupyter_{tool}", args)]), text_reply("Done."))
    await sock.send({"type": "send", "chat_id": chat_id, "text": f"please {tool}"})
    frames = await sock.until("approval_required", "error", "done", chat_id=chat_id)
    assert frames[-1]["type"] == "approval_required", frames[-1]
    [call] = frames[-1]["calls"]
    assert (call["server"], call["tool"]) == ("jupyter", tool)
    return dict(call)


async def decide(sock: ChatSocket, chat_id: str, call: dict[str, Any], action: str) -> dict[str, Any]:
    """Approve or reject the call; the tool result message."""
    decision: dict[str, Any] = {"call_id": call["id"], "action": action}
    if action == "reject":
        decision["reason"] = "not this one"
    await sock.send({"type": "decide", "chat_id": chat_id, "decisions": [decision]})
    frames = await sock.until("done", "error", chat_id=chat_id)
    assert frames[-1]["type"] == "done", frames[-1]
    result = next(f for f in frames if f["type"] == "tool_result")
    return dict(result["message"])
