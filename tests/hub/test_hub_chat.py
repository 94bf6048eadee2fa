"""Chatting through JupyterHub: users log in at the OIDC provider, spawn their servers and
chat through the hub's proxy with the extension's REST routes and websocket; tool calls run
only after approval; nobody reads another user's chats, not even on a shared server.

The single-user servers use the shipped catalog (hub_config/mcp_catalog.json: the bundled
demo MCP server and mcp-server-time) and, without OPENAI_API_KEY, the offline demo model.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.exceptions import InvalidStatus

from tests.hub.conftest import PROVIDER_WARNINGS, SINGLEUSER_AUTH_CACHE_AGE, Hub
from tests.hub.hubclient import HubBrowser, eventually, token_request, ws_call

pytestmark = [
    pytest.mark.hub,
    pytest.mark.timeout(180),
    *PROVIDER_WARNINGS,
]

PROPAGATION = 10 * SINGLEUSER_AUTH_CACHE_AGE + 5


def ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, (r.status_code, r.text[:1000])
    return r.json() if r.content else None


def refused(r: Any, status: int, code: str) -> None:
    assert r.status_code == status, (r.status_code, r.text[:1000])
    assert r.json()["code"] == code, r.text


def logged_in_with_server(hub: Hub, user: str) -> HubBrowser:
    b = hub.browser()
    assert b.login(user).status_code == 200
    b.spawn()
    assert b.open_server(user).status_code == 200
    settings = b.chat_api(user, "GET", "/settings")
    assert settings.status_code == 200, (
        f"mcpchat_ext is not serving on {user}'s server ({settings.status_code}): is the package "
        f"installed (pip install -e .) so that its server-config JSON enables it?\n{hub.log_tail()}"
    )
    return b


@pytest.fixture(scope="module")
def alice(hub: Hub) -> Iterator[HubBrowser]:
    with logged_in_with_server(hub, "alice") as b:
        yield b


@pytest.fixture(scope="module")
def bob(hub: Hub) -> Iterator[HubBrowser]:
    with logged_in_with_server(hub, "bob") as b:
        yield b


@pytest.fixture(scope="module")
def alice_chat(alice: HubBrowser) -> dict[str, Any]:
    """A chat of alice's with one approved demo tool call in it."""
    chat = ok(alice.chat_api("alice", "POST", "/chats", json={"servers": ["demo"]}), 201)
    events = ok(
        alice.chat_api("alice", "POST", f"/chats/{chat['id']}/messages", json={"text": "add 2 and 3"})
    )["events"]
    assert events[0]["type"] == "turn_started"
    assert events[-1]["type"] == "approval_required", [e["type"] for e in events]
    assert "tool_started" not in [e["type"] for e in events], "no tool runs before approval"
    calls = events[-1]["calls"]
    assert calls and all(c["server"] == "demo" for c in calls)
    decisions = [{"call_id": c["id"], "action": "approve"} for c in calls]
    resumed = ok(
        alice.chat_api("alice", "POST", f"/chats/{chat['id']}/decisions", json={"decisions": decisions})
    )["events"]
    types = [e["type"] for e in resumed]
    assert types[-1] == "done", types
    assert types.index("approval_decided") < types.index("tool_started") < types.index("tool_result")
    result = next(e for e in resumed if e["type"] == "tool_result")
    assert "5" in result["message"]["content"]
    return {"chat": chat, "calls": calls}


def test_each_user_gets_the_extension_with_the_admins_catalog_and_model(
    alice: HubBrowser, bob: HubBrowser
) -> None:
    for browser, user in ((alice, "alice"), (bob, "bob")):
        settings = ok(browser.chat_api(user, "GET", "/settings"))
        assert settings["user"] == user
        assert settings["model"]["demo"] is True  # no OPENAI_API_KEY given to the hub
        servers = ok(browser.chat_api(user, "GET", "/servers"))
        catalog = {s["name"] for s in servers if s["source"] == "catalog"}
        assert {"demo", "time"} <= catalog, servers


