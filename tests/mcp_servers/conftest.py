"""Fixtures of the MCP connection tests: real FastMCP servers over stdio, streamable HTTP and SSE."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from mcpchat_ext.mcp_servers.manager import MCPConnectionManager
from mcpchat_ext.protocol import ServerSpec
from tests.fakes.mcp_http_server import HttpServer, running_http_server
from tests.mcp_servers.specs import fake_stdio_spec


@pytest.fixture
def fake_spec() -> ServerSpec:
    return fake_stdio_spec()


@pytest_asyncio.fixture
async def manager() -> AsyncIterator[MCPConnectionManager]:
    mgr = MCPConnectionManager(tool_timeout=5.0, connect_timeout=20.0, max_output_chars=200)
    try:
        yield mgr
    finally:
        await mgr.aclose()


@pytest.fixture(scope="module")
def http_server() -> Iterator[HttpServer]:
    with running_http_server() as server:
        yield server
