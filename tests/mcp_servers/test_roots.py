"""Roots: every server is offered the configured root; the user changes them per server; a
server asking ``roots/list`` gets what the status shows. stdio and streamable HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mcpchat_ext.errors import BadRequest
from mcpchat_ext.mcp_servers.manager import MCPConnectionManager
from tests.fakes.mcp_http_server import HttpServer, running_http_server
from tests.mcp_servers.calls import by_name, call
from tests.mcp_servers.edge import EDGE_MODULE, edge_specs

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]


@pytest.fixture(scope="module")
def edge_http() -> Iterator[HttpServer]:
    with running_http_server(EDGE_MODULE) as server:
        yield server


@pytest.mark.parametrize("transport", ["stdio", "streamable_http"])
async def test_roots_are_offered_and_changeable(
    tmp_path: Path, edge_http: HttpServer, transport: str
) -> None:
    home = tmp_path / "notebooks"
    mgr = MCPConnectionManager(
        tool_timeout=10.0, connect_timeout=20.0, max_output_chars=1000, roots=[str(home)]
    )
    try:
        spec = edge_specs(edge_http)[transport]
        status = await mgr.connect(spec)
        assert status.roots == [str(home)]
        tools = by_name(await mgr.get_tools([spec]))
        assert (await call(tools["edge_my_roots"])).content == home.as_uri()
        other = tmp_path / "data dir"
        await mgr.set_roots("edge", [str(other), str(home) + "/", str(other)])
        assert mgr.status("edge").roots == [str(other), str(home)]
        assert (await call(tools["edge_my_roots"])).content == f"{other.as_uri()}\n{home.as_uri()}"
        with pytest.raises(BadRequest, match="absolute directory path"):
            await mgr.set_roots("edge", ["relative/path"])
        with pytest.raises(BadRequest, match="at most 20"):
            await mgr.set_roots("edge", [f"/r{i}" for i in range(21)])
        # a restart keeps the user's roots
        await mgr.connect(spec)
        tools = by_name(await mgr.get_tools([spec]))
        assert (await call(tools["edge_my_roots"])).content.startswith(other.as_uri())
    finally:
        await mgr.aclose()
