"""One user's chat turns: start, resume after approval, stop, and stream them.

A turn runs as a background task; its frames go to every subscriber of the user (see
:mod:`.fanout`), so a page reload mid-turn loses nothing. A chat runs at most one turn at a time,
and a chat whose tool calls wait for approval takes decisions, not new messages (those rules are
:func:`mcpchat_ext.agent.runner.check_send` / ``check_decide``, run here under the chat's lock).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from langgraph.types import StateSnapshot
from pydantic import BaseModel

from .. import protocol as p
from ..agent import runner
from ..agent.approval import rule_decision
from ..agent.graph import AgentGraph
from ..agent.messages import call_record
from ..agent.run_context import TurnContext
from ..errors import BadRequest, ChatExtError, Conflict, NotFound
from ..incidents import incident
from ..store import Store
from .fanout import Subscriber
from .policy import RulePolicy
from .rules import UserRules
from .servers import UserServers

log = logging.getLogger("mcpchat_ext")

DEFAULT_TITLE = "New chat"
TERMINAL = (p.DoneFrame, p.ApprovalRequiredFrame, p.StoppedFrame, p.ErrorFrame)
BUSY_ELSEWHERE = (
    "this chat is busy in another process (a notebook widget or the Python API on the same data "
    "files, or another Jupyter server); wait until its reply is done and try again"
)


@dataclass(frozen=True)
class TurnOptions:
    """The engine's limits for every turn (from EngineConfig, where their defaults live)."""

    system_prompt: str | None
    max_tool_rounds: int
    max_context_tokens: int


@dataclass(frozen=True)
class TurnHooks:
    """How turns reach the rest of the user's workspace (passed in, never a back-reference)."""

    broadcast: Callable[[BaseModel], Awaitable[None]]
    subscribe: Callable[[Subscriber], None]
    unsubscribe: Callable[[Subscriber], None]
    chats_changed: Callable[[], Awaitable[None]]
    touch: Callable[[], None]


