"""Start-up failures say what the server wrote on stderr; a crashed stdio server shows at once."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from mcpchat_ext.mcp_servers.manager import MCPConnectionManager
from mcpchat_ext.mcp_servers.stderr import MAX_TAIL
from mcpchat_ext.protocol import ServerSpec
from tests.mcp_servers.calls import by_name, call
from tests.mcp_servers.edge import edge_spec
from tests.mcp_servers.specs import python_spec

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]


def quiet_manager() -> MCPConnectionManager:
    """No health pings: only the process-exit watch can notice a crash."""
    return MCPConnectionManager(
        tool_timeout=5.0, connect_timeout=20.0, max_output_chars=200, health_interval=None
    )


async def test_startup_failure_shows_the_stderr_tail(manager: MCPConnectionManager) -> None:
    code = "import sys; sys.stderr.write('Traceback...\\nModuleNotFoundError: No module named foo\\n'); sys.exit(1)"
    status = await manager.connect(python_spec("broken", code))
    assert status.state == "error" and status.error
    assert "exited during the MCP handshake" in status.error
    assert status.error.endswith("ModuleNotFoundError: No module named foo")


async def test_stderr_tail_is_capped_cleaned_and_redacted(manager: MCPConnectionManager) -> None:
    # hostile stderr: megabytes, terminal escapes, control characters and the server's own secret
    code = (
        "import os, sys; sys.stderr.write('x' * 3_000_000 + '\\n');"
        "sys.stderr.write('\\x1b[31mred\\x1b[0m \\x07bell token=' + os.environ['API_TOKEN'] + '\\n');"
        "sys.exit(1)"
    )
    spec = python_spec("noisy", code).model_copy(update={"env": {"API_TOKEN": "s3cr3t-value-123"}})
    status = await manager.connect(spec)
    assert status.state == "error" and status.error
    assert len(status.error) < MAX_TAIL + 200
    assert "\x1b" not in status.error and "\x07" not in status.error
    assert "s3cr3t-value-123" not in status.error
    assert status.error.splitlines()[-1].startswith("red bell token=")


async def test_silent_failure_has_no_stderr_suffix(manager: MCPConnectionManager) -> None:
    status = await manager.connect(python_spec("quiet", "import sys; sys.exit(3)"))
    assert status.error is not None and "stderr" not in status.error


async def test_crash_while_idle_is_reported_without_a_ping() -> None:
    mgr = quiet_manager()
    changed: asyncio.Queue[str] = asyncio.Queue()

    async def listener(name: str) -> None:
        await changed.put(name)

    mgr.listen(listener)
    try:
        spec = edge_spec()
        tools = by_name(await mgr.get_tools([spec]))
        assert mgr.status("edge").state == "ready"
        assert (await call(tools["edge_exit_soon"], message="fatal: out of disk space")).content == "bye"
        assert await asyncio.wait_for(changed.get(), 20) == "edge"
        status = mgr.status("edge")
        assert status.state == "error"
        assert status.error and status.error.startswith("the server process exited; its stderr ends with:\n")
        assert status.error.endswith("\nfatal: out of disk space")
        # the next use starts it again
        tools = by_name(await mgr.get_tools([spec]))
        assert mgr.status("edge").state == "ready"
    finally:
        await mgr.aclose()


async def test_killed_server_is_reported(fake_spec: ServerSpec) -> None:
    mgr = quiet_manager()
    changed = asyncio.Event()

    async def listener(name: str) -> None:
        changed.set()

    mgr.listen(listener)
    try:
        tools = by_name(await mgr.get_tools([fake_spec]))
        pid = int(str((await call(tools["fake_whoami"])).content))
        os.kill(pid, signal.SIGKILL)
        await asyncio.wait_for(changed.wait(), 20)
        assert mgr.status("fake").state == "error"
        assert mgr.status("fake").error == "the server process exited"
    finally:
        await mgr.aclose()


async def test_a_stop_is_not_a_crash(fake_spec: ServerSpec) -> None:
    mgr = quiet_manager()
    told: list[str] = []

    async def listener(name: str) -> None:
        told.append(name)

    mgr.listen(listener)
    await mgr.get_tools([fake_spec])
    await mgr.connect(fake_spec)  # a restart stops the old session
    await mgr.aclose()
    assert told == []
