"""Two identities on one server never see each other's chats, servers or approvals."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from .conftest import body, stdio_fake_spec
from .identity import auth
from .wsclient import CallError, ChatSocket


@pytest.fixture
def server_extra_config() -> dict[str, Any]:
    return {
        "ServerApp": {
            "identity_provider_class": "tests.server.identity.MultiUserIdentityProvider",
            "allow_unauthenticated_access": False,
        }
    }


async def as_user(jp_fetch: Any, user: str, *parts: str, method: str = "GET", data: Any = None) -> Any:
    kw: dict[str, Any] = {"method": method, "headers": auth(user), "request_timeout": 60}
    if method in ("POST", "PUT", "PATCH"):
        kw["body"] = body(data if data is not None else {})
    response = await jp_fetch("mcpchat", "api", *parts, **kw)
    return json.loads(response.body) if response.body else None


async def status_of(jp_fetch: Any, user: str, *parts: str, method: str = "GET", data: Any = None) -> int:
    with pytest.raises(HTTPClientError) as info:
        await as_user(jp_fetch, user, *parts, method=method, data=data)
    return info.value.code


async def test_two_users_are_isolated_on_every_endpoint(
    jp_fetch: Any, jp_ws_fetch: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JUPYTERHUB_USER", "alice")  # alice's server (she may add stdio servers), bob visits
    chat = await as_user(jp_fetch, "alice", "chats", method="POST", data={"title": "alice's secret"})
    cid = chat["id"]
    turn = await as_user(
        jp_fetch, "alice", "chats", cid, "messages", method="POST", data={"text": "add 2 and 3"}
    )
    assert turn["events"][-1]["type"] == "approval_required"
    pending = turn["events"][-1]["calls"]
    await as_user(jp_fetch, "alice", "servers", method="POST", data=stdio_fake_spec("alices"))

    assert await as_user(jp_fetch, "bob", "chats") == []
    assert [s["name"] for s in await as_user(jp_fetch, "bob", "servers")] == ["demo"]
    assert await status_of(jp_fetch, "bob", "chats", cid) == 404
    assert await status_of(jp_fetch, "bob", "chats", cid, "messages") == 404
    assert await status_of(jp_fetch, "bob", "chats", cid, method="PATCH", data={"title": "x"}) == 404
    assert await status_of(jp_fetch, "bob", "chats", cid, method="DELETE") == 404
    assert (
        await status_of(jp_fetch, "bob", "chats", cid, "messages", method="POST", data={"text": "x"}) == 404
    )
    decisions = {"decisions": [{"call_id": c["id"], "action": "approve"} for c in pending]}
    assert await status_of(jp_fetch, "bob", "chats", cid, "decisions", method="POST", data=decisions) == 404
    assert await status_of(jp_fetch, "bob", "chats", cid, "stop", method="POST") == 404
    assert await status_of(jp_fetch, "bob", "servers", "alices") == 404
    assert await status_of(jp_fetch, "bob", "servers", "alices", method="DELETE") == 404
    assert await status_of(jp_fetch, "bob", "servers", "alices", "tools") == 404

    # bob's websocket: alice's chat does not exist for him, and he gets none of her frames
    bob = ChatSocket(await jp_ws_fetch("mcpchat", "ws", headers=auth("bob")))
    assert (await bob.recv())["user"] == "bob"
    with pytest.raises(CallError) as info:
        await bob.call("chats.history", chat_id=cid)
    assert info.value.code == "not_found"
    await bob.send({"type": "decide", "chat_id": cid, "decisions": decisions["decisions"]})
    assert (await bob.until("error"))[-1]["code"] == "not_found"
    await bob.send({"type": "send", "chat_id": cid, "text": "hi"})
    assert (await bob.until("error"))[-1]["code"] == "not_found"

    # alice's approval is untouched and still hers to decide
    page = await as_user(jp_fetch, "alice", "chats", cid, "messages")
    assert [c["id"] for c in page["pending"]] == [c["id"] for c in pending]
    resumed = await as_user(jp_fetch, "alice", "chats", cid, "decisions", method="POST", data=decisions)
    assert resumed["events"][-1]["type"] == "done"
    assert not [f for f in bob.seen if f.get("chat_id") == cid and f["type"] != "error"]
    bob.ws.close()


async def test_unauthenticated_requests_are_refused(jp_fetch: Any, jp_ws_fetch: Any) -> None:
    for parts in (("chats",), ("servers",), ("settings",)):
        with pytest.raises(HTTPClientError) as info:
            await jp_fetch("mcpchat", "api", *parts, headers={"Authorization": "token wrong"})
        assert info.value.code == 403
    with pytest.raises(HTTPClientError) as info:
        await jp_ws_fetch("mcpchat", "ws", headers={"Authorization": "token wrong"})
    assert info.value.code == 403
