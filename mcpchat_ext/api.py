"""Python API for notebooks and scripts: the same engine as the Jupyter extension, no server needed.

    from mcpchat_ext import api

    client = await api.connect()                    # offline demo model unless OPENAI_API_KEY is set
    chat = await client.new_chat(servers=["demo"])
    async for frame in chat.send("what is 2 plus 3?"):
        print(frame.type, frame)
    for call in await chat.pending():               # tool calls waiting for your approval
        print(call.name, call.args)
    async for frame in chat.approve_all():           # or chat.reject_all("not now"), chat.decide([...])
        ...
    reply = await chat.ask("add 4 and 5", approve=True)   # run to the end, approving every call
    print(reply.text)

Frames are the models of :mod:`mcpchat_ext.protocol`. Conversations live in the same SQLite files
as the server extension's (``MCPCHAT_DATA_DIR`` or the Jupyter data dir), so they show up in the
JupyterLab panel too.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from . import protocol as p
from .config import EngineConfig, local_user
from .engine import Engine
from .users.workspace import UserWorkspace

_engine: Engine | None = None
_engine_lock = asyncio.Lock()

Approver = bool | Callable[[p.PendingCall], "p.Decision | bool | Awaitable[p.Decision | bool]"]


async def get_engine(config: EngineConfig | None = None) -> Engine:
    """The process-wide engine (created from the environment on first use)."""
    global _engine
    async with _engine_lock:
        if _engine is None:
            _engine = Engine(config or EngineConfig.from_env())
        elif config is not None and config is not _engine.config:
            raise RuntimeError("the engine is already running with another config; call shutdown()")
    await _engine.start()
    return _engine


async def get_workspace(user: str | None = None, config: EngineConfig | None = None) -> UserWorkspace:
    engine = await get_engine(config)
    return await engine.workspace(user or local_user())


async def connect(user: str | None = None, **config: Any) -> Client:
    """A :class:`Client` for ``user``; keyword arguments override EngineConfig fields."""
    cfg = EngineConfig.from_env(**config) if config else None
    return Client(await get_workspace(user, cfg))


async def shutdown() -> None:
    """Stop every MCP server and close the databases of this process's engine."""
    global _engine
    async with _engine_lock:
        engine, _engine = _engine, None
    if engine is not None:
        await engine.aclose()


def approve(call_id: str, args: dict[str, Any] | None = None) -> p.Decision:
    """Approve a call, optionally with edited arguments."""
    if args is None:
        return p.Decision(call_id=call_id, action="approve")
    return p.Decision(call_id=call_id, action="edit", args=args)


def reject(call_id: str, reason: str = "") -> p.Decision:
    return p.Decision(call_id=call_id, action="reject", reason=reason or None)


@dataclass
class Reply:
    """What :meth:`Chat.ask` returns: the final text and every frame of the turn."""

    text: str
    frames: list[BaseModel] = field(default_factory=list)
    error: p.ErrorFrame | None = None

    @property
    def tool_results(self) -> list[p.ChatMessage]:
        return [f.message for f in self.frames if isinstance(f, p.ToolResultFrame)]


