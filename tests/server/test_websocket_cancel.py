"""``cancel_call`` over the websocket: a call that is not running is a conflict that leaves the
chat alone (the error names no chat, so no client marks its turn ended); an unknown chat is
not found. (Cancelling a running call is tested end to end in tests/api/test_progress.py.)"""

from __future__ import annotations

from typing import Any

from .test_websocket import open_socket


async def test_cancel_call_of_nothing_running(jp_ws_fetch: Any) -> None:
    sock = await open_socket(jp_ws_fetch)
    chat = await sock.call("chats.create", servers=[])
    await sock.send({"type": "cancel_call", "chat_id": chat["id"], "call_id": "call_x"})
    [error] = (await sock.until("error"))[-1:]
    assert error["code"] == "conflict" and error["chat_id"] is None
    assert "call_x is not running" in error["message"]
    await sock.send({"type": "cancel_call", "chat_id": "no-such-chat", "call_id": "call_x"})
    [error] = (await sock.until("error"))[-1:]
    assert error["code"] == "not_found"
    await sock.send({"type": "cancel_call", "chat_id": chat["id"], "call_id": ""})
    [error] = (await sock.until("error"))[-1:]
    assert error["code"] == "bad_frame"
