"""Open an MCP client session, giving stdio servers a stderr that has a file descriptor.

The MCP SDK hands ``sys.stderr`` to the server process as its stderr. Inside a Jupyter kernel (or
under pytest) ``sys.stderr`` may be a Python object without a file descriptor, and starting the
process then fails with ``UnsupportedOperation: fileno``; langchain-mcp-adapters offers no way to
pass another one, so stdio sessions are opened here with a stream that works.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import AsyncIterator
from typing import Any, TextIO

from langchain_mcp_adapters.sessions import create_session
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

_devnull: TextIO | None = None


def server_errlog() -> TextIO:
    """The first of sys.stderr, sys.__stderr__ that has a real file descriptor, else /dev/null."""
    global _devnull
    for stream in (sys.stderr, sys.__stderr__):
        if stream is None:
            continue
        try:
            stream.fileno()
        except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
            continue
        return stream
    if _devnull is None:
        _devnull = open(os.devnull, "w")  # kept open for the process's life
    return _devnull


@contextlib.asynccontextmanager
async def open_session(connection: dict[str, Any]) -> AsyncIterator[ClientSession]:
    """An MCP ClientSession (not yet initialised) for a langchain-mcp-adapters connection dict."""
    if connection.get("transport") != "stdio":
        async with create_session(connection) as session:  # type: ignore[arg-type]
            yield session
        return
    params = StdioServerParameters(
        command=connection["command"],
        args=list(connection.get("args") or []),
        env=connection.get("env"),
        cwd=connection.get("cwd"),
    )
    async with (
        stdio_client(params, errlog=server_errlog()) as (read, write),
        ClientSession(read, write, **(connection.get("session_kwargs") or {})) as session,
    ):
        yield session
