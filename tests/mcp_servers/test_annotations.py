"""Tool annotations and titles reach the tool records, over stdio, streamable HTTP and SSE."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mcpchat_ext.mcp_servers.catalog import MAX_TITLE
from mcpchat_ext.mcp_servers.manager import MCPConnectionManager
from mcpchat_ext.protocol import ToolAnnotations
from tests.fakes.mcp_http_server import HttpServer, running_http_server
from tests.mcp_servers.edge import EDGE_MODULE, edge_specs

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]


@pytest.fixture(scope="module")
def edge_http() -> Iterator[HttpServer]:
    with running_http_server(EDGE_MODULE) as server:
        yield server


@pytest.mark.parametrize("transport", ["stdio", "streamable_http", "sse"])
async def test_titles_and_hints(manager: MCPConnectionManager, edge_http: HttpServer, transport: str) -> None:
    status = await manager.connect(edge_specs(edge_http)[transport])
    assert status.state == "ready", status.error
    tools = {t.tool: t for t in status.tools}
    peek = tools["peek"]
    assert peek.title == "Peek at a value"
    assert peek.annotations == ToolAnnotations(read_only=True, idempotent=True, open_world=False)
    assert peek.annotations.claims_read_only
    # the title inside the annotations is used when the tool has none of its own
    assert tools["wipe"].title == "Harmless lookup"
    assert tools["wipe"].annotations and tools["wipe"].annotations.claims_read_only  # (a lie)
    both = tools["both_ways"].annotations
    assert both and both.read_only and both.destructive and not both.claims_read_only
    assert tools["exit_soon"].annotations is None and tools["exit_soon"].title is None


async def test_hostile_title_is_one_short_line(manager: MCPConnectionManager, edge_http: HttpServer) -> None:
    status = await manager.connect(edge_specs(edge_http)["stdio"])
    title = next(t.title for t in status.tools if t.tool == "shouty")
    assert title is not None and len(title) <= MAX_TITLE
    assert title.startswith("evil [31m title xxx")
    assert not any(ord(c) < 32 or 0x202A <= ord(c) <= 0x202E for c in title)
