"""One persistent MCP session, held open by one dedicated asyncio task.

The task opens the session (see stdio_session.open_session), loads the tools, and
then waits until it is told to stop; the session is closed in the same task that opened it (anyio
cancel scopes demand this). Tool calls from other tasks go through :meth:`ServerWorker.call`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import anyio
import httpx
from langchain_core.tools import BaseTool
from langchain_mcp_adapters.tools import load_mcp_tools
from mcp import ClientSession, McpError, types

from ..agent.toolset import model_names
from ..protocol import ServerSpec, ServerState, ToolInfo
from .redact import redact_text
from .specs import to_connection
from .transport import open_session

log = logging.getLogger(__name__)

# errors of a session whose transport is gone (the server crashed or became unreachable)
_TRANSPORT_ERRORS = (
    anyio.ClosedResourceError,
    anyio.BrokenResourceError,
    anyio.EndOfStream,
    BrokenPipeError,
    ConnectionError,
    httpx.TransportError,
)
CONNECTION_CLOSED = -32000


class ServerGone(Exception):
    """The session of a server ended (crash, unreachable) while a call was waiting."""


class CallTimeout(Exception):
    """A tool call did not answer in time (the MCP request was cancelled)."""


def _leaf(exc: BaseException) -> BaseException:
    inner = getattr(exc, "exceptions", None)  # an (anyio) exception group: report its first error
    while isinstance(inner, list | tuple) and inner and isinstance(inner[0], BaseException):
        exc = inner[0]
        inner = getattr(exc, "exceptions", None)
    return exc


def describe_error(exc: BaseException, spec: ServerSpec) -> str:
    """A clear one-line message for a failure to start or use ``spec``."""
    exc = _leaf(exc)
    if isinstance(exc, FileNotFoundError):
        return f"cannot start command {spec.command!r}: executable not found"
    if isinstance(exc, PermissionError):
        return f"cannot start command {spec.command!r}: permission denied"
    if isinstance(exc, httpx.ConnectError):
        return f"cannot reach {spec.url}: connection refused or host unknown"
    if isinstance(exc, httpx.HTTPStatusError):
        return f"{spec.url} answered HTTP {exc.response.status_code}"
    if isinstance(exc, httpx.TransportError):
        return f"connection to {spec.url} failed: {type(exc).__name__}: {exc}"
    if isinstance(exc, McpError):
        if exc.error.code == CONNECTION_CLOSED:
            what = "process exited" if spec.transport == "stdio" else "connection closed"
            return f"server {what} during the MCP handshake (is it an MCP server?)"
        return f"MCP error: {exc.error.message}"
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if str(exc) else text


class ServerWorker:
    """The persistent session of one server; state ``connecting`` → ``ready`` → ``error``."""

    def __init__(self, spec: ServerSpec, *, health_interval: float | None = None) -> None:
        self.spec = spec
        self.health_interval = health_interval  # ping the idle session this often (None: never)
        self.state: ServerState = "connecting"
        self.error: str | None = None
        self.tools: list[BaseTool] = []  # the adapter's tools: names, descriptions, schemas
        self.infos: list[ToolInfo] = []
        self._session: ClientSession | None = None
        self._started = asyncio.Event()
        self._stop = asyncio.Event()
        self._ended = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def name(self) -> str:
        return self.spec.name

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"mcp-session-{self.name}")

    async def wait_started(self, seconds: float) -> None:
        """Wait until ready or failed; after ``seconds`` the start is abandoned (state error)."""
        try:
            await asyncio.wait_for(self._started.wait(), seconds)
        except asyncio.TimeoutError:
            self.fail(f"server did not finish starting within {seconds:g} s")
            await self.stop(grace=0)

    async def _run(self) -> None:
        try:
            async with open_session(to_connection(self.spec)) as session:
                await session.initialize()
                tools = await load_mcp_tools(session, server_name=self.name, tool_name_prefix=False)
                self._session = session
                self.tools = tools
                names = model_names((self.name, t.name) for t in tools)
                self.infos = [self._info(t, names[(self.name, t.name)]) for t in tools]
                self.state = "ready"
                self.error = None
                self._started.set()
                await self._watch()
        except asyncio.CancelledError:
            if self.state in ("connecting", "ready"):
                self.state = "disconnected"
        except Exception as exc:  # any failure of the server becomes its status
            if self.state != "error":
                if self.state == "ready":
                    self.fail(f"connection lost: {describe_error(exc, self.spec)}")
                else:
                    self.fail(describe_error(exc, self.spec))
            log.info("MCP server %s ended: %s", self.name, redact_text(repr(exc), self.spec))
        finally:
            self._session = None
            if self.state in ("connecting", "ready"):
                if self._stop.is_set():
                    self.state = "disconnected"
                else:  # the session ended by itself
                    self.fail("the session ended unexpectedly")
            self._started.set()
            self._ended.set()

    async def _watch(self) -> None:
        """Hold the session until stopped; with a health interval, notice a dead server early."""
        while not self._stop.is_set():
            try:
                await asyncio.wait_for(self._stop.wait(), self.health_interval)
            except asyncio.TimeoutError:
                await self.ping(min(self.health_interval or 5.0, 5.0))

    def _info(self, tool: BaseTool, name: str) -> ToolInfo:
        """``name``: the tool's model-facing name among this server's tools (a chat with other
        servers may name it differently, see agent/toolset.py)."""
        schema = tool.args_schema if isinstance(tool.args_schema, dict) else {}
        return ToolInfo(
            name=name,
            server=self.name,
            tool=tool.name,
            description=tool.description,
            input_schema=schema,
        )

    def fail(self, message: str) -> None:
        """Mark the server broken; the session is torn down and reconnected on next use."""
        self.state = "error"
        self.error = redact_text(message, self.spec)  # servers echo credentials in their errors
        self._stop.set()

    async def stop(self, grace: float = 10.0) -> None:
        """Close the session (in its own task) and wait for it; cancel it after ``grace`` s."""
        self._stop.set()
        task = self._task
        if task is None or task.done():
            return
        if self.state == "connecting" or self._session is None:
            grace = 0  # still starting: nothing to close gracefully
        try:
            await asyncio.wait_for(asyncio.shield(self._ended.wait()), grace)
        except asyncio.TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, 10.0)

    async def ping(self, seconds: float) -> bool:
        """Whether the ready session still answers; a dead one is marked failed."""
        session = self._session
        if self.state != "ready" or session is None:
            return False
        try:
            await self._race(session.send_ping(), seconds)
        except CallTimeout:
            self.fail(f"server stopped answering (no reply to ping within {seconds:g} s)")
            return False
        except (ServerGone, McpError, *_TRANSPORT_ERRORS) as exc:
            self.fail(f"connection lost: {describe_error(exc, self.spec)}")
            return False
        return True

    async def call(self, tool: str, arguments: dict[str, Any], seconds: float) -> types.CallToolResult:
        """Call ``tool``; ServerGone if the session dies, CallTimeout (request cancelled). When the
        caller is cancelled (Stop), the server is told to cancel the request too."""
        session = self._session
        if self.state != "ready" or session is None:
            raise ServerGone(self.error or "not connected")
        sent: list[int] = []

        async def send() -> types.CallToolResult:
            # call_tool takes the session's next request id in this same step, before its first
            # await (tests/test_private_apis.py checks this private attribute)
            sent.append(getattr(session, "_request_id", -1))
            return await session.call_tool(tool, arguments)

        try:
            result: types.CallToolResult = await self._race(send(), seconds)
            return result
        except CallTimeout:
            if sent and sent[0] >= 0:
                await self._cancel_request(session, sent[0], "timeout")
            raise
        except asyncio.CancelledError:
            if sent and sent[0] >= 0:
                await asyncio.shield(self._cancel_request(session, sent[0], "cancelled by the user"))
            raise
        except McpError as exc:
            if exc.error.code == CONNECTION_CLOSED:
                self.fail(f"connection lost during a call of '{tool}'")
                raise ServerGone(self.error) from exc
            raise
        except _TRANSPORT_ERRORS as exc:
            self.fail(f"connection lost: {describe_error(exc, self.spec)}")
            raise ServerGone(self.error) from exc

    async def _race(self, coro: Any, seconds: float) -> Any:
        """Await ``coro`` unless the session ends first (ServerGone) or time runs out."""
        call = asyncio.ensure_future(coro)
        ended = asyncio.ensure_future(self._ended.wait())
        try:
            done, _ = await asyncio.wait({call, ended}, timeout=seconds, return_when="FIRST_COMPLETED")
        except asyncio.CancelledError:
            call.cancel()
            ended.cancel()
            raise
        ended.cancel()
        if call in done:
            return call.result()
        call.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await call
        if ended in done:
            raise ServerGone(self.error or "the session ended")
        raise CallTimeout

    async def _cancel_request(self, session: ClientSession, request_id: int, reason: str) -> None:
        note = types.CancelledNotification(
            params=types.CancelledNotificationParams(requestId=request_id, reason=reason)
        )
        with contextlib.suppress(Exception):
            await asyncio.wait_for(session.send_notification(types.ClientNotification(note)), 5)
