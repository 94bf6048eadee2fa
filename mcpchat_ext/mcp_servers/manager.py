"""MCPConnectionManager: one user's persistent MCP sessions, one dedicated task per server.

``connect`` (re)starts a server and never raises for server failures: the status says what went
wrong. ``get_tools`` connects what is not ready, checks that ready sessions still answer (a crashed
server is reconnected), and returns each tool with its identity (:class:`ToolInfo`); the chat's
:class:`~mcpchat_ext.agent.toolset.Toolset` gives them their model-facing names.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from langchain_core.tools import BaseTool, ToolException
from mcp import ClientSession, McpError
from pydantic import AnyUrl

from ..errors import BadRequest, MCPServerError
from ..protocol import (
    PromptInfo,
    PromptMessage,
    ResourceContent,
    ResourceList,
    ServerLogEntry,
    ServerSpec,
    ServerStatus,
    ToolInfo,
)
from .inprocess import BuiltinServer
from .offerings import list_prompts, list_resources, prompt_messages
from .resources import resource_contents
from .roots import check_roots
from .specs import validate_spec
from .tools import make_tool
from .worker import CallTimeout, ServerGone, ServerWorker

log = logging.getLogger(__name__)

# told the name of a server whose state changed by itself (crash, lost connection)
Listener = Callable[[str], Awaitable[None]]
# told (server, uri) of a subscribed resource its server says changed
UpdateListener = Callable[[str, str], None]


class MCPConnectionManager:
    def __init__(
        self,
        *,
        tool_timeout: float,
        connect_timeout: float,
        max_output_chars: int,
        health_interval: float | None = 30.0,
        roots: list[str] | None = None,
        builtins: Mapping[str, BuiltinServer] | None = None,
    ) -> None:
        """``health_interval``: ping idle sessions this often so a dead server shows as error;
        ``roots``: the directories every server is offered as the client's roots (mcp_servers/roots.py);
        ``builtins``: the servers of ``builtin`` specs, by name (see inprocess.py)."""
        self.default_roots = list(roots or [])
        self._roots: dict[str, list[str]] = {}  # per server, set by the user
        self.builtins = dict(builtins or {})
        self.tool_timeout = tool_timeout
        self.health_interval = health_interval
        self.connect_timeout = connect_timeout
        self.max_output_chars = max_output_chars
        self._workers: dict[str, ServerWorker] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        # per server: (worker, its tool list version, the tools)
        self._tools: dict[str, tuple[ServerWorker, int, list[tuple[ToolInfo, BaseTool]]]] = {}
        self._closed = False
        self._listeners: list[Listener] = []
        self._notices: set[asyncio.Task[None]] = set()
        # per server: the URIs whose updates are wanted (every session of it subscribes to them),
        # and those its current session is subscribed to
        self._subscribed: dict[str, set[str]] = {}
        self._live: dict[str, set[str]] = {}
        self._on_update: UpdateListener | None = None

    def listen(self, listener: Listener) -> None:
        """Call ``listener(name)`` when a server's state changes by itself (it crashed, its
        connection was lost): a crashed stdio server shows as failed within a second."""
        self._listeners.append(listener)

    def _notify(self, name: str) -> None:
        for listener in self._listeners:
            task = asyncio.create_task(self._tell(listener, name))
            self._notices.add(task)
            task.add_done_callback(self._notices.discard)

    @staticmethod
    async def _tell(listener: Listener, name: str) -> None:
        try:
            await listener(name)
        except Exception:  # a failing listener must not break the session's task
            log.debug("server state listener failed", exc_info=True)

    def _lock(self, name: str) -> asyncio.Lock:
        return self._locks.setdefault(name, asyncio.Lock())

    # -- lifecycle --------------------------------------------------------------------------

    async def connect(self, spec: ServerSpec) -> ServerStatus:
        """(Re)start the persistent session of ``spec``; failures end up in the status."""
        async with self._lock(spec.name):
            await self._restart(spec)
        return self.status(spec.name)

    async def _restart(self, spec: ServerSpec) -> ServerWorker:
        old = self._workers.pop(spec.name, None)
        self._tools.pop(spec.name, None)
        self._live.pop(spec.name, None)
        if old is not None:
            await old.stop()
        builtin = self.builtins.get(spec.name) if spec.transport == "builtin" else None
        worker = ServerWorker(
            spec,
            health_interval=self.health_interval,
            on_change=self._notify,
            roots=self.roots_of(spec.name),
            builtin=builtin,
        )
        worker.events.on_updated = lambda uri: self._updated(spec.name, uri)
        self._workers[spec.name] = worker
        if self._closed:
            worker.fail("the connection manager is closed")
            return worker
        try:
            validate_spec(spec)
        except BadRequest as exc:
            worker.fail(str(exc))
            return worker
        worker.start()
        await worker.wait_started(self.connect_timeout)
        await self._subscribe_again(worker)
        return worker

    async def disconnect(self, name: str) -> None:
        # no lock: a connect() waiting for this server to start must not delay the stop
        worker = self._workers.pop(name, None)
        self._tools.pop(name, None)
        self._live.pop(name, None)
        if worker is not None:
            await worker.stop()

    async def aclose(self) -> None:
        """Stop every session (stdio processes end with them)."""
        self._closed = True
        await asyncio.gather(*(self.disconnect(n) for n in list(self._workers)))

    # -- status -----------------------------------------------------------------------------

    def status(self, name: str) -> ServerStatus:
        worker = self._workers.get(name)
        if worker is None:
            return ServerStatus(name=name, state="disconnected", roots=self.roots_of(name))
        ready = worker.state == "ready"
        return ServerStatus(
            name=name,
            state=worker.state,
            error=worker.error,
            tools=list(worker.infos) if ready else [],
            instructions=worker.instructions if ready else None,
            notes=list(worker.notes) if ready else [],
            roots=self.roots_of(name),
            offerings=worker.offerings,
        )

    def roots_of(self, name: str) -> list[str]:
        return list(self._roots.get(name, self.default_roots))

    def load_roots(self, saved: Mapping[str, list[str]]) -> None:
        """The roots chosen before (the store's), for servers not started yet; bad ones dropped."""
        for name, paths in saved.items():
            with contextlib.suppress(BadRequest):
                self._roots[name] = check_roots(paths)

    def forget_roots(self, name: str) -> None:
        """A removed server: the next one of that name gets the default roots."""
        self._roots.pop(name, None)

    async def set_roots(self, name: str, paths: list[str]) -> None:
        """Offer ``paths`` as the roots of server ``name`` (a running one is told they changed)."""
        self._roots[name] = check_roots(paths)
        worker = self._workers.get(name)
        if worker is not None:
            worker.roots.paths = self.roots_of(name)
            if worker.state == "ready":
                with contextlib.suppress(Exception):  # a server that does not listen: nothing lost
                    await worker.request(lambda s: s.send_roots_list_changed(), 5.0)

    def instructions(self, names: list[str]) -> dict[str, str]:
        """The instructions of the ready servers among ``names`` (server name -> text)."""
        found = {n: self._workers[n] for n in names if n in self._workers}
        return {n: w.instructions for n, w in found.items() if w.state == "ready" and w.instructions}

    def log(self, name: str) -> list[ServerLogEntry]:
        """The server's logging messages of its current session (oldest first)."""
        worker = self._workers.get(name)
        return list(worker.events.log) if worker is not None else []

    def statuses(self) -> list[ServerStatus]:
        return [self.status(n) for n in sorted(self._workers)]

    # -- tools ------------------------------------------------------------------------------

    async def _ensure(self, spec: ServerSpec) -> ServerWorker:
        """The ready (or failed) worker of ``spec``; reconnects a dead or changed one."""
        async with self._lock(spec.name):
            worker = self._workers.get(spec.name)
            if worker is not None and worker.spec == spec and worker.state == "ready":
                if await worker.ping(min(self.connect_timeout, 5.0)):
                    return worker
            return await self._restart(spec)

    async def get_tools(self, specs: list[ServerSpec]) -> list[tuple[ToolInfo, BaseTool]]:
        """Tools of all ``specs`` with their identities (servers that fail to start contribute none)."""
        workers = await asyncio.gather(*(self._ensure(s) for s in specs))
        tools: list[tuple[ToolInfo, BaseTool]] = []
        for worker in workers:
            if worker.state == "ready":
                tools.extend(self._tools_of(worker))
        return tools

    def _tools_of(self, worker: ServerWorker) -> list[tuple[ToolInfo, BaseTool]]:
        cached = self._tools.get(worker.name)
        if cached is not None and cached[0] is worker and cached[1] == worker.version:
            return cached[2]
        tools = [
            (
                info,
                make_tool(
                    src,
                    info,
                    self._worker_for_call,
                    timeout=self.tool_timeout,
                    max_output_chars=self.max_output_chars,
                ),
            )
            for src, info in zip(worker.tools, worker.infos, strict=True)
        ]
        self._tools[worker.name] = (worker, worker.version, tools)
        return tools

    async def _ask(self, name: str, what: str, send: Callable[[ServerWorker], Awaitable[Any]]) -> Any:
        """``send(worker)`` to server ``name`` (restarted once if it crashed); MCPServerError says
        what failed while doing ``what``."""
        try:
            worker = await self._worker_for_call(name)
            return await send(worker)
        except ToolException as exc:
            raise MCPServerError(str(exc)) from None
        except CallTimeout:
            seconds = f"{self.tool_timeout:g} s"
            raise MCPServerError(f"MCP server '{name}' did not answer within {seconds}") from None
        except ServerGone as exc:
            raise MCPServerError(f"MCP server '{name}' failed while {what}: {exc}") from None
        except McpError as exc:
            raise MCPServerError(f"MCP server '{name}' could not {what}: {exc.error.message}") from None

    async def read_resource(self, name: str, uri: str) -> list[ResourceContent]:
        """Read a resource of server ``name``."""
        result = await self._ask(name, f"read {uri}", lambda w: w.read_resource(uri, self.tool_timeout))
        return resource_contents(result, self.max_output_chars)

    async def list_resources(self, name: str) -> ResourceList:
        return await self._ask(  # type: ignore[no-any-return]
            name,
            "list its resources",
            lambda w: w.request(lambda s: list_resources(s, w.capabilities), self.tool_timeout),
        )

    async def list_prompts(self, name: str) -> list[PromptInfo]:
        return await self._ask(  # type: ignore[no-any-return]
            name,
            "list its prompts",
            lambda w: w.request(lambda s: list_prompts(s, w.capabilities), self.tool_timeout),
        )

    async def get_prompt(self, name: str, prompt: str, arguments: dict[str, str]) -> list[PromptMessage]:
        result = await self._ask(
            name,
            f"fill its prompt {prompt!r}",
            lambda w: w.request(lambda s: s.get_prompt(prompt, arguments), self.tool_timeout),
        )
        return prompt_messages(result, self.max_output_chars)

    # -- resource subscriptions (resources/subscribe) ------------------------------------------

    def on_update(self, listener: UpdateListener) -> None:
        """Call ``listener(server, uri)`` when a subscribed resource changed (from the session's
        receive loop: record and signal only). Updates of URIs not subscribed to are dropped."""
        self._on_update = listener

    def _updated(self, name: str, uri: str) -> None:
        if uri in self._subscribed.get(name, ()) and self._on_update is not None:
            self._on_update(name, uri)

    def can_subscribe(self, name: str) -> bool:
        worker = self._workers.get(name)
        caps = worker.capabilities if worker is not None and worker.state == "ready" else None
        return bool(caps is not None and caps.resources is not None and caps.resources.subscribe)

    async def _subscribe(self, worker: ServerWorker, uri: str, on: bool) -> None:
        def send(s: ClientSession) -> Awaitable[Any]:
            return s.subscribe_resource(AnyUrl(uri)) if on else s.unsubscribe_resource(AnyUrl(uri))

        await worker.request(send, self.tool_timeout)

    def want(self, name: str, uri: str) -> None:
        """Want the updates of ``uri`` of server ``name`` from its next session on (one started
        later subscribes to it: a restart of the server, or of this process)."""
        self._subscribed.setdefault(name, set()).add(uri)

    async def _subscribe_again(self, worker: ServerWorker) -> None:
        """A new session of a server: subscribe to what is wanted of it (each failure logged)."""
        wanted = sorted(self._subscribed.get(worker.name, ()))
        if not wanted or not self.can_subscribe(worker.name):
            return
        live = self._live.setdefault(worker.name, set())
        for uri in wanted:
            try:
                await self._subscribe(worker, uri, True)
            except Exception as exc:  # its updates are missed until the next session
                log.info("MCP server '%s': could not subscribe again to %s: %s", worker.name, uri, exc)
            else:
                live.add(uri)

    async def subscribe(self, name: str, uri: str) -> bool:
        """Want the updates of ``uri`` of server ``name``, in this session and every later one.
        True: its session is subscribed; False: not now (the server does not offer subscriptions,
        or is not ready: a session started later subscribes). MCPServerError when it failed."""
        if uri in self._live.get(name, ()):
            return True
        try:
            if not self.can_subscribe(name):
                return False
            await self._ask(name, f"subscribe to {uri}", lambda w: self._subscribe(w, uri, True))
            self._live.setdefault(name, set()).add(uri)
            return True
        finally:  # (after the ask: a restart in it subscribes to the others, not twice to this one)
            self.want(name, uri)

    async def unsubscribe(self, name: str, uri: str) -> None:
        """Stop the updates of ``uri`` (a server that fails to hear it: its updates are dropped)."""
        self._subscribed.get(name, set()).discard(uri)
        live = self._live.get(name, set())
        if uri not in live:
            return
        live.discard(uri)
        worker = self._workers.get(name)
        if worker is not None and worker.state == "ready":
            with contextlib.suppress(Exception):
                await self._subscribe(worker, uri, False)

    async def _worker_for_call(self, name: str) -> ServerWorker:
        """The worker a tool call goes to; a crashed server is restarted once here."""
        worker = self._workers.get(name)
        if worker is None:
            raise ToolException(f"MCP server '{name}' is not connected")
        if worker.state != "ready":
            async with self._lock(name):
                current = self._workers.get(name)
                if current is None:
                    raise ToolException(f"MCP server '{name}' is not connected")
                worker = current
                if worker.state == "error" and not self._closed:
                    worker = await self._restart(worker.spec)
        if worker.state != "ready":
            raise ToolException(f"MCP server '{name}' is not available: {worker.error}")
        return worker
