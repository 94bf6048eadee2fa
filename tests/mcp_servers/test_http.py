"""Persistent sessions over streamable HTTP and SSE; a server that goes away is reported."""

from __future__ import annotations

import pytest
from langchain_core.tools import ToolException

from mcpchat_ext.mcp_servers.manager import MCPConnectionManager
from mcpchat_ext.protocol import ServerSpec
from tests.fakes.mcp_http_server import HttpServer, start_http_server
from tests.mcp_servers.calls import by_name, call

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(90)]


def http_spec(server: HttpServer, transport: str) -> ServerSpec:
    url = server.mcp_url if transport == "streamable_http" else server.sse_url
    return ServerSpec(name="web", transport=transport, url=url)  # type: ignore[arg-type]


@pytest.mark.parametrize("transport", ["streamable_http", "sse"])
async def test_http_tools(manager: MCPConnectionManager, http_server: HttpServer, transport: str) -> None:
    spec = http_spec(http_server, transport)
    status = await manager.connect(spec)
    assert status.state == "ready", status.error
    tools = by_name(await manager.get_tools([spec]))
    assert tools["web_add"].metadata == {"server": "web", "tool": "add"}
    assert (await call(tools["web_add"], a=1, b=2)).content == "3.0"
    assert (await call(tools["web_whoami"])).content == str(http_server.process.pid)
    huge = await call(tools["web_huge"], n_chars=1000)
    assert huge.artifact["truncated"] is True
    assert str(huge.content).endswith("[output truncated: showed 200 of 1000 chars]")
    with pytest.raises(ToolException, match=r"web_fail reported an error: .*nope"):
        await call(tools["web_fail"], message="nope")


@pytest.mark.parametrize("transport", ["streamable_http", "sse"])
async def test_http_timeout_cancels_request(http_server: HttpServer, transport: str) -> None:
    spec = http_spec(http_server, transport)
    mgr = MCPConnectionManager(tool_timeout=1.0, connect_timeout=20.0, max_output_chars=100)
    try:
        tools = by_name(await mgr.get_tools([spec]))
        with pytest.raises(ToolException, match="timed out after 1 s"):
            await call(tools["web_sleep"], seconds=600)
        assert (await call(tools["web_echo"], text="alive")).content == "alive"
        assert mgr.status("web").state == "ready"
    finally:
        await mgr.aclose()


@pytest.mark.parametrize("transport", ["streamable_http", "sse"])
async def test_http_server_going_down(transport: str) -> None:
    server = start_http_server()
    mgr = MCPConnectionManager(tool_timeout=3.0, connect_timeout=5.0, max_output_chars=100)
    try:
        spec = http_spec(server, transport)
        tools = by_name(await mgr.get_tools([spec]))
        assert (await call(tools["web_echo"], text="up")).content == "up"
        server.stop()
        with pytest.raises(ToolException):
            await call(tools["web_echo"], text="down")
        assert await mgr.get_tools([spec]) == []
        status = mgr.status("web")
        assert status.state == "error"
        assert status.error == f"cannot reach {spec.url}: connection refused or host unknown"
    finally:
        await mgr.aclose()
        server.stop()
