"""MCPConnectionManager: one user's persistent MCP sessions, one dedicated task per server.

``connect`` (re)starts a server and never raises for server failures: the status says what went
wrong. ``get_tools`` connects what is not ready, checks that ready sessions still answer (a crashed
server is reconnected), and returns each tool with its identity (:class:`ToolInfo`); the chat's
:class:`~mcpchat_ext.agent.toolset.Toolset` gives them their model-facing names.
"""

from __future__ import annotations

import asyncio

from langchain_core.tools import BaseTool, ToolException

from ..errors import BadRequest
from ..protocol import ServerSpec, ServerStatus, ToolInfo
from .specs import validate_spec
from .tools import make_tool
from .worker import ServerWorker


class MCPConnectionManager:
    def __init__(
        self,
        *,
        tool_timeout: float,
        connect_timeout: float,
        max_output_chars: int,
        health_interval: float | None = 30.0,
    ) -> None:
        """``health_interval``: ping idle sessions this often so a dead server shows as error."""
        self.tool_timeout = tool_timeout
        self.health_interval = health_interval
        self.connect_timeout = connect_timeout
        self.max_output_chars = max_output_chars
        self._workers: dict[str, ServerWorker] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._tools: dict[str, tuple[ServerWorker, list[tuple[ToolInfo, BaseTool]]]] = {}
        self._closed = False

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
        if old is not None:
            await old.stop()
        worker = ServerWorker(spec, health_interval=self.health_interval)
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
        return worker

    async def disconnect(self, name: str) -> None:
        # no lock: a connect() waiting for this server to start must not delay the stop
        worker = self._workers.pop(name, None)
        self._tools.pop(name, None)
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
            return ServerStatus(name=name, state="disconnected")
        tools = list(worker.infos) if worker.state == "ready" else []
        return ServerStatus(name=name, state=worker.state, error=worker.error, tools=tools)

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
        if cached is not None and cached[0] is worker:
            return cached[1]
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
        self._tools[worker.name] = (worker, tools)
        return tools

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
