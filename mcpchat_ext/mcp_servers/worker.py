"""One persistent MCP session, held open by one dedicated asyncio task.

The task opens the session (see stdio_session.open_session), loads the tools, and
then waits until it is told to stop; the session is closed in the same task that opened it (anyio
cancel scopes demand this). Tool calls from other tasks go through :meth:`ServerWorker.call`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import httpx
from mcp import ClientSession, McpError, types
from mcp.shared.session import ProgressFnT
from pydantic import AnyUrl

from ..agent.toolset import model_names
from ..protocol import ServerSpec, ServerState, ToolInfo
from .catalog import list_tools, split_task_only, tool_info
from .events import ServerEvents, clean_instructions
from .inprocess import BuiltinServer
from .redact import redact_text
from .roots import Roots
from .server_requests import Asker, ServerRequests
from .specs import to_connection
from .stderr import StderrTail
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


async def _ignore(progress: float, total: float | None, message: str | None) -> None:
    """Every call asks for progress (a token is sent); with no one to tell, it is dropped."""


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


def with_stderr(message: str, stderr: str) -> str:
    """``message`` followed by the tail of the server's stderr, when it said anything."""
    return f"{message}; its stderr ends with:\n{stderr}" if stderr else message


def describe_error(exc: BaseException, spec: ServerSpec, stderr: str = "") -> str:
    """A clear message for a failure to start or use ``spec`` (with the tail of its stderr)."""
    return with_stderr(_describe(_leaf(exc), spec), stderr)


