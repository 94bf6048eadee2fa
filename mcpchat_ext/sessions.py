"""Per-user state: one :class:`UserSession` per authenticated user, held in a :class:`SessionRegistry`.

A session owns the user's MCP connections and running chat turns. Turns run as background tasks;
their frames are fanned out to every subscriber (websocket, widget, API stream) of the same user,
so a page reload mid-turn loses nothing. Sessions idle for ``idle_timeout`` seconds (no turn
running, no subscriber) are closed, which stops their MCP server processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from . import protocol as p
from .agent import runner
from .agent.approval import check_decisions
from .connections import MCPConnectionManager
from .errors import BadRequest, ChatExtError, Conflict, NotFound
from .server_specs import mask_secrets, parse_claude_config, restore_secrets, validate_spec

if TYPE_CHECKING:
    from .engine import Engine

log = logging.getLogger("mcpchat_ext")

Subscriber = Callable[[dict[str, Any]], Awaitable[None]]
DEFAULT_TITLE = "New chat"
_TERMINAL = (p.DoneFrame, p.ApprovalRequiredFrame, p.StoppedFrame, p.ErrorFrame)


class AutoApprovePolicy:
    """``"server"`` approves every tool of a server, ``"server:tool"`` one tool. Empty: always ask."""

    def __init__(self, rules: list[str], lookup: Callable[[str], p.ToolInfo | None]) -> None:
        self._servers = {r for r in rules if ":" not in r}
        self._tools = {tuple(r.split(":", 1)) for r in rules if ":" in r}
        self._lookup = lookup

    def __call__(self, prefixed_name: str) -> bool:
        info = self._lookup(prefixed_name)
        if info is None:
            return False
        return info.server in self._servers or (info.server, info.tool) in self._tools


class UserSession:
    """Everything one user does: chats, MCP servers, turns. Every call is scoped to ``user``."""

    def __init__(self, engine: Engine, user: str) -> None:
        self.engine = engine
        self.user = user
        cfg = engine.config
        self.connections = MCPConnectionManager(
            tool_timeout=cfg.tool_timeout,
            connect_timeout=cfg.connect_timeout,
            max_output_chars=cfg.max_output_chars,
        )
        self.policy = AutoApprovePolicy(cfg.auto_approve, self.connections.tool_info)
        self._subscribers: set[Subscriber] = set()
        self._turns: dict[str, asyncio.Task[None]] = {}
        self._chat_locks: dict[str, asyncio.Lock] = {}
        self._pending: set[str] = set()
        # chats whose turn task already sent its last frame and only does bookkeeping now
        self._finishing: set[str] = set()
        # chats whose last turn in this process ended with a reply: nothing can be pending there,
        # so sending skips loading the whole thread state to check (one less load per turn)
        self._settled: set[str] = set()
        self.last_used = time.monotonic()

    # -- bookkeeping ------------------------------------------------------------------------

    @property
    def store(self) -> Any:
        return self.engine.store

    @property
    def busy(self) -> bool:
        return bool(self._subscribers) or any(not t.done() for t in self._turns.values())

    def touch(self) -> None:
        self.last_used = time.monotonic()

    def subscribe(self, send: Subscriber) -> None:
        self._subscribers.add(send)
        self.touch()

    def unsubscribe(self, send: Subscriber) -> None:
        self._subscribers.discard(send)
        self.touch()

    async def broadcast(self, frame: BaseModel) -> None:
        data = p.dump(frame)
        for send in list(self._subscribers):
            try:
                await send(data)
            except Exception:  # a dead subscriber must not break the turn
                log.debug("dropping frame for a closed subscriber", exc_info=True)
                self._subscribers.discard(send)

    def _lock(self, chat_id: str) -> asyncio.Lock:
        return self._chat_locks.setdefault(chat_id, asyncio.Lock())

    # -- settings ---------------------------------------------------------------------------

    def settings(self) -> p.Settings:
        cfg = self.engine.config
        return p.Settings(
            model=self.engine.model_info,
            tool_timeout=cfg.tool_timeout,
            max_output_chars=cfg.max_output_chars,
            user=self.user,
        )

    # -- chats ------------------------------------------------------------------------------

    async def list_chats(self) -> list[p.ChatInfo]:
        chats = await self.store.list_chats(self.user)
        return [c.model_copy(update={"pending_approval": c.id in self._pending}) for c in chats]

    async def get_chat(self, chat_id: str) -> p.ChatInfo:
        chat: p.ChatInfo = await self.store.get_chat(self.user, chat_id)
        return chat.model_copy(update={"pending_approval": chat_id in self._pending})

    async def create_chat(self, body: p.CreateChat) -> p.ChatInfo:
        if body.servers is None:
            servers = [s.name for s in await self._all_specs() if s.enabled]
        else:
            servers = await self._check_server_names(body.servers)
        chat: p.ChatInfo = await self.store.create_chat(self.user, body.title or DEFAULT_TITLE, servers)
        await self._chats_changed()
        return chat

    async def update_chat(self, chat_id: str, body: p.UpdateChat) -> p.ChatInfo:
        servers = None if body.servers is None else await self._check_server_names(body.servers)
        chat: p.ChatInfo = await self.store.update_chat(self.user, chat_id, title=body.title, servers=servers)
        await self._chats_changed()
        return chat

    async def delete_chat(self, chat_id: str) -> None:
        await self.store.get_chat(self.user, chat_id)  # NotFound before touching anything
        await self.stop(chat_id, quiet=True)
        thread_id = await self.store.delete_chat(self.user, chat_id)
        await runner.delete_thread(self.engine.checkpointer, thread_id)
        self._pending.discard(chat_id)
        self._chat_locks.pop(chat_id, None)
        await self._chats_changed()

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
            await self._tools_for(chat)
            pending = runner.pending_in(state, self.connections.tool_info)
        self._set_pending(chat_id, bool(pending))
        total = len(messages)
        start = max(0, total - limit) if offset is None else min(offset, total)
        return p.HistoryPage(
            chat=chat.model_copy(update={"pending_approval": bool(pending)}),
            messages=messages[start : start + limit],
            total=total,
            offset=start,
            pending=pending,
        )

    async def _chats_changed(self) -> None:
        await self.broadcast(p.ChatsChangedFrame(chats=await self.list_chats()))

    # -- MCP servers ------------------------------------------------------------------------

    async def _all_specs(self) -> list[p.ServerSpec]:
        return [*self.engine.catalog, *await self.store.list_servers(self.user)]

    def _catalog_names(self) -> set[str]:
        return {s.name for s in self.engine.catalog}

    async def _spec(self, name: str) -> p.ServerSpec:
        for spec in self.engine.catalog:
            if spec.name == name:
                return spec
        stored: p.ServerSpec = await self.store.get_server(self.user, name)
        return stored

    async def _check_server_names(self, names: list[str]) -> list[str]:
        known = {s.name for s in await self._all_specs()}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise BadRequest(f"unknown MCP server(s): {', '.join(unknown)}")
        return list(dict.fromkeys(names))

    def _status(self, spec: p.ServerSpec) -> p.ServerStatus:
        status = self.connections.status(spec.name)
        source = "catalog" if spec.name in self._catalog_names() else "user"
        return status.model_copy(update={"spec": mask_secrets(spec), "source": source})

    async def list_servers(self) -> list[p.ServerStatus]:
        return [self._status(s) for s in await self._all_specs()]

    async def server_status(self, name: str) -> p.ServerStatus:
        return self._status(await self._spec(name))

    def _guard_catalog(self, name: str) -> None:
        if name in self._catalog_names():
            raise Conflict(f"'{name}' is provided by the administrator's catalog and cannot be changed")

    async def add_server(self, spec: p.ServerSpec, *, connect: bool = True) -> p.ServerStatus:
        spec = validate_spec(spec)
        self._guard_catalog(spec.name)
        await self.store.add_server(self.user, spec)
        status = await self.connect_server(spec.name) if connect else self._status(spec)
        await self._servers_changed()
        return status

    async def update_server(self, name: str, spec: p.ServerSpec) -> p.ServerStatus:
        self._guard_catalog(name)
        self._guard_catalog(spec.name)
        # the client only ever saw masked secrets: keep the stored values where it sent "***"
        spec = validate_spec(restore_secrets(spec, await self.store.get_server(self.user, name)))
        await self.store.update_server(self.user, name, spec)
        await self.connections.disconnect(name)
        status = await self.connect_server(spec.name) if spec.enabled else self._status(spec)
        await self._servers_changed()
        return status

    async def remove_server(self, name: str) -> None:
        self._guard_catalog(name)
        await self.store.remove_server(self.user, name)
        await self.connections.disconnect(name)
        await self._servers_changed()

    async def connect_server(self, name: str) -> p.ServerStatus:
        spec = await self._spec(name)
        await self.connections.connect(spec)
        status = self._status(spec)
        await self._servers_changed()
        return status

    async def server_tools(self, name: str) -> list[p.ToolInfo]:
        status = await self.server_status(name)
        if status.state != "ready":
            status = await self.connect_server(name)
        if status.state == "error":
            from .errors import MCPServerError

            raise MCPServerError(f"MCP server '{name}' is not available: {status.error}")
        return status.tools

    async def import_servers(self, body: p.ImportServers) -> list[p.ServerStatus]:
        specs = [validate_spec(s) for s in parse_claude_config({"mcpServers": body.mcpServers})]
        for spec in specs:
            self._guard_catalog(spec.name)
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
        statuses = await asyncio.gather(*(self.connect_server(s.name) for s in specs))
        return list(statuses)

    async def _servers_changed(self) -> None:
        await self.broadcast(p.ServersChangedFrame(servers=await self.list_servers()))

    async def _tools_for(self, chat: p.ChatInfo) -> list[Any]:
        specs = [s for s in await self._all_specs() if s.name in chat.servers and s.enabled]
        before = self._status_keys()
        tools = await self.connections.get_tools(specs)
        if self._status_keys() != before:  # (re)connections happened: tell the clients
            await self._servers_changed()
        return tools

    def _status_keys(self) -> list[tuple[str, str, str | None, int]]:
        return [(s.name, s.state, s.error, len(s.tools)) for s in self.connections.statuses()]

    # -- turns ------------------------------------------------------------------------------

    def running(self, chat_id: str) -> bool:
        task = self._turns.get(chat_id)
        return task is not None and not task.done()

    async def _settle(self, chat_id: str) -> None:
        """Wait for a turn that already sent its last frame (so a client answering that frame at
        once, e.g. approving right after ``approval_required``, never gets a spurious Conflict)."""
        task = self._turns.get(chat_id)
        if task is not None and not task.done() and chat_id in self._finishing:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.shield(task)

    def _set_pending(self, chat_id: str, pending: bool) -> None:
        (self._pending.add if pending else self._pending.discard)(chat_id)

    async def start_turn(self, chat_id: str, text: str) -> asyncio.Task[None]:
        """Start a turn for a user message; frames go to subscribers. Conflict if busy/pending."""
        async with self._lock(chat_id):
            chat = await self.get_chat(chat_id)
            await self._settle(chat_id)
            if self.running(chat_id):
                raise Conflict("a reply is still being generated in this chat; stop it first")
            thread_id = await self.store.thread_id(self.user, chat_id)
            if chat_id not in self._settled and await runner.pending_calls(
                self.engine.graph, thread_id, self.connections.tool_info
            ):
                self._set_pending(chat_id, True)
                raise Conflict("tool calls in this chat are waiting for your approval; decide them first")
            return self._spawn(chat, thread_id, user_text=text)

    async def decide(self, chat_id: str, decisions: list[p.Decision]) -> asyncio.Task[None]:
        """Resume a paused turn with a decision for every pending tool call."""
        async with self._lock(chat_id):
            chat = await self.get_chat(chat_id)
            await self._settle(chat_id)
            if self.running(chat_id):
                raise Conflict("a reply is still being generated in this chat")
            thread_id = await self.store.thread_id(self.user, chat_id)
            pending = await runner.pending_calls(self.engine.graph, thread_id, self.connections.tool_info)
            check_decisions(pending, decisions)
            by_id = {c.id: c for c in pending}
            for d in decisions:
                call = by_id[d.call_id]
                await self.store.record_decision(self.user, chat_id, call, d)
            self._set_pending(chat_id, False)
            await self.broadcast(
                p.ApprovalDecidedFrame(
                    chat_id=chat_id,
                    decisions=decisions,
                    calls=[by_id[d.call_id] for d in decisions],
                )
            )
            return self._spawn(chat, thread_id, decisions=decisions)

    async def stop(self, chat_id: str, *, quiet: bool = False) -> bool:
        """Cancel the running turn (model stream and tool calls). False if nothing was running."""
        if not quiet:
            await self.get_chat(chat_id)
        task = self._turns.get(chat_id)
        if task is None or task.done():
            return False
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        return True

    def _spawn(
        self,
        chat: p.ChatInfo,
        thread_id: str,
        *,
        user_text: str | None = None,
        decisions: list[p.Decision] | None = None,
    ) -> asyncio.Task[None]:
        task = asyncio.create_task(
            self._run(chat, thread_id, user_text=user_text, decisions=decisions),
            name=f"mcpchat-turn-{self.user}-{chat.id}",
        )
        self._finishing.discard(chat.id)
        self._turns[chat.id] = task
        self.touch()
        return task

    async def _run(
        self,
        chat: p.ChatInfo,
        thread_id: str,
        *,
        user_text: str | None,
        decisions: list[p.Decision] | None,
    ) -> None:
        cfg = self.engine.config
        chat_id = chat.id
        try:
            tools = await self._tools_for(chat)
            async for frame in runner.run_turn(
                self.engine.graph,
                chat_id=chat_id,
                thread_id=thread_id,
                tools=tools,
                user_text=user_text,
                decisions=decisions,
                auto_approve=self.policy,
                system_prompt=cfg.system_prompt,
                max_tool_rounds=cfg.max_tool_rounds,
                tool_info=self.connections.tool_info,
            ):
                if isinstance(frame, p.ApprovalRequiredFrame):
                    self._set_pending(chat_id, True)
                elif isinstance(frame, p.ApprovalDecidedFrame) and frame.auto:
                    await self._audit_auto(chat_id, frame)
                if isinstance(frame, _TERMINAL):
                    self._finishing.add(chat_id)
                (self._settled.add if isinstance(frame, p.DoneFrame) else self._settled.discard)(chat_id)
                await self.broadcast(frame)
        except asyncio.CancelledError:
            await self.broadcast(p.StoppedFrame(chat_id=chat_id))
            raise
        except ChatExtError as exc:
            await self.broadcast(p.ErrorFrame(code=exc.code, message=str(exc), chat_id=chat_id))
        except Exception as exc:
            log.exception("turn failed in chat %s of %s", chat_id, self.user)
            await self.broadcast(
                p.ErrorFrame(code="internal", message=f"internal error: {exc}", chat_id=chat_id)
            )
        finally:
            self.touch()
        await self._after_turn(chat, user_text)

    async def _audit_auto(self, chat_id: str, frame: p.ApprovalDecidedFrame) -> None:
        calls = {c.id: c for c in frame.calls}
        for d in frame.decisions:
            call = calls.get(d.call_id) or p.ToolCall(id=d.call_id, name="", args=d.args or {})
            await self.store.record_decision(self.user, chat_id, call, d, auto=True)

    async def _after_turn(self, chat: p.ChatInfo, user_text: str | None) -> None:
        try:
            await self.store.touch_chat(self.user, chat.id)
            if user_text and chat.title == DEFAULT_TITLE:
                title = " ".join(user_text.split())[:60] or DEFAULT_TITLE
                await self.store.update_chat(self.user, chat.id, title=title)
            await self._chats_changed()
        except NotFound:  # deleted while the turn ran
            pass

    async def stream_turn(
        self,
        chat_id: str,
        *,
        text: str | None = None,
        decisions: list[p.Decision] | None = None,
    ) -> AsyncIterator[BaseModel]:
        """Start (or resume) a turn and yield its frames until it ends or pauses for approval."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

        async def collect(frame: dict[str, Any]) -> None:
            if frame.get("chat_id") == chat_id:
                queue.put_nowait(frame)

        self.subscribe(collect)
        try:
            if text is not None:
                task = await self.start_turn(chat_id, text)
            elif decisions is not None:
                task = await self.decide(chat_id, decisions)
            else:
                raise BadRequest("give text or decisions")
            while True:
                getter = asyncio.ensure_future(queue.get())
                done, _ = await asyncio.wait({getter, task}, return_when=asyncio.FIRST_COMPLETED)
                if getter in done:
                    frame = p.server_frame_adapter.validate_python(getter.result())
                    yield frame
                    if isinstance(frame, _TERMINAL):
                        # let the turn finish its bookkeeping (title, updated_at) first
                        with contextlib.suppress(asyncio.CancelledError, Exception):
                            await asyncio.shield(task)
                        return
                else:
                    getter.cancel()
                    while not queue.empty():
                        yield p.server_frame_adapter.validate_python(queue.get_nowait())
                    return
        finally:
            self.unsubscribe(collect)

    # -- lifecycle --------------------------------------------------------------------------

    async def aclose(self) -> None:
        for chat_id in list(self._turns):
            await self.stop(chat_id, quiet=True)
        await self.connections.aclose()


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
