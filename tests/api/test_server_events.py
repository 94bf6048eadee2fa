"""Server events reach every client of the user: a crashed stdio server shows as failed at once."""

from __future__ import annotations

import asyncio
import os
import signal
from typing import Any

import pytest

from mcpchat_ext import api
from tests.mcp_servers.specs import fake_stdio_spec

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]


async def test_crash_is_broadcast_as_servers_changed(client: api.Client) -> None:
    frames: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def record(frame: dict[str, Any]) -> None:
        await frames.put(frame)

    status = await client.add_server(fake_stdio_spec())
    assert status.state == "ready", status.error
    client.workspace.subscribe(record)
    chat = await client.new_chat(servers=["fake"])
    tools = await client.workspace.servers.tools_for(chat.info)
    whoami = tools.by_identity("fake", "whoami")
    assert whoami is not None
    msg = await whoami.tool.ainvoke({"type": "tool_call", "id": "c1", "name": whoami.name, "args": {}})
    os.kill(int(str(msg.content)), signal.SIGKILL)
    while True:
        frame = await asyncio.wait_for(frames.get(), 20)
        if frame["type"] != "servers_changed":
            continue
        (fake,) = [s for s in frame["servers"] if s["name"] == "fake"]
        if fake["state"] == "error":
            break
    assert fake["error"] == "the server process exited"
    assert [s.state for s in await client.servers() if s.name == "fake"] == ["error"]
