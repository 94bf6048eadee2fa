"""MCP sessions with servers that run inside this process (built-in servers, e.g. ``jupyter``).

A built-in server is an MCP SDK low-level ``Server`` made for one user; the client and the server
talk over the SDK's in-memory streams, in a task group owned by the task that opens the session
(the :class:`~.worker.ServerWorker`'s own task), so the session behaves like any other: the same
tool wrapping, approval, timeouts, cancellation and output caps. No port, no extra process.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
from mcp import ClientSession
from mcp.server.lowlevel import Server
from mcp.shared.memory import create_client_server_memory_streams

# makes a fresh server for one session of one user
BuiltinServer = Callable[[], "Server[Any, Any]"]


@contextlib.asynccontextmanager
async def builtin_session(make_server: BuiltinServer, **session_kwargs: Any) -> AsyncIterator[ClientSession]:
    """A ClientSession (not yet initialised) connected to a fresh ``make_server()``."""
    server = make_server()
    async with create_client_server_memory_streams() as (client_streams, server_streams):
        client_read, client_write = client_streams
        server_read, server_write = server_streams
        async with anyio.create_task_group() as tg:
            tg.start_soon(
                lambda: server.run(
                    server_read,
                    server_write,
                    server.create_initialization_options(),
                    raise_exceptions=False,
                )
            )
            try:
                async with ClientSession(client_read, client_write, **session_kwargs) as session:
                    yield session
            finally:
                tg.cancel_scope.cancel()
