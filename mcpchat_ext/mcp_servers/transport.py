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
from collections.abc import AsyncIterator, Callable
from typing import Any, TextIO

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream
from langchain_mcp_adapters.sessions import create_session
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from .inprocess import BuiltinServer, builtin_session
from .stderr import StderrTail

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
async def watched(
    source: MemoryObjectReceiveStream[Any], on_end: Callable[[], None]
) -> AsyncIterator[MemoryObjectReceiveStream[Any]]:
    """``source`` passed through; ``on_end()`` is called when it ends by itself (the server's
    stdout closed: the process exited), not when the session is closed from here."""
    send, receive = anyio.create_memory_object_stream[Any](0)

    async def forward() -> None:
        with contextlib.suppress(anyio.ClosedResourceError, anyio.BrokenResourceError):
            async with send:
                async for item in source:
                    await send.send(item)
        on_end()

    async with anyio.create_task_group() as tg:
        tg.start_soon(forward)
        try:
            yield receive
        finally:
            tg.cancel_scope.cancel()


@contextlib.asynccontextmanager
async def open_session(
    connection: dict[str, Any],
    *,
    stderr: StderrTail | None = None,
    on_exit: Callable[[], None] | None = None,
    builtin: BuiltinServer | None = None,
) -> AsyncIterator[ClientSession]:
    """An MCP ClientSession (not yet initialised) for a langchain-mcp-adapters connection dict.

    For stdio: ``stderr`` captures the process's stderr (else it goes to this process's), and
    ``on_exit()`` is called as soon as the process's stdout closes (it exited or crashed).
    ``builtin`` makes the server of a ``builtin`` connection (one running in this process)."""
    if connection.get("transport") == "builtin":
        if builtin is None:
            raise RuntimeError(f"the built-in server '{connection.get('name')}' is not available here")
        async with builtin_session(builtin, **(connection.get("session_kwargs") or {})) as session:
            yield session
        return
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
    errlog = await stderr.open() if stderr is not None else server_errlog()
    try:
        async with stdio_client(params, errlog=errlog) as (read, write):
            if stderr is not None:
                stderr.spawned()  # EOF on the pipe now means the process is gone
            async with (
                watched(read, on_exit or (lambda: None)) as messages,
                ClientSession(messages, write, **(connection.get("session_kwargs") or {})) as session,
            ):
                yield session
    finally:
        if stderr is not None:
            stderr.spawned()
