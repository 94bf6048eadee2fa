"""Specs of the edge-case server (tests/fakes/mcp_edge_server.py) over stdio, HTTP and SSE."""

from __future__ import annotations

import sys

from mcpchat_ext.protocol import ServerSpec
from tests.fakes.mcp_http_server import HttpServer
from tests.mcp_servers.specs import FAKES

EDGE_MODULE = "tests.fakes.mcp_edge_server"


def edge_spec(name: str = "edge", env: dict[str, str] | None = None) -> ServerSpec:
    args = [str(FAKES / "mcp_edge_server.py")]
    return ServerSpec(name=name, command=sys.executable, args=args, env=env or {})


def edge_specs(http: HttpServer) -> dict[str, ServerSpec]:
    """The same server over every transport, each under the name ``edge``."""
    return {
        "stdio": edge_spec(),
        "streamable_http": ServerSpec(name="edge", transport="streamable_http", url=http.mcp_url),
        "sse": ServerSpec(name="edge", transport="sse", url=http.sse_url),
    }
