"""REST endpoints of the server extension on a real jupyter-server (offline demo model)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from .conftest import body, stdio_fake_spec


async def call(jp_fetch: Any, *parts: str, method: str = "GET", data: Any = None, **kw: Any) -> Any:
    kwargs: dict[str, Any] = {"method": method, **kw}
    if data is not None:
        kwargs["body"] = body(data)
    elif method in ("POST", "PUT", "PATCH") and "body" not in kwargs:
        kwargs["body"] = "{}"
    response = await jp_fetch("mcpchat", "api", *parts, **kwargs)
    return json.loads(response.body) if response.body else None


async def expect_error(jp_fetch: Any, status: int, code: str, *parts: str, **kw: Any) -> str:
    with pytest.raises(HTTPClientError) as info:
        await call(jp_fetch, *parts, **kw)
    assert info.value.code == status
    error = json.loads(info.value.response.body)
    assert error["code"] == code, error
    assert error["message"]
    return str(error["message"])


async def send_message(jp_fetch: Any, chat_id: str, text: str) -> Any:
    """POST a message; the answer holds the turn's frames up to done or the approval pause."""
    return await call(
        jp_fetch, "chats", chat_id, "messages", method="POST", data={"text": text}, request_timeout=60
    )


async def post_decisions(jp_fetch: Any, chat_id: str, decisions: list[dict[str, Any]]) -> Any:
    return await call(
        jp_fetch,
        "chats",
        chat_id,
        "decisions",
        method="POST",
        data={"decisions": decisions},
        request_timeout=60,
    )


async def test_settings_describe_the_demo_model_without_secrets(jp_fetch: Any) -> None:
    settings = await call(jp_fetch, "settings")
    assert settings["model"]["demo"] is True
    assert "demo" in settings["model"]["label"].lower()
    assert "key" not in json.dumps(settings).lower().replace("no openai_api_key", "")


async def test_chat_crud(jp_fetch: Any) -> None:
    assert await call(jp_fetch, "chats") == []
    chat = await call(jp_fetch, "chats", method="POST", data={"title": "First"})
    assert chat["title"] == "First"
    assert chat["servers"] == ["demo"]  # every enabled server by default: the bundled demo
    renamed = await call(jp_fetch, "chats", chat["id"], method="PATCH", data={"title": "Renamed"})
    assert renamed["title"] == "Renamed"
    assert [c["title"] for c in await call(jp_fetch, "chats")] == ["Renamed"]
    page = await call(jp_fetch, "chats", chat["id"], "messages")
    assert page["messages"] == [] and page["total"] == 0 and page["pending"] == []
    await call(jp_fetch, "chats", chat["id"], method="DELETE")
    assert await call(jp_fetch, "chats") == []
    await expect_error(jp_fetch, 404, "not_found", "chats", chat["id"])


async def test_bad_input_gets_clear_errors(jp_fetch: Any) -> None:
    await expect_error(jp_fetch, 404, "not_found", "chats", "doesnotexist")
    await expect_error(jp_fetch, 404, "not_found", "chats", "doesnotexist", "messages")
    await expect_error(
        jp_fetch, 404, "not_found", "chats", "nope", "messages", method="POST", data={"text": "hi"}
    )
    await expect_error(jp_fetch, 400, "bad_request", "chats", method="POST", body="{not json")
    await expect_error(jp_fetch, 400, "bad_request", "chats", method="POST", data={"title": 5})
    await expect_error(
        jp_fetch, 400, "bad_request", "chats", method="POST", data={"servers": ["no-such-server"]}
    )
    chat = await call(jp_fetch, "chats", method="POST", data={})
    await expect_error(jp_fetch, 400, "bad_request", "chats", chat["id"], "messages", params={"limit": "x"})
    await expect_error(
        jp_fetch, 400, "bad_request", "chats", chat["id"], "messages", method="POST", data={"text": ""}
    )
    await expect_error(
        jp_fetch,
        409,
        "conflict",
        "chats",
        chat["id"],
        "decisions",
        method="POST",
        data={"decisions": [{"call_id": "x", "action": "approve"}]},
    )
    # nothing was lost: the chat is still there
    assert [c["id"] for c in await call(jp_fetch, "chats")] == [chat["id"]]