class Chat:
    """One conversation."""

    def __init__(self, workspace: UserWorkspace, info: p.ChatInfo) -> None:
        self._workspace = workspace
        self.info = info

    @property
    def id(self) -> str:
        return self.info.id

    def __repr__(self) -> str:
        return f"<Chat {self.id} {self.info.title!r} servers={self.info.servers}>"

    def send(self, text: str) -> AsyncIterator[BaseModel]:
        """Send a message; yields frames until the reply is done or tool calls await approval."""
        return self._workspace.turns.stream(self.id, text=text)

    def decide(self, decisions: list[p.Decision]) -> AsyncIterator[BaseModel]:
        """Decide every pending call (see :func:`approve`, :func:`reject`); yields the resumed turn."""
        return self._workspace.turns.stream(self.id, decisions=decisions)

    async def approve_all(self) -> AsyncIterator[BaseModel]:
        decisions = [approve(c.id) for c in await self.pending()]
        async for frame in self.decide(decisions):
            yield frame

    async def reject_all(self, reason: str = "") -> AsyncIterator[BaseModel]:
        decisions = [reject(c.id, reason) for c in await self.pending()]
        async for frame in self.decide(decisions):
            yield frame

    async def pending(self) -> list[p.PendingCall]:
        return (await self._workspace.history(self.id, limit=1)).pending

    async def history(self) -> list[p.ChatMessage]:
        page = await self._workspace.history(self.id, offset=0, limit=1000)
        return page.messages

    async def ask(self, text: str, *, approve: Approver = False) -> Reply:
        """Run a whole turn. ``approve``: True approves every call, False rejects every call, or a
        function of the pending call returning a Decision or a bool (may be async)."""
        frames: list[BaseModel] = []
        stream = self.send(text)
        while True:
            pending: list[p.PendingCall] = []
            async for frame in stream:
                frames.append(frame)
                if isinstance(frame, p.ApprovalRequiredFrame):
                    pending = frame.calls
                elif isinstance(frame, p.ErrorFrame):
                    return Reply(text="", frames=frames, error=frame)
            if not pending:
                break
            decisions = [await _decide(approve, call) for call in pending]
            stream = self.decide(decisions)
        done = [f for f in frames if isinstance(f, p.DoneFrame)]
        message = done[-1].message if done else None
        return Reply(text=message.content if message else "", frames=frames)

    async def stop(self) -> bool:
        return await self._workspace.turns.stop(self.id)

    async def rename(self, title: str) -> None:
        self.info = await self._workspace.update_chat(self.id, p.UpdateChat(title=title))

    async def set_servers(self, servers: list[str]) -> None:
        self.info = await self._workspace.update_chat(self.id, p.UpdateChat(servers=servers))

    async def delete(self) -> None:
        await self._workspace.delete_chat(self.id)


async def _decide(approver: Approver, call: p.PendingCall) -> p.Decision:
    if isinstance(approver, bool):
        return approve(call.id) if approver else reject(call.id, "rejected by the program")
    verdict = approver(call)
    if asyncio.iscoroutine(verdict) or isinstance(verdict, Awaitable):
        verdict = await verdict
    if isinstance(verdict, p.Decision):
        return verdict
    return approve(call.id) if verdict else reject(call.id, "rejected by the program")


class Client:
    """One user's chats and MCP servers."""

    def __init__(self, workspace: UserWorkspace) -> None:
        self.workspace = workspace

    @property
    def user(self) -> str:
        return self.workspace.user

    @property
    def model(self) -> p.ModelInfo:
        return self.workspace.model_info

    async def chats(self) -> list[Chat]:
        return [Chat(self.workspace, c) for c in await self.workspace.list_chats()]

    async def new_chat(self, title: str | None = None, servers: list[str] | None = None) -> Chat:
        info = await self.workspace.create_chat(p.CreateChat(title=title, servers=servers))
        return Chat(self.workspace, info)

    async def chat(self, chat_id: str) -> Chat:
        return Chat(self.workspace, await self.workspace.get_chat(chat_id))

    async def servers(self) -> list[p.ServerStatus]:
        return await self.workspace.servers.statuses()

    async def add_server(self, spec: p.ServerSpec | None = None, **fields: Any) -> p.ServerStatus:
        return await self.workspace.servers.add(spec or p.ServerSpec(**fields))

    async def import_servers(self, doc: dict[str, Any], *, replace: bool = False) -> list[p.ServerStatus]:
        """Import a Claude Desktop ``{"mcpServers": {...}}`` document."""
        servers = doc.get("mcpServers", doc)
        return await self.workspace.servers.import_config(
            p.ImportServers(mcpServers=servers, replace=replace)
        )

    async def remove_server(self, name: str) -> None:
        await self.workspace.servers.remove(name)

    async def connect_server(self, name: str) -> p.ServerStatus:
        return await self.workspace.servers.connect(name)