def _describe(exc: BaseException, spec: ServerSpec) -> str:
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

    def __init__(
        self,
        spec: ServerSpec,
        *,
        health_interval: float | None = None,
        on_change: Callable[[str], None] | None = None,
        roots: list[str] | None = None,
        builtin: BuiltinServer | None = None,
    ) -> None:
        """``on_change(name)``: the state changed by itself (the server crashed or went away);
        ``builtin``: makes the server of a ``builtin`` spec (see inprocess.py)."""
        self.spec = spec
        self.builtin = builtin
        self._on_change = on_change
        self._stderr = StderrTail(spec.name) if spec.transport == "stdio" else None
        self._exited = asyncio.Event()  # the stdio process's stdout closed
        self.events = ServerEvents()  # its logging messages; "tools changed"
        self.roots = Roots(roots or [])
        self.requests = ServerRequests(spec.name)  # its elicitation and sampling requests
        self.instructions: str | None = None
        self.capabilities: types.ServerCapabilities | None = None
        self.notes: list[str] = []  # e.g. task-only tools, hidden from the model
        self.version = 0  # +1 whenever its tool list was listed again
        self.offerings = 0  # +1 whenever it said its resource or prompt list changed
        self.events.on_offerings = self._offerings_changed
        self.health_interval = health_interval  # ping the idle session this often (None: never)
        self.state: ServerState = "connecting"
        self.error: str | None = None
        self.tools: list[types.Tool] = []  # as the server lists them
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
            kwargs = {
                **self.events.session_kwargs(),
                **self.requests.session_kwargs(),
                "list_roots_callback": self.roots.callback,
            }
            connection = {**to_connection(self.spec), "session_kwargs": kwargs}
            async with open_session(
                connection, stderr=self._stderr, on_exit=self._exited.set, builtin=self.builtin
            ) as session:
                init = await session.initialize()
                self.instructions = clean_instructions(init.instructions)
                self.capabilities = init.capabilities
                await self._list_tools(session)
                self._session = session
                self.state = "ready"
                self.error = None
                self._started.set()
                await self._watch()
        except asyncio.CancelledError:
            if self.state in ("connecting", "ready"):
                self.state = "disconnected"
        except Exception as exc:  # any failure of the server becomes its status
            if self.state != "error":
                tail = await self._stderr.settled() if self._stderr is not None else ""
                if self.state == "ready":
                    self.fail(f"connection lost: {describe_error(exc, self.spec, tail)}")
                    self._changed()
                else:
                    self.fail(describe_error(exc, self.spec, tail))
            log.info("MCP server %s ended: %s", self.name, redact_text(repr(exc), self.spec))
        finally:
            self._session = None
            if self._stderr is not None:
                self._stderr.close()
            if self.state in ("connecting", "ready"):
                if self._stop.is_set():
                    self.state = "disconnected"
                else:  # the session ended by itself
                    self.fail("the session ended unexpectedly")
            self._started.set()
            self._ended.set()

    async def _list_tools(self, session: ClientSession) -> None:
        tools, self.notes = split_task_only(await list_tools(session))
        names = model_names((self.name, t.name) for t in tools)
        self.infos = [tool_info(t, self.name, names[(self.name, t.name)]) for t in tools]
        self.tools = tools
        self.version += 1

    async def _refresh(self, session: ClientSession) -> None:
        """The server said its tools changed: list them again (without reconnecting)."""
        self.events.refresh.clear()
        try:
            await asyncio.wait_for(self._list_tools(session), 30)
        except (asyncio.TimeoutError, McpError) as exc:
            self.events.add("warning", f"listing the changed tools failed: {describe_error(exc, self.spec)}")
            return
        self._changed()

    async def _watch(self) -> None:
        """Hold the session until stopped; a stdio process that exits is noticed at once (its
        stdout closes), other servers by a ping every health interval."""
        while not self._stop.is_set():
            stop = asyncio.ensure_future(self._stop.wait())
            exited = asyncio.ensure_future(self._exited.wait())
            changed = asyncio.ensure_future(self.events.refresh.wait())
            try:
                done, _ = await asyncio.wait(
                    {stop, exited, changed}, timeout=self.health_interval, return_when="FIRST_COMPLETED"
                )
            finally:
                stop.cancel()
                exited.cancel()
                changed.cancel()
            if self._stop.is_set():
                return
            if self.events.refresh.is_set() and not self._exited.is_set() and self._session is not None:
                await self._refresh(self._session)
                continue
            if self._exited.is_set():
                tail = await self._stderr.settled() if self._stderr is not None else ""
                if self.state == "ready":
                    self.fail(with_stderr("the server process exited", tail))
                self._changed()  # (a call that saw the crash first marked it failed)
                return
            if not done and not await self.ping(min(self.health_interval or 5.0, 5.0)):
                self._changed()

    def _offerings_changed(self) -> None:
        """Clients list resources and prompts again when they see the count change."""
        self.offerings += 1
        self._changed()

    def _changed(self) -> None:
        if self._on_change is not None:
            try:
                self._on_change(self.name)
            except Exception:  # a listener's failure is not the server's
                log.debug("server state listener failed", exc_info=True)

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
        if self.requests.answering:  # it asked the user something: it is there, but cannot answer
            return True
        try:
            await self._race(session.send_ping(), seconds)
        except CallTimeout:
            self.fail(f"server stopped answering (no reply to ping within {seconds:g} s)")
            return False
        except (ServerGone, McpError, *_TRANSPORT_ERRORS) as exc:
            self.fail(f"connection lost: {describe_error(exc, self.spec)}")
            return False
        return True

    async def call(
        self,
        tool: str,
        arguments: dict[str, Any],
        seconds: float,
        progress: ProgressFnT | None = None,
        asker: Asker | None = None,
    ) -> types.CallToolResult:
        """Call ``tool``; ServerGone if the session dies, CallTimeout (request cancelled). When the
        caller is cancelled (Stop), the server is told to cancel the request too. ``progress``
        gets the server's progress notifications (the request carries a progress token);
        ``asker`` brings the server's elicitation and sampling requests to the call's user (the
        time the user takes is not counted in ``seconds``)."""
        session = self._session
        if self.state != "ready" or session is None:
            raise ServerGone(self.error or "not connected")
        sent: list[int] = []

        async def send() -> types.CallToolResult:
            # call_tool takes the session's next request id in this same step, before its first
            # await (tests/test_private_apis.py checks this private attribute)
            sent.append(getattr(session, "_request_id", -1))
            return await session.call_tool(tool, arguments, progress_callback=progress or _ignore)

        try:
            with self.requests.during(asker):
                result: types.CallToolResult = await self._race(send(), seconds, asker)
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

    async def read_resource(self, uri: str, seconds: float) -> types.ReadResourceResult:
        """``resources/read`` of ``uri``; ServerGone, CallTimeout or McpError like :meth:`call`."""
        result: types.ReadResourceResult = await self.request(lambda s: s.read_resource(AnyUrl(uri)), seconds)
        return result

    async def request(self, send: Callable[[ClientSession], Awaitable[Any]], seconds: float) -> Any:
        """Any request on the session (``send(session)``); errors like :meth:`call`."""
        session = self._session
        if self.state != "ready" or session is None:
            raise ServerGone(self.error or "not connected")
        try:
            return await self._race(send(session), seconds)
        except _TRANSPORT_ERRORS as exc:
            self.fail(f"connection lost: {describe_error(exc, self.spec)}")
            raise ServerGone(self.error) from exc

    async def _race(self, coro: Any, seconds: float, asker: Asker | None = None) -> Any:
        """Await ``coro`` unless the session ends first (ServerGone) or time runs out (the time
        ``asker``'s user takes to answer the server's requests does not count)."""
        call = asyncio.ensure_future(coro)
        ended = asyncio.ensure_future(self._ended.wait())
        loop = asyncio.get_running_loop()
        start, wait = loop.time(), seconds
        try:
            while True:
                done, _ = await asyncio.wait({call, ended}, timeout=wait, return_when="FIRST_COMPLETED")
                if done or asker is None:
                    break
                # time is up, less what the user took: wait on while they answer, or for the rest
                left = start + seconds + asker.waited - loop.time()
                if not asker.asking and left <= 0:
                    break
                wait = max(left, 1.0)
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