def test_chat_with_an_approved_tool_call_through_the_proxy(
    hub: Hub, alice: HubBrowser, alice_chat: dict[str, Any]
) -> None:
    chat_id = alice_chat["chat"]["id"]
    page = ok(alice.chat_api("alice", "GET", f"/chats/{chat_id}/messages"))
    roles = [m["role"] for m in page["messages"]]
    assert roles[0] == "user" and "tool" in roles and roles[-1] == "assistant"
    assert page["pending"] == []
    assert [c["id"] for c in ok(alice.chat_api("alice", "GET", "/chats"))] == [chat_id]
    # the chat is stored in alice's home, on her server
    data = hub.home_root / "alice" / ".local" / "share" / "jupyter" / "mcpchat_ext"
    assert any(data.glob("*.db")), list(data.parent.iterdir()) if data.parent.exists() else "no data dir"


def test_websocket_through_the_proxy(alice: HubBrowser, alice_chat: dict[str, Any]) -> None:
    with alice.ws("alice") as ws:
        welcome = json.loads(ws.recv(timeout=30))
        assert welcome["type"] == "welcome" and welcome["user"] == "alice"
        listed = ws_call(ws, "chats.list")
        assert listed["type"] == "result"
        assert [c["id"] for c in listed["result"]] == [alice_chat["chat"]["id"]]

        # a whole turn over the websocket: the tool waits for the approval frame
        chat = ws_call(ws, "chats.create", servers=["demo"])["result"]
        ws.send(json.dumps({"type": "send", "chat_id": chat["id"], "text": "add 2 and 3"}))
        paused = frames_until(ws, chat["id"], "approval_required")
        assert "tool_started" not in [f["type"] for f in paused], "no tool runs before approval"
        calls = paused[-1]["calls"]
        assert [c["server"] for c in calls] == ["demo"] * len(calls)
        decisions = [{"call_id": c["id"], "action": "approve"} for c in calls]
        ws.send(json.dumps({"type": "decide", "chat_id": chat["id"], "decisions": decisions}))
        resumed = frames_until(ws, chat["id"], "done")
        types = [f["type"] for f in resumed]
        assert types.index("approval_decided") < types.index("tool_started") < types.index("tool_result")
        result = next(f for f in resumed if f["type"] == "tool_result")
        assert "5" in result["message"]["content"]


def frames_until(ws: Any, chat_id: str, last: str, timeout: float = 60) -> list[dict[str, Any]]:
    """Turn frames of `chat_id` up to and including the first of type `last`."""
    frames: list[dict[str, Any]] = []
    while True:
        frame: dict[str, Any] = json.loads(ws.recv(timeout=timeout))
        if frame.get("type") == "error":
            raise AssertionError(frame)
        if frame.get("chat_id") != chat_id:
            continue
        frames.append(frame)
        if frame["type"] == last:
            return frames


def test_bob_cannot_reach_alices_chats(
    hub: Hub, alice: HubBrowser, bob: HubBrowser, alice_chat: dict[str, Any]
) -> None:
    chat_id = alice_chat["chat"]["id"]
    # on alice's server: refused before the extension sees the request
    for method, path, body in (
        ("GET", "/chats", None),
        ("GET", f"/chats/{chat_id}", None),
        ("GET", f"/chats/{chat_id}/messages", None),
        ("POST", f"/chats/{chat_id}/messages", {"text": "hi"}),
        ("POST", f"/chats/{chat_id}/decisions", {"decisions": [{"call_id": "x", "action": "approve"}]}),
        ("DELETE", f"/chats/{chat_id}", None),
        ("GET", "/servers", None),
    ):
        r = bob.chat_api("alice", method, path, json=body)
        assert r.status_code in (302, 403), (method, path, r.status_code)
        if r.status_code == 302:  # a redirect to log in, never content
            assert "/hub/" in r.headers["location"]
    token = bob.new_token("bob's script")["token"]
    r = token_request(hub.url, token, "GET", f"/user/alice/mcpchat/api/chats/{chat_id}/messages")
    assert r.status_code == 403
    with pytest.raises(InvalidStatus) as refused_ws:
        bob.ws("alice").close()
    assert refused_ws.value.response.status_code in (302, 403)
    with pytest.raises(InvalidStatus):
        bob.ws("alice", token=token).close()
    # on his own server alice's chat id does not exist for him
    refused(bob.chat_api("bob", "GET", f"/chats/{chat_id}/messages"), 404, "not_found")
    assert ok(bob.chat_api("bob", "GET", "/chats")) == []
    # alice's chat is intact
    assert ok(alice.chat_api("alice", "GET", f"/chats/{chat_id}"))["id"] == chat_id


