"""Shutdown stops MCP processes, idle sessions are released, a dead model endpoint loses nothing."""

from __future__ import annotations

import json
from typing import Any

import psutil

from mcpchat_ext.app import ENGINE_KEY, MCPChatExtension

from .conftest import body, stdio_fake_spec


def extension(jp_serverapp: Any) -> MCPChatExtension:
    ext = jp_serverapp.extension_manager.extension_apps["mcpchat_ext"]
    app = next(iter(ext))
    assert isinstance(app, MCPChatExtension)
    return app


def mcp_children() -> set[int]:
    me = psutil.Process()
    return {
        c.pid
        for c in me.children(recursive=True)
        if any("mcp" in part for part in c.cmdline()) and c.status() != psutil.STATUS_ZOMBIE
    }


async def test_stop_extension_leaves_no_orphan_processes(jp_serverapp: Any, jp_fetch: Any) -> None:
    before = mcp_children()
    await jp_fetch("mcpchat", "api", "servers", method="POST", body=body(stdio_fake_spec()))
    await jp_fetch("mcpchat", "api", "servers", "demo", "connect", method="POST", body="{}")
    started = mcp_children() - before
    assert len(started) >= 2, started
    await extension(jp_serverapp).stop_extension()
    alive = [
        pid
        for pid in started
        if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    ]
    assert alive == []


async def test_idle_sessions_are_released(jp_serverapp: Any, jp_fetch: Any) -> None:
    earlier = mcp_children()
    await jp_fetch("mcpchat", "api", "servers", "demo", "connect", method="POST", body="{}")
    engine = jp_serverapp.web_app.settings[ENGINE_KEY]
    users = list(engine.registry._workspaces)
    assert len(users) == 1
    pids = mcp_children() - earlier
    assert pids
    engine.registry.idle_timeout = 0.0001
    assert await engine.registry.reap() == users
    assert not [
        p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE
    ]
    # coming back re-creates the session transparently
    response = await jp_fetch("mcpchat", "api", "chats")
    assert json.loads(response.body) == []
