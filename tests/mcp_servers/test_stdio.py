"""Persistent stdio sessions: tools, results, timeouts, errors, crashes and reconnects."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal

import psutil
import pytest
from langchain_core.tools import ToolException

from mcpchat_ext.mcp_servers.manager import MCPConnectionManager
from mcpchat_ext.protocol import ServerSpec
from tests.mcp_servers.calls import by_name, call

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(90)]


def _wait_gone(pid: int) -> None:
    with contextlib.suppress(psutil.NoSuchProcess):
        psutil.Process(pid).wait(10)


async def test_connect_lists_prefixed_tools(manager: MCPConnectionManager, fake_spec: ServerSpec) -> None:
    status = await manager.connect(fake_spec)
    assert status.state == "ready" and status.error is None
    names = {t.name for t in status.tools}
    assert {"fake_echo", "fake_add", "fake_whoami", "fake_sleep"} <= names
    info = next(t for t in status.tools if t.name == "fake_add")
    assert (info.server, info.tool) == ("fake", "add")
    assert info.description == "Add two numbers."
    assert set(info.input_schema["properties"]) == {"a", "b"}
    assert [s.name for s in manager.statuses()] == ["fake"]

    tools = by_name(await manager.get_tools([fake_spec]))
    assert tools["fake_echo"].metadata == {"server": "fake", "tool": "echo"}
    assert tools["fake_echo"].description == "Return the text unchanged."


async def test_result_has_content_and_artifact(manager: MCPConnectionManager, fake_spec: ServerSpec) -> None:
    tools = by_name(await manager.get_tools([fake_spec]))
    msg = await call(tools["fake_add"], a=2, b=3)
    assert msg.content == "5.0"
    assert msg.artifact == {"truncated": False, "server": "fake", "tool": "add"}
    assert (await call(tools["fake_echo"], text="héllo")).content == "héllo"


async def test_session_is_persistent(manager: MCPConnectionManager, fake_spec: ServerSpec) -> None:
    tools = by_name(await manager.get_tools([fake_spec]))
    pids = {str((await call(tools["fake_whoami"])).content) for _ in range(3)}
    # a second get_tools (next chat turn) reuses the same session and process
    again = by_name(await manager.get_tools([fake_spec]))
    pids.add(str((await call(again["fake_whoami"])).content))
    assert len(pids) == 1
    assert psutil.pid_exists(int(pids.pop()))


async def test_huge_output_is_truncated(manager: MCPConnectionManager, fake_spec: ServerSpec) -> None:
    tools = by_name(await manager.get_tools([fake_spec]))
    msg = await call(tools["fake_huge"], n_chars=5000)
    assert isinstance(msg.content, str)
    assert msg.content.startswith("0123456789" * 20)
    assert msg.content.endswith("[output truncated: showed 200 of 5000 chars]")
    assert msg.artifact["truncated"] is True
    small = await call(tools["fake_huge"], n_chars=200)
    assert small.content == "0123456789" * 20 and small.artifact["truncated"] is False


async def test_hanging_tool_times_out_and_server_stays_usable(fake_spec: ServerSpec) -> None:
    mgr = MCPConnectionManager(tool_timeout=1.0, connect_timeout=20.0, max_output_chars=1000)
    try:
        tools = by_name(await mgr.get_tools([fake_spec]))
        pid = (await call(tools["fake_whoami"])).content
        with pytest.raises(ToolException, match=r"tool fake_sleep timed out after 1 s"):
            await call(tools["fake_sleep"], seconds=600)
        # the MCP request was cancelled on the server too
        for _ in range(100):
            if (await call(tools["fake_in_flight"])).content == "0":
                break
            await asyncio.sleep(0.05)
        assert (await call(tools["fake_in_flight"])).content == "0"
        assert (await call(tools["fake_echo"], text="still here")).content == "still here"
        assert (await call(tools["fake_whoami"])).content == pid
        assert mgr.status("fake").state == "ready"
    finally:
        await mgr.aclose()


async def test_tool_error_raises_tool_exception(manager: MCPConnectionManager, fake_spec: ServerSpec) -> None:
    tools = by_name(await manager.get_tools([fake_spec]))
    with pytest.raises(ToolException, match=r"fake_fail reported an error: .*boom"):
        await call(tools["fake_fail"], message="boom")
    assert manager.status("fake").state == "ready"


async def test_crash_during_call_marks_error_then_reconnects(
    manager: MCPConnectionManager, fake_spec: ServerSpec
) -> None:
    tools = by_name(await manager.get_tools([fake_spec]))
    old_pid = int(str((await call(tools["fake_whoami"])).content))
    with pytest.raises(ToolException, match="MCP server 'fake' failed while running crash"):
        await call(tools["fake_crash"])
    status = manager.status("fake")
    assert status.state == "error"
    assert status.error and "connection lost" in status.error
    assert status.tools == []

    tools = by_name(await manager.get_tools([fake_spec]))
    assert manager.status("fake").state == "ready"
    new_pid = int(str((await call(tools["fake_whoami"])).content))
    assert new_pid != old_pid


async def test_old_tool_objects_survive_a_reconnect(
    manager: MCPConnectionManager, fake_spec: ServerSpec
) -> None:
    tools = by_name(await manager.get_tools([fake_spec]))
    with pytest.raises(ToolException):
        await call(tools["fake_crash"])
    # the same tool object restarts the crashed server when called again
    assert (await call(tools["fake_echo"], text="back")).content == "back"
    assert manager.status("fake").state == "ready"


async def test_server_killed_while_idle_is_reconnected(
    manager: MCPConnectionManager, fake_spec: ServerSpec
) -> None:
    tools = by_name(await manager.get_tools([fake_spec]))
    pid = int(str((await call(tools["fake_whoami"])).content))
    os.kill(pid, signal.SIGKILL)
    await asyncio.to_thread(_wait_gone, pid)
    tools = by_name(await manager.get_tools([fake_spec]))
    assert manager.status("fake").state == "ready"
    assert int(str((await call(tools["fake_whoami"])).content)) != pid


async def test_disconnect_stops_the_process(manager: MCPConnectionManager, fake_spec: ServerSpec) -> None:
    tools = by_name(await manager.get_tools([fake_spec]))
    pid = int(str((await call(tools["fake_whoami"])).content))
    await manager.disconnect("fake")
    assert manager.status("fake").state == "disconnected"
    assert manager.statuses() == []
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    with pytest.raises(ToolException, match="MCP server 'fake' is not connected"):
        await call(tools["fake_echo"], text="x")
    await manager.disconnect("fake")  # idempotent


async def test_connect_again_restarts_the_session(
    manager: MCPConnectionManager, fake_spec: ServerSpec
) -> None:
    tools = by_name(await manager.get_tools([fake_spec]))
    pid = (await call(tools["fake_whoami"])).content
    assert (await manager.connect(fake_spec)).state == "ready"
    assert (await call(tools["fake_whoami"])).content != pid


async def test_concurrent_calls_share_the_session(
    manager: MCPConnectionManager, fake_spec: ServerSpec
) -> None:
    tools = by_name(await manager.get_tools([fake_spec]))
    msgs = await asyncio.gather(*(call(tools["fake_echo"], text=str(i)) for i in range(10)))
    assert [m.content for m in msgs] == [str(i) for i in range(10)]


async def test_idle_crash_shows_in_status(fake_spec: ServerSpec) -> None:
    mgr = MCPConnectionManager(
        tool_timeout=5.0, connect_timeout=20.0, max_output_chars=100, health_interval=0.2
    )
    try:
        tools = by_name(await mgr.get_tools([fake_spec]))
        pid = int(str((await call(tools["fake_whoami"])).content))
        os.kill(pid, signal.SIGKILL)
        for _ in range(200):
            if mgr.status("fake").state == "error":
                break
            await asyncio.sleep(0.05)
        status = mgr.status("fake")
        assert status.state == "error"
        assert status.error and any(
            w in status.error for w in ("process exited", "connection lost", "stopped answering")
        )
        # the next use reconnects
        tools = by_name(await mgr.get_tools([fake_spec]))
        assert int(str((await call(tools["fake_whoami"])).content)) != pid
    finally:
        await mgr.aclose()


async def test_huge_error_is_truncated(manager: MCPConnectionManager, fake_spec: ServerSpec) -> None:
    tools = by_name(await manager.get_tools([fake_spec]))
    with pytest.raises(ToolException) as caught:
        await call(tools["fake_fail"], message="x" * 10_000)
    assert "[output truncated: showed 200 of" in str(caught.value)
    assert len(str(caught.value)) < 400