def test_shared_server_shows_the_guest_only_their_own_chats(
    hub: Hub, alice: HubBrowser, bob: HubBrowser, alice_chat: dict[str, Any]
) -> None:
    chat_id = alice_chat["chat"]["id"]
    share = ok(alice.hub_api("POST", "/shares/alice/", json={"user": "bob"}))
    assert share["user"]["name"] == "bob"
    assert share["scopes"] == ["access:servers!server=alice/"]
    try:
        assert bob.open_shared_server("alice").status_code == 200
        # bob is in alice's server now, as himself
        assert ok(bob.chat_api("alice", "GET", "/settings"))["user"] == "bob"
        assert ok(bob.chat_api("alice", "GET", "/chats")) == []
        for method, path, body in (
            ("GET", f"/chats/{chat_id}", None),
            ("GET", f"/chats/{chat_id}/messages", None),
            ("PATCH", f"/chats/{chat_id}", {"title": "mine now"}),
            ("POST", f"/chats/{chat_id}/messages", {"text": "hi"}),
            ("POST", f"/chats/{chat_id}/decisions", {"decisions": [{"call_id": "x", "action": "approve"}]}),
            ("POST", f"/chats/{chat_id}/stop", None),
            ("DELETE", f"/chats/{chat_id}", None),
        ):
            refused(bob.chat_api("alice", method, path, json=body), 404, "not_found")
        with bob.ws("alice") as ws:
            welcome = json.loads(ws.recv(timeout=30))
            assert welcome["user"] == "bob"
            assert ws_call(ws, "chats.list")["result"] == []
            history = ws_call(ws, "chats.history", chat_id=chat_id)
            assert history["type"] == "error" and history["code"] == "not_found"
            # alice chats on her server meanwhile: none of her turn's frames reach bob
            reply = ok(alice.chat_api("alice", "POST", f"/chats/{chat_id}/messages", json={"text": "hello"}))
            assert reply["events"][-1]["type"] == "done"
            ws.send(json.dumps({"type": "ping"}))
            seen = []
            while (frame := json.loads(ws.recv(timeout=30)))["type"] != "pong":
                seen.append(frame)
            assert not [f for f in seen if f.get("chat_id") == chat_id or f["type"] == "chats_changed"], seen
        # bob's own chat on alice's server stays his
        own = ok(bob.chat_api("alice", "POST", "/chats", json={"title": "bob's", "servers": ["demo"]}), 201)
        assert [c["id"] for c in ok(bob.chat_api("alice", "GET", "/chats"))] == [own["id"]]
        assert own["id"] not in [c["id"] for c in ok(alice.chat_api("alice", "GET", "/chats"))]
        # alice's chat is untouched
        page = ok(alice.chat_api("alice", "GET", f"/chats/{chat_id}/messages"))
        assert page["chat"]["title"] != "mine now" and page["total"] >= 3
    finally:
        r = alice.hub_api("DELETE", "/shares/alice/")
        assert r.status_code == 204, r.text
    # revoking the share closes alice's server to bob again
    eventually(
        lambda: bob.chat_api("alice", "GET", "/chats").status_code in (302, 403),
        timeout=PROPAGATION,
        what="bob is refused once alice stops sharing",
    )


def test_logged_out_browser_cannot_chat(hub: Hub, alice: HubBrowser) -> None:
    with hub.browser() as second:
        assert second.login("alice").status_code == 200
        assert second.open_server("alice").status_code == 200
        assert second.chat_api("alice", "GET", "/chats").status_code == 200
        second.get("/hub/logout", follow_redirects=False)
        eventually(
            lambda: second.chat_api("alice", "GET", "/chats").status_code in (302, 403),
            timeout=PROPAGATION,
            what="the logged-out session is refused by alice's server",
        )
        r = second.chat_api("alice", "POST", "/chats", json={"title": "after logout"})
        assert r.status_code in (302, 403)
    titles = [c["title"] for c in ok(alice.chat_api("alice", "GET", "/chats"))]
    assert "after logout" not in titles
