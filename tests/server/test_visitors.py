"""A shared server: bob visiting alice's server may not add, change or start stdio MCP servers
(their commands would run as alice) unless she allows it; HTTP servers are fine."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mcpchat_ext.app import ENGINE_KEY

from .conftest import stdio_fake_spec
from .identity import auth
from .test_users import as_user, server_extra_config  # noqa: F401  (the multi-user identities)
from .wsclient import CallError, ChatSocket

HTTP_SPEC = {"name": "remote", "transport": "streamable_http", "url": "http://127.0.0.1:9/mcp"}


@pytest.fixture
def alices_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """This Jupyter server runs as alice (read when the engine starts, on the first request)."""
    monkeypatch.setenv("JUPYTERHUB_USER", "alice")


async def refusal(jp_fetch: Any, user: str, *parts: str, method: str = "POST", data: Any = None) -> Any:
    from tornado.httpclient import HTTPClientError

    with pytest.raises(HTTPClientError) as info:
        await as_user(jp_fetch, user, *parts, method=method, data=data)
    assert info.value.code == 403 and info.value.response is not None
    error = json.loads(info.value.response.body)
    assert error["code"] == "forbidden"
    return error["message"]


@pytest.mark.usefixtures("alices_server")
async def test_a_visitor_may_not_add_or_change_stdio_servers(jp_fetch: Any, jp_ws_fetch: Any) -> None:
    message = await refusal(jp_fetch, "bob", "servers", data=stdio_fake_spec("mine"))
    assert "only alice, who owns this Jupyter server, may add, change or start stdio" in message
    assert "allow_visitor_stdio_servers" in message

    doc = {"mcpServers": {"web": {"url": "http://127.0.0.1:9/mcp"}, "local": {"command": "python"}}}
    assert "MCP server 'local'" in await refusal(jp_fetch, "bob", "servers", "import", data=doc)

    added = await as_user(jp_fetch, "bob", "servers", method="POST", data=HTTP_SPEC)
    assert added["name"] == "remote"  # an HTTP server is fine
    changed = {**HTTP_SPEC, "transport": "stdio", "url": None, "command": "python"}
    await refusal(jp_fetch, "bob", "servers", "remote", method="PUT", data=changed)
    names = [s["name"] for s in await as_user(jp_fetch, "bob", "servers")]
    assert names == ["demo", "remote"], "nothing of the refused import or change was stored"
    stored = await as_user(jp_fetch, "bob", "servers", "remote")
    assert stored["spec"]["transport"] == "streamable_http"

    bob = ChatSocket(await jp_ws_fetch("mcpchat", "ws", headers=auth("bob")))
    await bob.recv()
    with pytest.raises(CallError) as info:
        await bob.call("servers.add", **stdio_fake_spec("viaws"))
    assert info.value.code == "forbidden"
    bob.ws.close()

    # the owner may, and the administrator's catalog (the demo server) works for the visitor
    assert (await as_user(jp_fetch, "alice", "servers", method="POST", data=stdio_fake_spec("mine")))[
        "state"
    ] == "ready"
    demo = await as_user(jp_fetch, "bob", "servers", "demo", "connect", method="POST")
    assert demo["state"] == "ready"


@pytest.mark.usefixtures("alices_server")
async def test_the_owner_can_allow_visitors_stdio_servers_and_take_it_back(
    jp_serverapp: Any, jp_fetch: Any
) -> None:
    engine = jp_serverapp.web_app.settings[ENGINE_KEY]
    engine.config.allow_visitor_stdio_servers = True  # (read when bob's workspace opens)
    added = await as_user(jp_fetch, "bob", "servers", method="POST", data=stdio_fake_spec("mine"))
    assert added["state"] == "ready"

    engine.config.allow_visitor_stdio_servers = False
    engine.registry.idle_timeout = 1e-6
    assert await engine.registry.reap() == ["bob"]  # bob comes back under the new rule
    engine.registry.idle_timeout = 0
    status = await as_user(jp_fetch, "bob", "servers", "mine")
    assert status["state"] == "error" and "only alice" in status["error"]
    assert "only alice" in await refusal(jp_fetch, "bob", "servers", "mine", "connect")
    chat = await as_user(jp_fetch, "bob", "chats", method="POST", data={"servers": ["mine"]})
    turn = await as_user(jp_fetch, "bob", "chats", chat["id"], "messages", method="POST", data={"text": "hi"})
    assert turn["events"][-1]["type"] == "done", "a chat with it still works, without its tools"
