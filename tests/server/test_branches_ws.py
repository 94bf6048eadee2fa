"""Branch RPCs over the chat websocket (demo model, real jupyter-server): retry, edit, switch."""

from __future__ import annotations

from typing import Any

import pytest

from .test_websocket import open_socket
from .wsclient import CallError


async def test_retry_edit_and_switch_over_websocket(jp_ws_fetch: Any) -> None:
    sock = await open_socket(jp_ws_fetch)
    chat = await sock.call("chats.create", servers=[])
    cid = chat["id"]
    await sock.send({"type": "send", "chat_id": cid, "text": "hello"})
    await sock.until("done", "error", chat_id=cid)
    [user, _] = (await sock.call("chats.history", chat_id=cid))["messages"]

    assert await sock.call("chats.retry", chat_id=cid) == {"started": cid}
    frames = await sock.until("done", "error", chat_id=cid)
    started = next(f for f in frames if f["type"] == "turn_started")
    assert started["replaces"] == user["id"] and started["user_message"]["content"] == "hello"
    branches = await sock.call("chats.branches", chat_id=cid)
    assert [(b["index"], b["count"]) for b in branches["points"]] == [(1, 2)]

    assert await sock.call(
        "chats.edit_message", chat_id=cid, message_id=started["user_message"]["id"], text="HI"
    )
    await sock.until("done", "error", chat_id=cid)
    history = await sock.call("chats.history", chat_id=cid)
    assert history["messages"][0]["content"] == "HI"
    [point] = (await sock.call("chats.branches", chat_id=cid))["points"]
    assert (point["index"], point["count"]) == (2, 3)

    other = await open_socket(jp_ws_fetch)  # the user's other tab (or notebook widget) on the chat
    switched = await sock.call("chats.switch_branch", chat_id=cid, message_id=point["message_id"], index=0)
    assert [(b["index"], b["count"]) for b in switched["points"]] == [(0, 3)]
    history = await sock.call("chats.history", chat_id=cid)
    assert history["messages"][0]["content"] == "hello"
    # the other tab is told, with the shown branch's points, and finds that version in the history
    [pushed] = [f for f in await other.until("branch_switched") if f["type"] == "branch_switched"]
    assert pushed == {"type": "branch_switched", "chat_id": cid, "points": switched["points"]}
    assert (await other.call("chats.history", chat_id=cid))["messages"][0]["content"] == "hello"
    # showing the version already shown changes nothing and tells nobody
    again = await sock.call("chats.switch_branch", chat_id=cid, message_id=user["id"], index=0)
    assert again == switched
    await other.call("chats.list")  # (anything pushed before this answer arrived before it)
    assert sum(f["type"] == "branch_switched" for f in other.seen) == 1

    with pytest.raises(CallError) as info:  # a bad index names what exists
        await sock.call("chats.switch_branch", chat_id=cid, message_id=user["id"], index=7)
    assert info.value.code == "bad_request" and "3 version" in str(info.value)
    with pytest.raises(CallError) as info:
        await sock.call("chats.edit_message", chat_id=cid, message_id=user["id"], text="")
    assert info.value.code == "bad_request"
    with pytest.raises(CallError) as info:
        await sock.call("chats.retry", chat_id="no-such-chat")
    assert info.value.code == "not_found"