async def test_turn_with_approval_over_rest(jp_fetch: Any) -> None:
    chat = await call(jp_fetch, "chats", method="POST", data={"servers": ["demo"]})
    result = await send_message(jp_fetch, chat["id"], "add 2 and 3")
    types = [e["type"] for e in result["events"]]
    assert types[0] == "turn_started"
    assert types[-1] == "approval_required", types
    calls = result["events"][-1]["calls"]
    assert calls and calls[0]["server"] == "demo"
    assert calls[0]["input_schema"], "approval cards need the tool's schema"
    # the approval survives in history and blocks a new message
    page = await call(jp_fetch, "chats", chat["id"], "messages")
    assert [c["id"] for c in page["pending"]] == [calls[0]["id"]]
    assert page["chat"]["pending_approval"] is True
    await expect_error(
        jp_fetch, 409, "conflict", "chats", chat["id"], "messages", method="POST", data={"text": "hi"}
    )
    resumed = await post_decisions(jp_fetch, chat["id"], [{"call_id": calls[0]["id"], "action": "approve"}])
    rtypes = [e["type"] for e in resumed["events"]]
    assert "tool_result" in rtypes and rtypes[-1] == "done", rtypes
    tool_result = next(e for e in resumed["events"] if e["type"] == "tool_result")
    assert "5" in tool_result["message"]["content"]
    done = resumed["events"][-1]
    assert done["message"]["metadata"]["demo"] is True
    page = await call(jp_fetch, "chats", chat["id"], "messages")
    roles = [m["role"] for m in page["messages"]]
    assert roles[0] == "user" and "tool" in roles and roles[-1] == "assistant"
    assert page["pending"] == []
    # the chat got a title from the first message
    assert (await call(jp_fetch, "chats", chat["id"]))["title"] == "add 2 and 3"
    # history pagination
    tail = await call(jp_fetch, "chats", chat["id"], "messages", params={"limit": "1"})
    assert tail["total"] == len(roles) and tail["offset"] == len(roles) - 1
    assert tail["messages"][0]["role"] == "assistant"
    head = await call(jp_fetch, "chats", chat["id"], "messages", params={"offset": "0", "limit": "1"})
    assert head["messages"][0]["role"] == "user"


async def test_reject_with_reason(jp_fetch: Any) -> None:
    chat = await call(jp_fetch, "chats", method="POST", data={"servers": ["demo"]})
    result = await send_message(jp_fetch, chat["id"], "add 2 and 3")
    calls = result["events"][-1]["calls"]
    # a partial decision set is refused (all pending calls are decided together)
    resumed = await post_decisions(
        jp_fetch, chat["id"], [{"call_id": c["id"], "action": "reject", "reason": "not now"} for c in calls]
    )
    types = [e["type"] for e in resumed["events"]]
    assert types[-1] == "done" and "tool_started" not in types
    page = await call(jp_fetch, "chats", chat["id"], "messages")
    tool_msgs = [m for m in page["messages"] if m["role"] == "tool"]
    assert tool_msgs and all(m["status"] == "error" for m in tool_msgs)
    assert "not now" in tool_msgs[0]["content"]


async def test_servers_add_import_and_errors(jp_fetch: Any) -> None:
    servers = await call(jp_fetch, "servers")
    assert [(s["name"], s["source"]) for s in servers] == [("demo", "catalog")]
    await expect_error(
        jp_fetch,
        400,
        "bad_request",
        "servers",
        method="POST",
        data={"name": "broken", "transport": "stdio"},  # no command
    )
    await expect_error(
        jp_fetch,
        400,
        "bad_request",
        "servers",
        method="POST",
        data={"name": "web", "transport": "streamable_http", "url": "ftp://x"},
    )
    await expect_error(jp_fetch, 409, "conflict", "servers", "demo", method="DELETE")
    missing = await call(
        jp_fetch,
        "servers",
        method="POST",
        data={"name": "missing", "transport": "stdio", "command": "/nonexistent/mcp-server"},
    )
    assert missing["state"] == "error" and missing["error"]
    fake = await call(jp_fetch, "servers", method="POST", data=stdio_fake_spec())
    assert fake["state"] == "ready", fake
    assert {t["name"] for t in fake["tools"]} >= {"fake_echo", "fake_add"}
    tools = await call(jp_fetch, "servers", "fake", "tools")
    assert any(t["tool"] == "echo" for t in tools)
    imported = await call(
        jp_fetch,
        "servers",
        "import",
        method="POST",
        data={
            "mcpServers": {
                "fake2": {
                    "command": stdio_fake_spec()["command"],
                    "args": stdio_fake_spec()["args"],
                    "env": {"SECRET": "hunter2"},
                }
            }
        },
    )
    assert imported[0]["name"] == "fake2" and imported[0]["state"] == "ready"
    listed = await call(jp_fetch, "servers")
    assert "hunter2" not in json.dumps(listed), "secrets are masked"
    await expect_error(
        jp_fetch,
        400,
        "bad_request",
        "servers",
        "import",
        method="POST",
        data={"mcpServers": {"bad": {"args": ["x"]}}},
    )
    await expect_error(
        jp_fetch,
        409,
        "conflict",
        "servers",
        "import",
        method="POST",
        data={"mcpServers": {"fake2": {"command": "x"}}},
    )
    await call(jp_fetch, "servers", "fake2", method="DELETE")
    await expect_error(jp_fetch, 404, "not_found", "servers", "fake2")
    connected = await call(jp_fetch, "servers", "fake", "connect", method="POST")
    assert connected["state"] == "ready"
