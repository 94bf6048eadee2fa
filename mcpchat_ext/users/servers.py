"""One user's MCP servers: the administrator's catalog plus their own, and their live connections.

Specs come from the catalog (read-only) and the store (the user's own); the persistent sessions
are the user's :class:`~mcpchat_ext.mcp_servers.manager.MCPConnectionManager`. Every change is announced
with a ``servers_changed`` frame, and so is any (re)connection a turn caused.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from pydantic import BaseModel

from .. import protocol as p
from ..agent.toolset import Toolset
from ..errors import BadRequest, Conflict, MCPServerError
from ..mcp_servers.limits import check_import_size
from ..mcp_servers.log_redaction import SecretLogFilter
from ..mcp_servers.manager import MCPConnectionManager
from ..mcp_servers.redact import mask_spec, redact_text
from ..mcp_servers.specs import parse_claude_config, restore_secrets, validate_spec
from ..store import Store
from .visitors import VisitorPolicy

Broadcast = Callable[[BaseModel], Awaitable[None]]


class UserServers:
    def __init__(
        self,
        *,
        user: str,
        store: Store,
        catalog: list[p.ServerSpec],
        connections: MCPConnectionManager,
        broadcast: Broadcast,
        log_filter: SecretLogFilter | None = None,
        visitors: VisitorPolicy | None = None,
    ) -> None:
        """``log_filter`` learns the secrets of every server started, to keep them out of the log;
        ``visitors`` says whether this user may run stdio servers of their own (None: yes)."""
        self.user = user
        self._visitors = visitors
        self.store = store
        self.catalog = catalog
        self.connections = connections
        self._broadcast = broadcast
        self._log_filter = log_filter
        # one servers_changed at a time: each reads the list after the one before it was sent, so
        # a list read before a change never arrives after the list that has it
        self._changed_lock = asyncio.Lock()
        self._renamed: list[Callable[[], Awaitable[None]]] = []
        connections.listen(self._server_changed)

    def on_renamed(self, listener: Callable[[], Awaitable[None]]) -> None:
        """Call ``listener()`` after a server of the user was renamed or removed (the store has
        rewritten or dropped it in the chats)."""
        self._renamed.append(listener)

    async def _tell_renamed(self) -> None:
        for listener in self._renamed:
            await listener()

    # -- specs ------------------------------------------------------------------------------

    async def specs(self) -> list[p.ServerSpec]:
        """Catalog servers first, then the user's own."""
        return [*self.catalog, *await self.store.list_servers(self.user)]

    def _catalog_names(self) -> set[str]:
        return {s.name for s in self.catalog}

    async def spec(self, name: str) -> p.ServerSpec:
        for spec in self.catalog:
            if spec.name == name:
                return spec
        return await self.store.get_server(self.user, name)

    async def check_names(self, names: list[str]) -> list[str]:
        """``names`` without duplicates; BadRequest naming any unknown server."""
        known = {s.name for s in await self.specs()}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise BadRequest(f"unknown MCP server(s): {', '.join(unknown)}")
        return list(dict.fromkeys(names))

    def _guard_catalog(self, name: str) -> None:
        if name in self._catalog_names():
            raise Conflict(f"'{name}' is provided by the administrator's catalog and cannot be changed")

    # -- status -----------------------------------------------------------------------------

    def _status(self, spec: p.ServerSpec) -> p.ServerStatus:
        """What clients see: secrets masked in the spec and removed from the error."""
        status = self.connections.status(spec.name)
        source = "catalog" if spec.name in self._catalog_names() else "user"
        error = None if status.error is None else redact_text(status.error, spec)
        update = {"spec": mask_spec(spec), "source": source, "error": error}
        if self._visitors is not None and not self._may_run(spec) and status.state == "disconnected":
            update |= {"state": "error", "error": self._visitors.refusal(spec.name)}
        return status.model_copy(update=update)

    def _may_run(self, spec: p.ServerSpec) -> bool:
        """Whether this user may start ``spec`` (a visitor's own stdio server may be refused)."""
        if self._visitors is None or spec.transport != "stdio" or spec.name in self._catalog_names():
            return True
        return self._visitors.may_run_commands

    def _check_visitor(self, specs: list[p.ServerSpec]) -> None:
        for spec in specs:
            if spec.transport == "builtin":
                raise BadRequest(
                    f"MCP server '{spec.name}': built-in servers come with the Jupyter server "
                    "and cannot be added or changed"
                )
        if self._visitors is not None:
            self._visitors.check(specs)

    def _remember(self, specs: list[p.ServerSpec]) -> None:
        if self._log_filter is not None:
            for spec in specs:
                self._log_filter.remember(spec)

    async def statuses(self) -> list[p.ServerStatus]:
        return [self._status(s) for s in await self.specs()]

    async def status(self, name: str) -> p.ServerStatus:
        return self._status(await self.spec(name))

    async def _server_changed(self, name: str) -> None:
        """A server crashed or lost its connection: every client sees it at once."""
        await self._changed()

    async def _changed(self) -> None:
        async with self._changed_lock:
            await self._broadcast(p.ServersChangedFrame(servers=await self.statuses()))

    # -- changes ----------------------------------------------------------------------------

    async def add(self, spec: p.ServerSpec, *, connect: bool = True) -> p.ServerStatus:
        spec = validate_spec(spec)
        self._guard_catalog(spec.name)
        self._check_visitor([spec])
        self._remember([spec])
        await self.store.add_server(self.user, spec)
        status = await self.connect(spec.name) if connect else self._status(spec)
        await self._changed()
        return status

    async def update(self, name: str, spec: p.ServerSpec) -> p.ServerStatus:
        self._guard_catalog(name)
        self._guard_catalog(spec.name)
        self._check_visitor([spec])
        # the client only ever saw masked secrets: keep the stored values where it sent "***"
        spec = validate_spec(restore_secrets(spec, await self.store.get_server(self.user, name)))
        self._remember([spec])
        await self.store.update_server(self.user, name, spec)
        await self.connections.disconnect(name)
        status = await self.connect(spec.name) if spec.enabled else self._status(spec)
        if spec.name != name:
            await self._tell_renamed()
        await self._changed()
        return status

    async def remove(self, name: str) -> None:
        self._guard_catalog(name)
        await self.store.remove_server(self.user, name)
        await self.store.roots.set(self.user, name, None)
        await self.connections.disconnect(name)
        self.connections.forget_roots(name)
        await self._tell_renamed()
        await self._changed()

    async def import_config(self, body: p.ImportServers) -> list[p.ServerStatus]:
        """Claude Desktop ``mcpServers``: all or nothing; existing names need ``replace``."""
        check_import_size(len(body.mcpServers))
        specs = [validate_spec(s) for s in parse_claude_config({"mcpServers": body.mcpServers})]
        for spec in specs:
            self._guard_catalog(spec.name)
        self._check_visitor(specs)
        self._remember(specs)
        existing = {s.name for s in await self.store.list_servers(self.user)}
        clashes = [s.name for s in specs if s.name in existing]
        if clashes and not body.replace:
            raise Conflict(f"server(s) already exist: {', '.join(clashes)} (pass replace=true)")
        for spec in specs:
            if spec.name in existing:
                await self.store.update_server(self.user, spec.name, spec)
                await self.connections.disconnect(spec.name)
            else:
                await self.store.add_server(self.user, spec)
        statuses = await asyncio.gather(*(self.connect(s.name) for s in specs))
        return list(statuses)

    # -- connections ------------------------------------------------------------------------

    async def connect(self, name: str) -> p.ServerStatus:
        """(Re)start the server's persistent session; failures show in the status."""
        spec = await self.spec(name)
        if not self._may_run(spec):
            self._check_visitor([spec])
        self._remember([spec])
        await self.connections.connect(spec)
        status = self._status(spec)
        await self._changed()
        return status

    async def tools(self, name: str) -> list[p.ToolInfo]:
        """The server's tools, connecting it first if needed."""
        status = await self.status(name)
        if status.state != "ready":
            status = await self.connect(name)
        if status.state == "error":
            raise MCPServerError(f"MCP server '{name}' is not available: {status.error}")
        return status.tools

    async def _ready(self, name: str) -> None:
        """NotFound for a server the user does not have; connects it when it is not ready."""
        spec = await self.spec(name)
        if not self._may_run(spec):
            self._check_visitor([spec])
        if self.connections.status(name).state != "ready":
            await self.connect(name)

    async def read_resource(self, name: str, uri: str) -> list[p.ResourceContent]:
        """Read a resource of one of the user's servers (e.g. a tool result's resource link)."""
        await self._ready(name)
        return await self.connections.read_resource(name, uri)

    async def resources(self, name: str) -> p.ResourceList:
        await self._ready(name)
        return await self.connections.list_resources(name)

    async def prompts(self, name: str) -> list[p.PromptInfo]:
        await self._ready(name)
        return await self.connections.list_prompts(name)

    async def prompt(self, name: str, prompt: str, arguments: dict[str, str]) -> list[p.PromptMessage]:
        await self._ready(name)
        return await self.connections.get_prompt(name, prompt, arguments)

    async def tools_for(self, chat: p.ChatInfo) -> Toolset:
        """The tools of the chat's enabled servers (connecting or reconnecting as needed)."""
        offered = await self.specs() if chat.servers else []  # (no query for a chat without servers)
        chosen = [s for s in offered if s.name in chat.servers and s.enabled]
        specs = [s for s in chosen if self._may_run(s)]  # (a refused one shows why in its status)
        self._remember(specs)
        before = self._status_keys()
        tools = await self.connections.get_tools(specs)
        if self._status_keys() != before:  # (re)connections happened: tell the clients
            await self._changed()
        return Toolset(tools, instructions=self.connections.instructions([s.name for s in specs]))

    async def set_roots(self, name: str, roots: list[str]) -> p.ServerStatus:
        """Offer ``roots`` (absolute directories) to the server as the client's roots."""
        spec = await self.spec(name)  # NotFound for a server the user does not have
        await self.connections.set_roots(name, roots)
        await self.store.roots.set(self.user, name, self.connections.roots_of(name))
        await self._changed()
        return self._status(spec)

    async def load_roots(self) -> None:
        """Offer each server the roots the user chose for it (kept in the store)."""
        self.connections.load_roots(await self.store.roots.get(self.user))

    async def log(self, name: str) -> list[p.ServerLogEntry]:
        """The server's logging messages (its current session), secrets redacted."""
        spec = await self.spec(name)  # NotFound for a server the user does not have
        entries = self.connections.log(name)
        return [e.model_copy(update={"text": redact_text(e.text, spec)}) for e in entries]

    def _status_keys(self) -> list[tuple[str, str, str | None, int]]:
        return [(s.name, s.state, s.error, len(s.tools)) for s in self.connections.statuses()]

    async def aclose(self) -> None:
        await self.connections.aclose()
