"""One user's workspace: their chats, MCP servers, turns and connected clients.

A :class:`UserWorkspace` is built by the :class:`~.registry.UserRegistry` from the process-wide
parts (:class:`EngineParts`) and composes the per-user pieces: the fan-out of frames to every
client of the user, the user's MCP servers (:class:`~.servers.UserServers`) and their turns
(:class:`~.turns.TurnManager`). Every query is scoped to ``user``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from langgraph.checkpoint.base import BaseCheckpointSaver
from pydantic import BaseModel

from .. import protocol as p
from ..agent import runner
from ..agent.asks import AskRecord, ChatAsks
from ..agent.catalog import UnknownModel
from ..agent.graph import AgentGraph
from ..agent.models import ModelPool
from ..agent.progress import RunningCalls
from ..agent.usage import chat_usage, with_spent
from ..config import EngineConfig
from ..errors import BadRequest, Conflict
from ..mcp_servers.inprocess import BuiltinServer
from ..mcp_servers.log_redaction import SecretLogFilter
from ..mcp_servers.manager import MCPConnectionManager
from ..store import Store
from .admin_rules import AdminRule
from .attached_resources import AttachedResources
from .branching import ChatBranches
from .chat_titles import DEFAULT_TITLE
from .coalesced import Coalesced
from .fanout import Fanout, Subscriber
from .outcomes import TurnOutcomes
from .rules import UserRules
from .servers import UserServers
from .turn_parts import TurnHooks, TurnOptions
from .turns import TurnManager
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
    # the models a chat may pick (None: every chat uses the graph's own model)
    models: ModelPool | None = None
    # the built-in servers of a user, by name (the Jupyter server's ``jupyter`` tools)
    builtins: Callable[[str], Mapping[str, BuiltinServer]] | None = None
    # (user, answer) -> whether it answered a request of theirs (the jupyter tools' open notebooks)
    notebook_answers: Callable[[str, p.NotebookAnswer], bool] | None = None


class UserWorkspace:
    """Everything one user does: chats, MCP servers, turns."""

    def __init__(self, parts: EngineParts, user: str) -> None:
        self.user = user
        self.model_info = parts.model_info
        self._parts = parts
        self._store = parts.store
        cfg = parts.config
        self._fanout = Fanout()
        self._running: dict[str, RunningCalls] = {}
        self._asks: dict[str, ChatAsks] = {}
        # the list after turns end: one for the turns ending together (see coalesced.py)
        self._chats_changed_soon = Coalesced(self.chats_changed)
        self.connections: MCPConnectionManager = MCPConnectionManager(
            tool_timeout=cfg.tool_timeout,
            connect_timeout=cfg.connect_timeout,
            max_output_chars=cfg.max_output_chars,
            builtins=None if parts.builtins is None else parts.builtins(user),
            roots=[os.path.abspath(cfg.roots_dir or os.getcwd())],
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
        self.attached = AttachedResources(
            connections=self.connections,
            read=self.servers.read_resource,
            broadcast=self.broadcast,
            store=parts.store.attached,
            user=user,
        )
        self.servers.on_renamed(self.attached.load)  # (the store moved or dropped their resources)
        self.rules: UserRules = UserRules(user=user, store=parts.store, admin=parts.admin_rules)
        self._outcomes = TurnOutcomes(user=user, store=parts.store, graph=parts.graph)
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
                accepts_images=cfg.model_accepts_images,
            ),
            hooks=TurnHooks(
                broadcast=self.broadcast,
                subscribe=self.subscribe,
                unsubscribe=self.unsubscribe,
                chats_changed=self._chats_changed_soon,
                touch=self.touch,
                calls=self.running_calls,
                asks=self.server_asks,
            ),
            outcomes=self._outcomes,
            models=parts.models,
            attached=self.attached,
        )
        self.branches: ChatBranches = ChatBranches(
            user=user, store=parts.store, graph=parts.graph, turns=self.turns, broadcast=self.broadcast
        )
        self.last_used = time.monotonic()

    # -- running tool calls -----------------------------------------------------------------

    def running_calls(self, chat_id: str) -> RunningCalls:
        return self._running.setdefault(chat_id, RunningCalls())

    async def cancel_call(self, chat_id: str, call_id: str) -> None:
        """Cancel one running tool call (its card's Cancel); the turn goes on without its result."""
        await self._store.get_chat(self.user, chat_id)  # NotFound for another user's chat
        if not self.running_calls(chat_id).cancel(call_id):
            raise Conflict(f"the tool call {call_id} is not running in this process (it may have finished)")

    # -- MCP servers' requests (elicitation, sampling) ------------------------------------

    def server_asks(self, chat_id: str) -> ChatAsks:
        asks = self._asks.get(chat_id)
        if asks is None:
            cfg = self._parts.config

            async def audit(record: AskRecord) -> None:
                await self._store.record_server_request(
                    self.user,
                    chat_id,
                    record.call_id,
                    record.server,
                    record.kind,
                    record.action,
                    request=record.request,
                    answer=record.answer,
                    reason=record.reason,
                )

            async def keep(call_id: str, usage: p.Usage) -> None:
                await self._store.spends.record(self.user, chat_id, call_id, usage)

            asks = self._asks[chat_id] = ChatAsks(
                chat_id,
                timeout=cfg.server_request_timeout,
                max_tokens=cfg.sampling_max_tokens,
                audit=audit,
                keep=keep,
                connected=lambda: bool(self._fanout),
            )
        return asks

    async def answer_server_request(self, frame: p.ElicitationAnswerFrame | p.SamplingAnswerFrame) -> None:
        """The user answers an MCP server's request shown in one of their chats. Conflict when it
        no longer waits; BadRequest (it waits on) when the answer does not fit."""
        await self._store.get_chat(self.user, frame.chat_id)  # NotFound for another user's chat
        self.server_asks(frame.chat_id).answer(frame)

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
            models=self._parts.models.infos() if self._parts.models else [self.model_info],
            tool_timeout=cfg.tool_timeout,
            max_output_chars=cfg.max_output_chars,
            user=self.user,
        )

    # -- chats ------------------------------------------------------------------------------

    def _with_pending(self, chat: p.ChatInfo) -> p.ChatInfo:
        update: dict[str, object] = {"pending_approval": self.turns.is_pending(chat.id)}
        if self._parts.models is not None:
            update["model_note"] = self._parts.models.catalog.resolve(chat.model)[1]
        return chat.model_copy(update=update)

    def _check_model(self, model_id: str | None) -> str | None:
        """``model_id`` if the catalog offers it (BadRequest naming what it offers)."""
        if model_id is None or self._parts.models is None:
            return model_id
        try:
            return self._parts.models.catalog.get(model_id).id
        except UnknownModel as exc:
            raise BadRequest(str(exc)) from None

    async def list_chats(self) -> list[p.ChatInfo]:
        return [self._with_pending(c) for c in await self._store.list_chats(self.user)]

    async def get_chat(self, chat_id: str) -> p.ChatInfo:
        return self._with_pending(await self._store.get_chat(self.user, chat_id))

    async def create_chat(self, body: p.CreateChat) -> p.ChatInfo:
        if body.servers is None:
            servers = [s.name for s in await self.servers.specs() if s.enabled]
        else:
            servers = await self.servers.check_names(body.servers)
        model = self._check_model(body.model)
        chat = await self._store.create_chat(self.user, body.title or DEFAULT_TITLE, servers, model)
        self.turns.created(chat.id)
        await self.chats_changed()
        return self._with_pending(chat)

    async def update_chat(self, chat_id: str, body: p.UpdateChat) -> p.ChatInfo:
        servers = None if body.servers is None else await self.servers.check_names(body.servers)
        model = self._check_model(body.model)  # switching mid-chat: the next reply uses it
        chat = await self._store.update_chat(
            self.user, chat_id, title=body.title, servers=servers, model=model
        )
        if servers is not None:  # what it attached of a server taken out is no longer watched
            await self.attached.keep_servers(chat_id, servers)
        await self.chats_changed()
        return self._with_pending(chat)

    async def delete_chat(self, chat_id: str) -> None:
        await self._store.get_chat(self.user, chat_id)  # NotFound before touching anything
        await self.turns.stop(chat_id, quiet=True)
        thread_id = await self._store.delete_chat(self.user, chat_id)
        await self._parts.checkpointer.adelete_thread(thread_id)
        self.turns.forget(chat_id)
        await self.attached.forget(chat_id)
        self._running.pop(chat_id, None)
        self._asks.pop(chat_id, None)
        await self.chats_changed()

    async def history(self, chat_id: str, *, offset: int | None = None, limit: int = 200) -> p.HistoryPage:
        if limit < 1 or limit > 1000 or (offset is not None and offset < 0):
            raise BadRequest("limit must be 1..1000 and offset >= 0")
        chat = await self.get_chat(chat_id)
        thread_id = await self._store.thread_id(self.user, chat_id)
        state = await self.turns.recover(chat_id, thread_id)
        spent = await self._store.spends.of_chat(self.user, chat_id)  # (what servers sampled)
        messages = with_spent(runner.messages_in(state), spent)
        pending = runner.pending_in(state)
        self.turns.set_pending(chat_id, bool(pending))
        outcome = await self._outcomes.shown(chat_id, messages, lambda: self.turns.running_anywhere(chat_id))
        total = len(messages)
        start = max(0, total - limit) if offset is None else min(offset, total)
        return p.HistoryPage(
            chat=chat.model_copy(update={"pending_approval": bool(pending)}),
            messages=messages[start : start + limit],
            total=total,
            offset=start,
            pending=pending,
            interrupted=outcome is not None and outcome.kind == "interrupted",
            outcome=outcome,
            usage=chat_usage((state.values or {}).get("messages") or [], self._context_window(chat), spent),
            server_requests=self._asks[chat_id].shown() if chat_id in self._asks else [],
        )

    def _context_window(self, chat: p.ChatInfo) -> int | None:
        if self._parts.models is None:
            return None
        return self._parts.models.catalog.resolve(chat.model)[0].context_window

    async def audit(self, chat_id: str) -> list[dict[str, object]]:
        """The approval decisions of the chat, oldest first (also of a deleted chat)."""
        return await self._store.list_decisions(self.user, chat_id)

    async def chats_changed(self) -> None:
        await self.broadcast(p.ChatsChangedFrame(chats=await self.list_chats()))

    async def answer_notebook(self, answer: p.NotebookAnswer) -> dict[str, bool]:
        """The user's JupyterLab answers a ``notebook_request`` (only this user's requests)."""
        hook = self._parts.notebook_answers
        return {"answered": hook is not None and hook(self.user, answer)}

    # -- lifecycle --------------------------------------------------------------------------

    async def aclose(self) -> None:
        await self.turns.aclose()
        await self._chats_changed_soon.aclose()
        await self.servers.aclose()
