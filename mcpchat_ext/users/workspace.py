"""One user's workspace: their chats, MCP servers, turns and connected clients.

A :class:`UserWorkspace` is built by the :class:`~.registry.UserRegistry` from the process-wide
parts (:class:`EngineParts`) and composes the per-user pieces: the fan-out of frames to every
client of the user, the user's MCP servers (:class:`~.servers.UserServers`) and their turns
(:class:`~.turns.TurnManager`). Every query is scoped to ``user``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from langgraph.checkpoint.base import BaseCheckpointSaver
from pydantic import BaseModel

from .. import protocol as p
from ..agent import runner
from ..agent.graph import AgentGraph
from ..config import EngineConfig
from ..errors import BadRequest
from ..mcp_servers.log_redaction import SecretLogFilter
from ..mcp_servers.manager import MCPConnectionManager
from ..store import Store
from .admin_rules import AdminRule
from .fanout import Fanout, Subscriber
from .rules import UserRules
from .servers import UserServers
from .turns import DEFAULT_TITLE, TurnHooks, TurnManager, TurnOptions
from .visitors import VisitorPolicy


@dataclass(frozen=True)
class EngineParts:
    """What every user's workspace shares within one process."""

    config: EngineConfig
    store: Store
    graph: AgentGraph
    checkpointer: BaseCheckpointSaver[str]
    catalog: list[p.ServerSpec]
    model_info: p.ModelInfo
    admin_rules: list[AdminRule] = field(default_factory=list)
    # keeps the secrets of every started server out of the log (installed by the engine)
    log_filter: SecretLogFilter = field(default_factory=SecretLogFilter)
    # the user this Jupyter server runs as ("": everyone counts as the owner)
    owner: str = ""


class UserWorkspace:
    """Everything one user does: chats, MCP servers, turns."""

    def __init__(self, parts: EngineParts, user: str) -> None:
        self.user = user
        self.model_info = parts.model_info
        self._parts = parts
        self._store = parts.store
        cfg = parts.config
        self._fanout = Fanout()
        self.connections: MCPConnectionManager = MCPConnectionManager(
            tool_timeout=cfg.tool_timeout,
            connect_timeout=cfg.connect_timeout,
            max_output_chars=cfg.max_output_chars,
        )
        self.servers: UserServers = UserServers(
            user=user,
            store=parts.store,
            catalog=parts.catalog,
            connections=self.connections,
            broadcast=self.broadcast,
            log_filter=parts.log_filter,
            visitors=VisitorPolicy(
                owner=parts.owner or user, user=user, allow_stdio=cfg.allow_visitor_stdio_servers
            ),
        )
        self.rules: UserRules = UserRules(user=user, store=parts.store, admin=parts.admin_rules)
        self.turns: TurnManager = TurnManager(
            user=user,
            store=parts.store,
            graph=parts.graph,
            servers=self.servers,
            rules=self.rules,
            options=TurnOptions(
                system_prompt=cfg.system_prompt,
                max_tool_rounds=cfg.max_tool_rounds,
                max_context_tokens=cfg.max_context_tokens,
            ),
            hooks=TurnHooks(
                broadcast=self.broadcast,
                subscribe=self.subscribe,
                unsubscribe=self.unsubscribe,
                chats_changed=self.chats_changed,
                touch=self.touch,
            ),
        )
        self.last_used = time.monotonic()

    # -- bookkeeping ------------------------------------------------------------------------

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
        cfg = self._parts.config
        return p.Settings(
            model=self.model_info,
            tool_timeout=cfg.tool_timeout,
            max_output_chars=cfg.max_output_chars,
            user=self.user,
        )

    # -- chats ------------------------------------------------------------------------------

    def _with_pending(self, chat: p.ChatInfo) -> p.ChatInfo:
        return chat.model_copy(update={"pending_approval": self.turns.is_pending(chat.id)})

    async def list_chats(self) -> list[p.ChatInfo]:
        return [self._with_pending(c) for c in await self._store.list_chats(self.user)]

    async def get_chat(self, chat_id: str) -> p.ChatInfo:
        return self._with_pending(await self._store.get_chat(self.user, chat_id))

    async def create_chat(self, body: p.CreateChat) -> p.ChatInfo:
        if body.servers is None:
            servers = [s.name for s in await self.servers.specs() if s.enabled]
        else:
            servers = await self.servers.check_names(body.servers)
        chat = await self._store.create_chat(self.user, body.title or DEFAULT_TITLE, servers)
        await self.chats_changed()
        return chat

    async def update_chat(self, chat_id: str, body: p.UpdateChat) -> p.ChatInfo:
        servers = None if body.servers is None else await self.servers.check_names(body.servers)
        chat = await self._store.update_chat(self.user, chat_id, title=body.title, servers=servers)
        await self.chats_changed()
        return chat

    async def delete_chat(self, chat_id: str) -> None:
        await self._store.get_chat(self.user, chat_id)  # NotFound before touching anything
        await self.turns.stop(chat_id, quiet=True)
        thread_id = await self._store.delete_chat(self.user, chat_id)
        await self._parts.checkpointer.adelete_thread(thread_id)
        self.turns.forget(chat_id)
        await self.chats_changed()

    async def history(self, chat_id: str, *, offset: int | None = None, limit: int = 200) -> p.HistoryPage:
        if limit < 1 or limit > 1000 or (offset is not None and offset < 0):
            raise BadRequest("limit must be 1..1000 and offset >= 0")
        chat = await self.get_chat(chat_id)
        thread_id = await self._store.thread_id(self.user, chat_id)
        state = await self.turns.recover(chat_id, thread_id)
        messages = runner.messages_in(state)
        pending = runner.pending_in(state)
        self.turns.set_pending(chat_id, bool(pending))
        cut_short = bool(messages) and messages[-1].role == "user"
        interrupted = cut_short and not await self.turns.running_anywhere(chat_id)
        total = len(messages)
        start = max(0, total - limit) if offset is None else min(offset, total)
        return p.HistoryPage(
            chat=chat.model_copy(update={"pending_approval": bool(pending)}),
            messages=messages[start : start + limit],
            total=total,
            offset=start,
            pending=pending,
            interrupted=interrupted,
        )

    async def chats_changed(self) -> None:
        await self.broadcast(p.ChatsChangedFrame(chats=await self.list_chats()))

    # -- lifecycle --------------------------------------------------------------------------

    async def aclose(self) -> None:
        await self.turns.aclose()
        await self.servers.aclose()
