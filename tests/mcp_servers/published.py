"""Where the published MCP servers are: npm ones under tests/published/node_modules
(``npm install --prefix tests/published``), PyPI ones in their own virtualenv ``.venv-published``
(``pip install -r tests/published/requirements.txt``: they need mcp 2, the chat's adapters mcp 1).
.ci/run installs both; without them the tests skip, saying what to run."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mcpchat_ext.mcp_servers.manager import MCPConnectionManager
from mcpchat_ext.protocol import ServerSpec

ROOT = Path(__file__).resolve().parents[2]
NPM = ROOT / "tests" / "published" / "node_modules" / "@modelcontextprotocol"
PY_BIN = ROOT / ".venv-published" / "bin"


def npm_server(name: str, package: str, *args: str, env: dict[str, str] | None = None) -> ServerSpec:
    script = NPM / package / "dist" / "index.js"
    node = shutil.which("node")
    if node is None or not script.exists():
        pytest.skip(
            f"@modelcontextprotocol/{package} is not installed: run `npm install --prefix tests/published`"
        )
    return ServerSpec(name=name, command=node, args=[str(script), *args], env=env or {})


def pypi_server(name: str, command: str, *args: str) -> ServerSpec:
    exe = PY_BIN / command
    if not exe.exists():
        pytest.skip(
            f"{command} is not installed: run `python -m venv .venv-published && "
            ".venv-published/bin/pip install -r tests/published/requirements.txt`"
        )
    return ServerSpec(name=name, command=str(exe), args=list(args))


@contextlib.asynccontextmanager
async def manager(roots: list[str] | None = None) -> AsyncIterator[MCPConnectionManager]:
    mgr = MCPConnectionManager(tool_timeout=30.0, connect_timeout=60.0, max_output_chars=20_000, roots=roots)
    try:
        yield mgr
    finally:
        await mgr.aclose()
