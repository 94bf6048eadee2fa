"""A real FastMCP server for tests, over stdio (``python tests/fakes/mcp_stdio_server.py``).

Tools: echo, add, sleep (simulates a hang; cancellable), in_flight (how many sleeps run now),
crash (the process dies without a reply), huge (a long output), fail (an MCP tool error),
whoami (the server's PID: proves that calls share one persistent process).
"""

from __future__ import annotations

import asyncio
import os
import sys

# skip jsonschema's optional rfc3987-syntax grammar build (~0.8 s per server start); unused here
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

from mcp.server.fastmcp import FastMCP  # noqa: E402


def build_server(name: str = "fake", **settings: object) -> FastMCP:
    settings.setdefault("log_level", "WARNING")
    mcp = FastMCP(name, **settings)  # type: ignore[arg-type]
    running = {"sleeps": 0}

    @mcp.tool()
    def echo(text: str) -> str:
        """Return the text unchanged."""
        return text

    @mcp.tool()
    def add(a: float, b: float) -> float:
        """Add two numbers."""
        return a + b

    @mcp.tool()
    async def sleep(seconds: float) -> str:
        """Sleep for the given number of seconds (a hanging tool)."""
        running["sleeps"] += 1
        try:
            await asyncio.sleep(seconds)
        finally:
            running["sleeps"] -= 1
        return f"slept {seconds}"

    @mcp.tool()
    def in_flight() -> int:
        """How many sleep calls are running right now."""
        return running["sleeps"]

    @mcp.tool()
    def crash() -> str:
        """Kill the server process without answering."""
        sys.stdout.flush()
        os._exit(1)

    @mcp.tool()
    def huge(n_chars: int) -> str:
        """Return n_chars characters."""
        return ("0123456789" * (n_chars // 10 + 1))[:n_chars]

    @mcp.tool()
    def fail(message: str) -> str:
        """Raise an error inside the tool."""
        raise ValueError(message)

    @mcp.tool()
    def whoami() -> int:
        """The PID of the server process."""
        return os.getpid()

    return mcp


if __name__ == "__main__":
    build_server().run("stdio")
