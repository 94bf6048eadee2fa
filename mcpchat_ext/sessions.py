"""Per-user state: one :class:`UserSession` per authenticated user, held in a :class:`SessionRegistry`.

A session owns the user's chats (scoped queries of the store), their MCP servers
(:class:`~mcpchat_ext.user_servers.UserServers`), their running turns
(:class:`~mcpchat_ext.turns.TurnManager`) and the fan-out of frames to every connection of the user.
Sessions idle for ``idle_timeout`` seconds (no turn running, no subscriber) are closed, which stops
their MCP server processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from . import protocol as p
from .agent import runner
from .connections import MCPConnectionManager
from .errors import BadRequest
from .fanout import Fanout, Subscriber
from .turns import DEFAULT_TITLE, TurnManager
from .user_servers import UserServers

if TYPE_CHECKING:
    from .engine import Engine

log = logging.getLogger("mcpchat_ext")


class UserSession:
    """Everything one user does: chats, MCP servers, turns. Every call is scoped to ``user``."""

    def __init__(self, engine: Engine, user: str) -> None:
        self.engine = engine
        self.user = user
        cfg = engine.config
        self._fanout = Fanout()
        self.connections: MCPConnectionManager = MCPConnectionManager(
            tool_timeout=cfg.tool_timeout,
            connect_timeout=cfg.connect_timeout,
            max_output_chars=cfg.max_output_chars,
        )
        self.servers: UserServers = UserServers(
            user=user,
            store=engine.store,
            catalog=engine.catalog,
            connections=self.connections,
            broadcast=self.broadcast,
        )
        self.turns: TurnManager = TurnManager(self)
        self.last_used = time.monotonic()

    # -- bookkeeping ------------------------------------------------------------------------

    @property
    def store(self) -> Any:
        return self.engine.store

    @property
    def busy(self) -> bool:
        return bool(self._fanout) or self.turns.any_running

    def touch(self) -> None:
        self.last_used = time.monotonic()

    def subscribe(self, send: Subscriber) -> None:
        self._fanout.subscribe(send)
        self.touch()

    def unsubscribe(self, send: Subscriber) -> None:
        self._fanout.unsubscribe(send)
        self.touch()

    async def broadcast(self, frame: BaseModel) -> None:
        await self._fanout.broadcast(frame)

    def settings(self) -> p.Settings:
        cfg = self.engine.config
        return p.Settings(
            model=self.engine.model_info,
            tool_timeout=cfg.tool_timeout,
            max_output_chars=cfg.max_output_chars,
            user=self.user,
        )

    # -- chats ------------------------------------------------------------------------------

    def _with_pending(self, chat: p.ChatInfo) -> p.ChatInfo:
        return chat.model_copy(update={"pending_approval": self.turns.is_pending(chat.id)})

    async def list_chats(self) -> list[p.ChatInfo]:
        return [self._with_pending(c) for c in await self.store.list_chats(self.user)]

    async def get_chat(self, chat_id: str) -> p.ChatInfo:
        return self._with_pending(await self.store.get_chat(self.user, chat_id))

    async def create_chat(self, body: p.CreateChat) -> p.ChatInfo:
        if body.servers is None:
            servers = [s.name for s in await self.servers.specs() if s.enabled]
        else:
            servers = await self.servers.check_names(body.servers)
        chat: p.ChatInfo = await self.store.create_chat(self.user, body.title or DEFAULT_TITLE, servers)
        await self.chats_changed()
        return chat

    async def update_chat(self, chat_id: str, body: p.UpdateChat) -> p.ChatInfo:
        servers = None if body.servers is None else await self.servers.check_names(body.servers)
        chat: p.ChatInfo = await self.store.update_chat(self.user, chat_id, title=body.title, servers=servers)
        await self.chats_changed()
        return chat

    async def delete_chat(self, chat_id: str) -> None:
        await self.store.get_chat(self.user, chat_id)  # NotFound before touching anything
        await self.turns.stop(chat_id, quiet=True)
        thread_id = await self.store.delete_chat(self.user, chat_id)
        await runner.delete_thread(self.engine.checkpointer, thread_id)
        self.turns.forget(chat_id)
        await self.chats_changed()

    async def history(self, chat_id: str, *, offset: int | None = None, limit: int = 200) -> p.HistoryPage:
        if limit < 1 or limit > 1000 or (offset is not None and offset < 0):
            raise BadRequest("limit must be 1..1000 and offset >= 0")
        chat = await self.get_chat(chat_id)
        thread_id = await self.store.thread_id(self.user, chat_id)
        state = await runner.load_state(self.engine.graph, thread_id)
        messages = runner.messages_in(state)
        pending = runner.pending_in(state, self.connections.tool_info)
        if pending and any(c.input_schema == {} for c in pending):
            # The approval card's edit form needs the tool schemas: connect the chat's servers.
            await self.servers.tools_for(chat)
            pending = runner.pending_in(state, self.connections.tool_info)
        self.turns.set_pending(chat_id, bool(pending))
        total = len(messages)
        start = max(0, total - limit) if offset is None else min(offset, total)
        return p.HistoryPage(
            chat=chat.model_copy(update={"pending_approval": bool(pending)}),
            messages=messages[start : start + limit],
            total=total,
            offset=start,
            pending=pending,
        )

    async def chats_changed(self) -> None:
        await self.broadcast(p.ChatsChangedFrame(chats=await self.list_chats()))

    # -- lifecycle --------------------------------------------------------------------------

    async def aclose(self) -> None:
        await self.turns.aclose()
        await self.servers.aclose()


class SessionRegistry:
    """user -> UserSession; closes sessions idle longer than ``idle_timeout`` seconds."""

    def __init__(self, engine: Engine, *, idle_timeout: float) -> None:
        self.engine = engine
        self.idle_timeout = idle_timeout
        self._sessions: dict[str, UserSession] = {}
        self._lock = asyncio.Lock()
        self._reaper: asyncio.Task[None] | None = None

    def __contains__(self, user: str) -> bool:
        return user in self._sessions

    async def get(self, user: str) -> UserSession:
        if not user:
            raise BadRequest("no user")
        async with self._lock:
            session = self._sessions.get(user)
            if session is None:
                await self.engine.store.ensure_user(user)
                session = self._sessions[user] = UserSession(self.engine, user)
            if self._reaper is None and self.idle_timeout > 0:
                self._reaper = asyncio.create_task(self._reap_forever(), name="mcpchat-reaper")
        session.touch()
        return session

    async def reap(self) -> list[str]:
        """Close idle sessions now; returns the users whose sessions were closed."""
        now = time.monotonic()
        async with self._lock:
            idle = [
                u for u, s in self._sessions.items() if not s.busy and now - s.last_used >= self.idle_timeout
            ]
            closing = [self._sessions.pop(u) for u in idle]
        for session in closing:
            log.info("closing idle mcpchat session of %s", session.user)
            await session.aclose()
        return idle

    async def _reap_forever(self) -> None:
        interval = max(1.0, min(self.idle_timeout / 4, 60.0))
        while True:
            await asyncio.sleep(interval)
            try:
                await self.reap()
            except Exception:
                log.exception("reaping idle sessions failed")

    async def aclose(self) -> None:
        if self._reaper is not None:
            self._reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reaper
            self._reaper = None
        async with self._lock:
            sessions, self._sessions = list(self._sessions.values()), {}
        await asyncio.gather(*(s.aclose() for s in sessions), return_exceptions=True)
