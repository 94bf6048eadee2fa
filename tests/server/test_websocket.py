"""The chat websocket on a real jupyter-server: turns, approvals, stop, malformed frames, origin."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from .wsclient import CallError, ChatSocket


async def open_socket(jp_ws_fetch: Any) -> ChatSocket:
    ws = await jp_ws_fetch("mcpchat", "ws")
    s = ChatSocket(ws)
    welcome = await s.recv()
    assert welcome["type"] == "welcome" and welcome["protocol"] == 1
    assert welcome["model"]["demo"] is True
    return s


async def test_malformed_frames_get_errors_and_socket_stays_usable(jp_ws_fetch: Any) -> None:
    sock = await open_socket(jp_ws_fetch)
    bad: list[Any] = [
        "this is not json",
        "[1, 2, 3]",
        {"type": "launch_missiles"},
        {"type": "send"},  # no chat_id / text
        {"type": "send", "chat_id": "x", "text": ""},
        {"type": "call", "id": "k1", "method": "chats.explode"},
        {"type": "decide", "chat_id": "x", "decisions": []},
        {"no_type": True},
    ]
    for frame in bad:
        await sock.send(frame if isinstance(frame, str) else json.dumps(frame))
        reply = await sock.recv()
        assert reply["type"] == "error" and reply["code"] == "bad_frame", (frame, reply)
        assert reply["message"]
    err = [f for f in sock.seen if f.get("id") == "k1"]
    assert err, "the call id is echoed so the client can match the error"
    await sock.send({"type": "ping"})
    assert (await sock.recv())["type"] == "pong"
    with pytest.raises(CallError) as info:
        await sock.call("chats.history", chat_id="unknown-chat")
    assert info.value.code == "not_found"
    with pytest.raises(CallError) as info:
        await sock.call("chats.update")
    assert info.value.code == "bad_request"
    assert await sock.call("chats.list") == []


@pytest.fixture
def server_extra_config() -> dict[str, Any]:
    # the login cookie's default name contains the Host, which differs between jp_fetch (127.0.0.1)
    # and jp_ws_fetch (localhost): a fixed name lets the cookie test log in over one, use the other
    return {"IdentityProvider": {"cookie_name": "mcpchat-test-login"}}


async def test_turn_approve_over_websocket(jp_ws_fetch: Any) -> None:
    sock = await open_socket(jp_ws_fetch)
    chat = await sock.call("chats.create", servers=["demo"])
    await sock.send({"type": "send", "chat_id": chat["id"], "text": "add 2 and 3"})
    frames = await sock.until("approval_required", "error", "done", chat_id=chat["id"])
    types = [f["type"] for f in frames if not f["type"].endswith("_changed")]  # status fan-out
    assert types[0] == "turn_started" and types[-1] == "approval_required", types
    started = next(f for f in frames if f["type"] == "turn_started")
    assert started["user_message"]["content"] == "add 2 and 3" and started["user_message"]["id"]
    calls = frames[-1]["calls"]
    # a second message while approval is pending is refused, nothing lost
    await sock.send({"type": "send", "chat_id": chat["id"], "text": "hello?"})
    conflict = await sock.until("error", chat_id=chat["id"])
    assert conflict[-1]["code"] == "conflict"
    await sock.send(
        {
            "type": "decide",
            "chat_id": chat["id"],
            "decisions": [{"call_id": c["id"], "action": "approve"} for c in calls],
        }
    )
    frames = await sock.until("done", "error", chat_id=chat["id"])
    types = [f["type"] for f in frames]
    assert types[0] == "approval_decided"
    assert "tool_started" in types and "tool_result" in types and types[-1] == "done", types
    assert any(f["type"] == "token" for f in frames), "the reply is streamed"
    history = await sock.call("chats.history", chat_id=chat["id"])
    assert history["messages"][-1]["role"] == "assistant"


async def test_edit_args_runs_the_edited_call(jp_ws_fetch: Any) -> None:
    sock = await open_socket(jp_ws_fetch)
    chat = await sock.call("chats.create", servers=["demo"])
    await sock.send({"type": "send", "chat_id": chat["id"], "text": "add 2 and 3"})
    frames = await sock.until("approval_required", "error", chat_id=chat["id"])
    call = frames[-1]["calls"][0]
    args = dict(call["args"])
    numeric = [k for k, v in args.items() if isinstance(v, (int, float))]
    assert len(numeric) >= 2, args
    args[numeric[0]], args[numeric[1]] = 40, 2
    await sock.send(
        {
            "type": "decide",
            "chat_id": chat["id"],
            "decisions": [{"call_id": call["id"], "action": "edit", "args": args}],
        }
    )
    frames = await sock.until("done", "error", chat_id=chat["id"])
    result = next(f for f in frames if f["type"] == "tool_result")
    assert "42" in result["message"]["content"]


async def test_stop_cancels_the_turn_and_chat_stays_usable(jp_ws_fetch: Any) -> None:
    sock = await open_socket(jp_ws_fetch)
    chat = await sock.call("chats.create", servers=[])
    await sock.send({"type": "send", "chat_id": chat["id"], "text": "tell me a long story " * 20})
    await sock.until("turn_started", chat_id=chat["id"])
    await sock.send({"type": "stop", "chat_id": chat["id"]})
    frames = await sock.until("stopped", "done", chat_id=chat["id"])
    assert frames[-1]["type"] in ("stopped", "done")
    await sock.send({"type": "send", "chat_id": chat["id"], "text": "hello again"})
    frames = await sock.until("done", "error", chat_id=chat["id"])
    assert frames[-1]["type"] == "done", frames[-1]
    history = await sock.call("chats.history", chat_id=chat["id"])
    assert [m["content"] for m in history["messages"] if m["role"] == "user"][-1] == "hello again"


async def test_frames_fan_out_to_every_socket_of_the_user(jp_ws_fetch: Any) -> None:
    sock = await open_socket(jp_ws_fetch)
    other = ChatSocket(await jp_ws_fetch("mcpchat", "ws"))
    await other.recv()  # welcome
    chat = await sock.call("chats.create", servers=[])
    await sock.send({"type": "send", "chat_id": chat["id"], "text": "hi"})
    frames = await other.until("done", "error", chat_id=chat["id"])
    assert frames[-1]["type"] == "done"


async def test_foreign_origin_websocket_with_cookie_is_refused(
    jp_fetch: Any, jp_ws_fetch: Any, jp_http_port: int
) -> None:
    # log in with the token to get a cookie, then connect with the cookie only
    response = await jp_fetch("api", "status")
    cookies = [v.split(";")[0] for k, v in response.headers.get_all() if k.lower() == "set-cookie"]
    assert cookies
    cookie = "; ".join(cookies)
    with pytest.raises(HTTPClientError) as info:
        await jp_ws_fetch(
            "mcpchat",
            "ws",
            headers={"Cookie": cookie, "Authorization": "", "Origin": "http://evil.example.com"},
        )
    assert info.value.code == 403
    ok = await jp_ws_fetch(
        "mcpchat",
        "ws",
        headers={"Cookie": cookie, "Authorization": "", "Origin": f"http://localhost:{jp_http_port}"},
    )
    assert json.loads(await ok.read_message())["type"] == "welcome"
    ok.close()


async def test_a_send_right_after_a_server_change_uses_that_server(
    jp_ws_fetch: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The panel sends ``chats.update`` when a server is ticked and ``send`` when Enter is
    pressed, without waiting in between: the turn must see the change (before, both frames were
    handled at once and the turn could start without the ticked server's tools, CI stop 19)."""
    from mcpchat_ext.users.workspace import UserWorkspace

    update = UserWorkspace.update_chat

    async def slow_update(self: UserWorkspace, chat_id: str, body: Any) -> Any:
        await asyncio.sleep(0.3)  # a busy disk: the update lands after the send frame arrived
        return await update(self, chat_id, body)

    monkeypatch.setattr(UserWorkspace, "update_chat", slow_update)
    sock = await open_socket(jp_ws_fetch)
    for n in range(3):
        chat = await sock.call("chats.create", servers=[])
        await sock.send(
            {"type": "call", "id": f"tick{n}", "method": "chats.update", "params": {"chat_id": chat["id"], "servers": ["demo"]}}
        )
        await sock.send({"type": "send", "chat_id": chat["id"], "text": "add 2 and 3"})
        frames = await sock.until("approval_required", "error", "done", chat_id=chat["id"])
        assert frames[-1]["type"] == "approval_required", (n, [f["type"] for f in frames])
        reject = [{"call_id": c["id"], "action": "reject"} for c in frames[-1]["calls"]]
        await sock.send({"type": "decide", "chat_id": chat["id"], "decisions": reject})
        await sock.until("done", "error", chat_id=chat["id"])


def test_frames_of_a_burst_are_read_without_waiting_on_each_other() -> None:
    """``on_message`` is a plain method: tornado awaits a coroutine ``on_message`` before it reads
    the connection's next frame (two loop iterations a frame: 100 sends at once took 0.44 s to be
    read on a busy server, benchmarks/README.md 2026-12-04); the frames are handled as tasks."""
    import inspect

    from mcpchat_ext.handlers.websocket import ChatWebSocketHandler

    assert not inspect.iscoroutinefunction(ChatWebSocketHandler.on_message)
