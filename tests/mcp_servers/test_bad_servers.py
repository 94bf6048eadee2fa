"""Bad configurations and broken servers end up in the status with a clear message; nothing raises."""

from __future__ import annotations

import pytest

from mcpchat_ext.mcp_servers.manager import MCPConnectionManager
from mcpchat_ext.protocol import ServerSpec
from tests.fakes.ports import free_port
from tests.mcp_servers.calls import by_name, call
from tests.mcp_servers.specs import python_spec, server_children

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]


async def test_missing_command(manager: MCPConnectionManager) -> None:
    status = await manager.connect(ServerSpec(name="nocmd", transport="stdio"))
    assert status.state == "error"
    assert status.error == "MCP server 'nocmd': a stdio server needs a 'command'"


async def test_nonexistent_executable(manager: MCPConnectionManager) -> None:
    spec = ServerSpec(name="ghost", command="/nonexistent/mcp-server-ghost", args=["--x"])
    status = await manager.connect(spec)
    assert status.state == "error"
    assert status.error == "cannot start command '/nonexistent/mcp-server-ghost': executable not found"
    assert status.tools == []


async def test_process_that_exits_at_once(manager: MCPConnectionManager) -> None:
    status = await manager.connect(python_spec("quitter", "import sys; sys.exit(3)"))
    assert status.state == "error"
    assert status.error is not None and "exited during the MCP handshake" in status.error


async def test_not_an_mcp_server(manager: MCPConnectionManager) -> None:
    status = await manager.connect(python_spec("chatty", "print('hello, I am not MCP')"))
    assert status.state == "error" and status.error


async def test_hanging_server_times_out_without_orphans() -> None:
    mgr = MCPConnectionManager(tool_timeout=5.0, connect_timeout=1.0, max_output_chars=100)
    try:
        status = await mgr.connect(python_spec("sleeper", "import time; time.sleep(120)  # hang-marker"))
        assert status.state == "error"
        assert status.error == "server did not finish starting within 1 s"
        assert server_children("hang-marker") == []
    finally:
        await mgr.aclose()


async def test_http_server_not_listening(manager: MCPConnectionManager) -> None:
    url = f"http://127.0.0.1:{free_port()}/mcp"
    for transport in ("streamable_http", "sse"):
        spec = ServerSpec(name=f"down-{transport}".replace("_", "-"), transport=transport, url=url)
        status = await manager.connect(spec)
        assert status.state == "error", transport
        assert status.error == f"cannot reach {url}: connection refused or host unknown", transport


async def test_bad_url(manager: MCPConnectionManager) -> None:
    status = await manager.connect(ServerSpec(name="badurl", transport="sse", url="ftp://x/y"))
    assert status.state == "error"
    assert status.error == "MCP server 'badurl': 'url' must be an http(s) URL, got 'ftp://x/y'"


async def test_get_tools_skips_broken_servers(manager: MCPConnectionManager, fake_spec: ServerSpec) -> None:
    ghost = ServerSpec(name="ghost", command="/nonexistent/ghost")
    tools = by_name(await manager.get_tools([fake_spec, ghost]))
    assert tools and all(name.startswith("fake_") for name in tools)
    assert (await call(tools["fake_echo"], text="ok")).content == "ok"
    assert {s.name: s.state for s in manager.statuses()} == {"fake": "ready", "ghost": "error"}
    # a broken server is retried on the next use, and still reports its error
    await manager.get_tools([ghost])
    assert manager.status("ghost").error is not None
