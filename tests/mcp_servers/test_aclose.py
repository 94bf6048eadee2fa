"""aclose() ends every session: no server process outlives the manager."""

from __future__ import annotations

import asyncio

import psutil
import pytest
from langchain_core.tools import ToolException

from mcpchat_ext.mcp_servers.manager import MCPConnectionManager
from tests.mcp_servers.calls import by_name, call
from tests.mcp_servers.specs import demo_spec, fake_stdio_spec, python_spec, server_children

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(90)]


async def _gone(pids: list[int]) -> list[int]:
    """The pids that are still running after waiting (bounded) for them to be reaped."""

    def wait() -> list[int]:
        alive = []
        for pid in pids:
            try:
                proc = psutil.Process(pid)
                proc.wait(10)
            except psutil.NoSuchProcess:
                continue
            except psutil.TimeoutExpired:
                alive.append(pid)
        return alive

    return await asyncio.to_thread(wait)


async def test_aclose_leaves_no_orphans() -> None:
    # servers of earlier tests in this process (e.g. a kernel's) are not this manager's
    earlier = {
        p.pid for p in server_children("mcp_stdio_server.py") + server_children("mcpchat_ext.demo.server")
    }
    mgr = MCPConnectionManager(tool_timeout=1.0, connect_timeout=20.0, max_output_chars=100)
    specs = [fake_stdio_spec("one"), fake_stdio_spec("two"), demo_spec()]
    tools = by_name(await mgr.get_tools(specs))
    pids = [int(str((await call(tools[f"{n}_whoami"])).content)) for n in ("one", "two")]
    children = [
        p
        for p in server_children("mcp_stdio_server.py") + server_children("mcpchat_ext.demo.server")
        if p.pid not in earlier
    ]
    assert {p.pid for p in children} >= set(pids)
    assert len(children) == 3
    # a call that is still running when the manager closes
    running = asyncio.create_task(call(tools["one_sleep"], seconds=600))
    await asyncio.sleep(0.2)

    await mgr.aclose()
    assert await _gone([p.pid for p in children]) == []
    assert [p for p in server_children("mcp_stdio_server.py") if p.pid not in earlier] == []
    assert [p for p in server_children("mcpchat_ext.demo.server") if p.pid not in earlier] == []
    with pytest.raises(ToolException):
        await running
    assert mgr.statuses() == []
    # a closed manager starts nothing
    status = await mgr.connect(fake_stdio_spec("late"))
    assert status.state == "error" and status.error == "the connection manager is closed"
    assert [p for p in server_children("mcp_stdio_server.py") if p.pid not in earlier] == []
    await mgr.aclose()  # idempotent


async def test_aclose_while_a_server_is_starting() -> None:
    mgr = MCPConnectionManager(tool_timeout=1.0, connect_timeout=30.0, max_output_chars=100)
    starting = asyncio.create_task(
        mgr.connect(python_spec("slow", "import time; time.sleep(120)  # slow-start-marker"))
    )
    for _ in range(200):
        if server_children("slow-start-marker"):
            break
        await asyncio.sleep(0.05)
    assert server_children("slow-start-marker")
    assert mgr.status("slow").state == "connecting"
    await mgr.aclose()
    status = await asyncio.wait_for(starting, 30)
    assert status.state != "ready"
    assert await _gone([p.pid for p in server_children("slow-start-marker")]) == []