class TurnManager:
    def __init__(
        self,
        *,
        user: str,
        store: Store,
        graph: AgentGraph,
        servers: UserServers,
        rules: UserRules,
        options: TurnOptions,
        hooks: TurnHooks,
    ) -> None:
        self.user = user
        self._store = store
        self._graph = graph
        self._servers = servers
        self._rules = rules
        self._options = options
        self._hooks = hooks
        self._turns: dict[str, asyncio.Task[None]] = {}
        self._chat_locks: dict[str, asyncio.Lock] = {}
        self._pending: set[str] = set()
        # chats whose turn task already sent its last frame and only does bookkeeping now
        self._finishing: set[str] = set()
        # chats whose last turn in this process ended with a reply: nothing can be pending there,
        # so sending skips loading the whole thread state to check (one less load per turn)
        self._settled: set[str] = set()
        # chat -> its turn count (the run lease's) after this process's last turn there
        self._turn_counts: dict[str, int] = {}
        self._renewals: dict[str, asyncio.Task[None]] = {}

    def _lock(self, chat_id: str) -> asyncio.Lock:
        return self._chat_locks.setdefault(chat_id, asyncio.Lock())

    # -- state ------------------------------------------------------------------------------

    @property
    def any_running(self) -> bool:
        return any(not t.done() for t in self._turns.values())

    def running(self, chat_id: str) -> bool:
        task = self._turns.get(chat_id)
        return task is not None and not task.done()

    async def running_anywhere(self, chat_id: str) -> bool:
        """A turn of this chat runs now, in this process or another one (its run lease)."""
        return self.running(chat_id) or await self._store.leases.held_elsewhere(chat_id)

    def is_pending(self, chat_id: str) -> bool:
        """Tool calls of this chat wait for approval (as far as this process has seen)."""
        return chat_id in self._pending

    def set_pending(self, chat_id: str, pending: bool) -> None:
        (self._pending.add if pending else self._pending.discard)(chat_id)

    def forget(self, chat_id: str) -> None:
        """Drop the bookkeeping of a deleted chat."""
        self._pending.discard(chat_id)
        self._settled.discard(chat_id)
        self._chat_locks.pop(chat_id, None)

    async def _settle(self, chat_id: str) -> None:
        """Wait for a turn that already sent its last frame (so a client answering that frame at
        once, e.g. approving right after ``approval_required``, never gets a spurious Conflict)."""
        task = self._turns.get(chat_id)
        if task is not None and not task.done() and chat_id in self._finishing:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.shield(task)

    async def recover(self, chat_id: str, thread_id: str) -> StateSnapshot:
        """The thread's state; a run that a crash cut short (no process runs the chat: its run
        lease is free) is settled first: its started calls are answered as interrupted, never
        offered again. A run going on in another process is left alone."""
        state = await runner.load_state(self._graph, thread_id)
        if not runner.unfinished(state) or self.running(chat_id):
            return state
        async with self._lock(chat_id):
            if self.running(chat_id) or await self._store.leases.acquire(chat_id) is None:
                return state  # running here, or in another process
            try:
                state = await runner.load_state(self._graph, thread_id)
                if runner.unfinished(state):
                    await runner.settle(self._graph, thread_id, state)
                    state = await runner.load_state(self._graph, thread_id)
            finally:
                await self._release(chat_id)
            self._settled.discard(chat_id)
            return state

    # -- starting and stopping --------------------------------------------------------------

    async def _idle_chat(self, chat_id: str, busy: str) -> tuple[p.ChatInfo, str]:
        """The chat and its thread id, once no turn runs in it (Conflict ``busy`` if one does).
        Call it holding the chat's lock."""
        chat = await self._store.get_chat(self.user, chat_id)
        await self._settle(chat_id)
        if self.running(chat_id):
            raise Conflict(busy)
        return chat, await self._store.thread_id(self.user, chat_id)

    async def _lease(self, chat_id: str) -> None:
        """Take the chat's cross-process run lease (Conflict while another process runs it)."""
        turns = await self._store.leases.acquire(chat_id)
        if turns is None:
            raise Conflict(BUSY_ELSEWHERE)
        if self._turn_counts.get(chat_id) != turns - 1:  # another process ran a turn here since
            self._settled.discard(chat_id)
        self._turn_counts[chat_id] = turns

    async def _renew_forever(self, chat_id: str) -> None:
        leases = self._store.leases
        while True:
            await asyncio.sleep(leases.ttl / 3)
            try:
                await leases.renew(chat_id)
            except Exception:
                log.warning("could not renew the run lease of chat %s", chat_id, exc_info=True)

    async def start(self, chat_id: str, text: str) -> asyncio.Task[None]:
        """Start a turn for a user message; frames go to subscribers. Conflict if busy/pending."""
        async with self._lock(chat_id):
            busy = "a reply is still being generated in this chat; stop it first"
            chat, thread_id = await self._idle_chat(chat_id, busy)
            await self._lease(chat_id)
            try:
                state: StateSnapshot | None = None
                if chat_id not in self._settled:
                    try:
                        state = await runner.check_send(self._graph, thread_id)
                    except Conflict:
                        self.set_pending(chat_id, True)
                        raise
            except BaseException:
                await self._store.leases.release(chat_id)
                raise
            return self._spawn(chat, thread_id, user_text=text, state=state)

    async def decide(self, chat_id: str, decisions: list[p.Decision]) -> asyncio.Task[None]:
        """Resume a paused turn with a decision for every pending tool call."""
        async with self._lock(chat_id):
            chat, thread_id = await self._idle_chat(chat_id, "a reply is still being generated in this chat")
            await self._lease(chat_id)
            try:
                pending = await runner.check_decide(self._graph, thread_id, decisions)
            except BaseException:
                await self._store.leases.release(chat_id)
                raise
            by_id = {c.id: c for c in pending}
            # the rules as they were when the user decided: a rule made by this very decision
            # must not overrule it (a Block's reason, an approval reported as the rule's)
            policy = await self._rules.policy_for(chat_id)
            for d in decisions:
                await self._rules.remember(chat_id, by_id[d.call_id], d)
                await self._store.record_decision(self.user, chat_id, by_id[d.call_id], d)
            self.set_pending(chat_id, False)
            await self._hooks.broadcast(
                p.ApprovalDecidedFrame(
                    chat_id=chat_id,
                    decisions=decisions,
                    calls=[by_id[d.call_id] for d in decisions],
                )
            )
            return self._spawn(chat, thread_id, decisions=decisions, policy=policy)

    async def stop(self, chat_id: str, *, quiet: bool = False) -> bool:
        """Cancel the running turn (model stream and tool calls). False if nothing was running."""
        if not quiet:
            await self._store.get_chat(self.user, chat_id)
        task = self._turns.get(chat_id)
        if task is None or task.done():
            return False
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        return True

    async def aclose(self) -> None:
        for chat_id in list(self._turns):
            await self.stop(chat_id, quiet=True)

    # -- running ----------------------------------------------------------------------------

    def _spawn(
        self,
        chat: p.ChatInfo,
        thread_id: str,
        *,
        user_text: str | None = None,
        decisions: list[p.Decision] | None = None,
        state: StateSnapshot | None = None,
        policy: RulePolicy | None = None,
    ) -> asyncio.Task[None]:
        task = asyncio.create_task(
            self._run(chat, thread_id, user_text=user_text, decisions=decisions, state=state, policy=policy),
            name=f"mcpchat-turn-{self.user}-{chat.id}",
        )
        self._finishing.discard(chat.id)
        self._turns[chat.id] = task
        self._renewals[chat.id] = asyncio.create_task(self._renew_forever(chat.id))
        self._hooks.touch()
        return task

    async def _run(
        self,
        chat: p.ChatInfo,
        thread_id: str,
        *,
        user_text: str | None,
        decisions: list[p.Decision] | None,
        state: StateSnapshot | None,
        policy: RulePolicy | None,
    ) -> None:
        broadcast = self._hooks.broadcast
        opts = self._options
        chat_id = chat.id
        try:
            if policy is None:
                policy = await self._rules.policy_for(chat_id)
            context = TurnContext(
                tools=await self._servers.tools_for(chat),
                policy=policy,
                before_run=lambda steps: self._audit_ruled(chat_id, steps),
                system_prompt=opts.system_prompt,
                max_tool_rounds=opts.max_tool_rounds,
                max_context_tokens=opts.max_context_tokens,
            )
            async for frame in runner.run_turn(
                self._graph,
                chat_id=chat_id,
                thread_id=thread_id,
                context=context,
                user_text=user_text,
                decisions=decisions,
                state=state,
            ):
                if isinstance(frame, p.ApprovalRequiredFrame):
                    self.set_pending(chat_id, True)
                if isinstance(frame, TERMINAL):
                    self._finishing.add(chat_id)
                (self._settled.add if isinstance(frame, p.DoneFrame) else self._settled.discard)(chat_id)
                await broadcast(frame)
        except asyncio.CancelledError:
            self._finishing.add(chat_id)
            await broadcast(p.StoppedFrame(chat_id=chat_id))
            raise
        except ChatExtError as exc:
            self._finishing.add(chat_id)  # a client may resend at once: no spurious Conflict
            await broadcast(p.ErrorFrame(code=exc.code, message=str(exc), chat_id=chat_id))
        except Exception as exc:  # the client gets a log reference (or the storage fault), no details
            error = incident(log, exc, f"turn failed in chat {chat_id} of {self.user}")
            self._finishing.add(chat_id)
            await broadcast(p.ErrorFrame(code=error.code, message=str(error), chat_id=chat_id))
        finally:
            self._hooks.touch()
            if (renewal := self._renewals.pop(chat_id, None)) is not None:
                renewal.cancel()
            await asyncio.shield(self._release(chat_id))
        await self._after_turn(chat, user_text)

    async def _release(self, chat_id: str) -> None:
        try:
            await self._store.leases.release(chat_id)
        except Exception:  # it lapses by itself (ttl)
            log.warning("could not release the run lease of chat %s", chat_id, exc_info=True)

    async def _audit_ruled(self, chat_id: str, steps: Sequence[dict[str, Any]]) -> None:
        """Audit what the rules decided, before any of those calls runs."""
        for step in steps:
            await self._store.record_decision(
                self.user, chat_id, call_record(step["call"]), rule_decision(step), auto=True
            )

    async def _after_turn(self, chat: p.ChatInfo, user_text: str | None) -> None:
        try:
            await self._store.touch_chat(self.user, chat.id)
            if user_text and chat.title == DEFAULT_TITLE:
                title = " ".join(user_text.split())[:60] or DEFAULT_TITLE
                await self._store.update_chat(self.user, chat.id, title=title)
            await self._hooks.chats_changed()
        except NotFound:  # deleted while the turn ran
            pass

    # -- streaming --------------------------------------------------------------------------

    async def stream(
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

        self._hooks.subscribe(collect)
        try:
            if text is not None:
                task = await self.start(chat_id, text)
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
                    if isinstance(frame, TERMINAL):
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
            self._hooks.unsubscribe(collect)
