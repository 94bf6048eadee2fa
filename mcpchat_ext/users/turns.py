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
from typing import Any

from langgraph.types import StateSnapshot
from pydantic import BaseModel

from .. import protocol as p
from ..agent import runner
from ..agent.approval import rule_decision
from ..agent.branches import Fork
from ..agent.graph import AgentGraph
from ..agent.messages import call_record
from ..agent.models import ModelPool, turn_model
from ..agent.run_context import TurnContext
from ..errors import BadRequest, ChatExtError, Conflict
from ..incidents import incident
from ..store import Store
from .attached_resources import AttachedResources, compose_message
from .chat_titles import after_turn
from .outcomes import Kind, TurnOutcomes
from .policy import RulePolicy
from .rules import UserRules
from .run_lease import HeldThreads, RunLeases
from .servers import UserServers
from .turn_parts import TurnHooks, TurnOptions
from .turn_stream import TERMINAL, Begin, follow_turn

log = logging.getLogger("mcpchat_ext")

BUSY_HERE = "a reply is still being generated in this chat; stop it first"


# A retry or an edit: (thread id, its state) -> (the message's text, where it forks)
ForkPlan = Callable[[str, StateSnapshot], Awaitable[tuple[str, Fork]]]
Attached = Sequence[p.Attachment]  # what the user attached to a message (see attachments.py)


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
        outcomes: TurnOutcomes,
        models: ModelPool | None = None,
        attached: AttachedResources | None = None,
    ) -> None:
        """``attached``: reads the resources attached to a message (None: none are read)."""
        self.user = user
        self._attached = attached
        self._models = models  # the chat's model per turn (None: the graph's own)
        self._store = store
        self._graph = graph
        self._servers = servers
        self._rules = rules
        self._options = options
        self._hooks = hooks
        self._outcomes = outcomes  # how turns ended (stopped, failed, interrupted), for reloads
        self._closing = False  # the server shuts down: a turn cut short now is interrupted
        self._turns: dict[str, asyncio.Task[None]] = {}
        self._chat_locks: dict[str, asyncio.Lock] = {}
        self._pending: set[str] = set()
        # chats whose turn task already sent its last frame and only does bookkeeping now
        self._finishing: set[str] = set()
        # chats whose last turn in this process ended with a reply: nothing can be pending there,
        # so sending skips loading the whole thread state to check (one less load per turn)
        self._settled: set[str] = set()
        saver = graph.checkpointer  # (told which threads only this process writes, if it can be)
        self._leases = RunLeases(store.leases, saver if isinstance(saver, HeldThreads) else None)

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

    def created(self, chat_id: str) -> None:
        """A chat made in this process: its first message skips loading its (empty) state."""
        self._settled.add(chat_id)
        self._leases.created(chat_id)

    def forget(self, chat_id: str) -> None:
        """Drop the bookkeeping of a deleted chat."""
        self._pending.discard(chat_id)
        self._settled.discard(chat_id)
        self._chat_locks.pop(chat_id, None)
        self._leases.forget(chat_id)

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
                    await self._outcomes.record(chat_id, thread_id, "interrupted")
                    state = await runner.load_state(self._graph, thread_id)
            finally:
                await self._leases.release(chat_id)
            self._settled.discard(chat_id)
            return state

    # -- starting and stopping --------------------------------------------------------------

    async def _leased(self, chat_id: str, busy: str) -> tuple[p.ChatInfo, str]:
        """The chat and its thread id once no turn runs there (else Conflict ``busy``), with its
        cross-process run lease (Conflict while another process runs it); under its lock. The
        chat is read and the lease taken in one hop (store/chat_leases.py; NotFound for a chat
        that is not the user's, and no lease row made)."""
        await self._settle(chat_id)
        if self.running(chat_id):
            raise Conflict(busy)
        taking = self._store.chat_leases.take(self.user, chat_id)
        ran_elsewhere, chat, thread_id = await self._leases.take_with(chat_id, taking)
        if ran_elsewhere:  # another process ran a turn here since
            self._settled.discard(chat_id)
        return chat, thread_id

    async def start(
        self, chat_id: str, text: str, fork: ForkPlan | None = None, attachments: Attached = ()
    ) -> asyncio.Task[None]:
        """Start a turn for a user message; frames go to subscribers. Conflict if busy/pending.
        ``fork``: a retry or an edit; given the thread and its state, it returns the text and the
        branch point (agent/branches.py), decided under the chat's lock and run lease.
        ``attachments``: context the user attached (composed into the text, recorded as meta)."""
        async with self._lock(chat_id):
            chat, thread_id = await self._leased(chat_id, BUSY_HERE)
            try:
                budget = self._options.max_context_tokens
                text, meta = await compose_message(self._attached, chat_id, text, attachments, budget)
                state: StateSnapshot | None = None
                if chat_id not in self._settled or fork is not None:
                    state = await self._checked(chat_id, thread_id)
                where = None
                if fork is not None and state is not None:
                    text, where = await fork(thread_id, state)
            except BaseException:
                await self._leases.release(chat_id)
                raise
            return self._spawn(chat, thread_id, user_text=text, state=state, fork=where, meta=meta)

    @contextlib.asynccontextmanager
    async def holding(self, chat_id: str) -> AsyncIterator[str]:
        """The settled chat's thread id, held against turns in every process (lock, run lease)
        while the body runs. Conflict while a turn runs or calls wait for approval."""
        async with self._lock(chat_id):
            _, thread_id = await self._leased(chat_id, BUSY_HERE)
            try:
                await runner.settle(self._graph, thread_id, await self._checked(chat_id, thread_id))
                yield thread_id
            finally:
                self._settled.discard(chat_id)
                await self._leases.release(chat_id)

    async def _checked(self, chat_id: str, thread_id: str) -> StateSnapshot:
        """runner.check_send; a Conflict (calls wait for approval) marks the chat pending."""
        try:
            return await runner.check_send(self._graph, thread_id)
        except Conflict:
            self.set_pending(chat_id, True)
            raise

    async def decide(self, chat_id: str, decisions: list[p.Decision]) -> asyncio.Task[None]:
        """Resume a paused turn with a decision for every pending tool call."""
        async with self._lock(chat_id):
            chat, thread_id = await self._leased(chat_id, "a reply is still being generated in this chat")
            try:
                pending = await runner.check_decide(self._graph, thread_id, decisions)
            except BaseException:
                await self._leases.release(chat_id)
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
        self._closing = True
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
        fork: Fork | None = None,
        meta: dict[str, Any] | None = None,  # recorded on the user's message (attachments)
    ) -> asyncio.Task[None]:
        run = self._run(
            chat,
            thread_id,
            user_text=user_text,
            decisions=decisions,
            state=state,
            policy=policy,
            fork=fork,
            meta=meta,
        )
        task = asyncio.create_task(run, name=f"mcpchat-turn-{self.user}-{chat.id}")
        self._finishing.discard(chat.id)
        self._turns[chat.id] = task
        self._leases.keep(chat.id)
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
        fork: Fork | None = None,
        meta: dict[str, Any] | None = None,
    ) -> None:
        broadcast, opts, chat_id = self._hooks.broadcast, self._options, chat.id

        async def context() -> TurnContext:  # (run_turn writes the user's message meanwhile)
            rules = self._rules.policy_for(chat_id) if policy is None else asyncio.sleep(0, policy)
            chosen, tools = await asyncio.gather(rules, self._servers.tools_for(chat))
            return TurnContext(
                tools=tools,
                policy=chosen,
                before_run=lambda steps: self._audit_ruled(chat_id, steps),
                system_prompt=opts.system_prompt,
                max_tool_rounds=opts.max_tool_rounds,
                max_context_tokens=opts.max_context_tokens,
                **(await turn_model(self._models, chat.model) if self._models else {}),
                accepts_images=opts.accepts_images,
                running=self._hooks.calls(chat_id) if self._hooks.calls else None,
                asks=self._hooks.asks(chat_id) if self._hooks.asks else None,
            )

        try:
            async for frame in runner.run_turn(
                self._graph,
                chat_id=chat_id,
                thread_id=thread_id,
                context=context(),
                user_text=user_text,
                decisions=decisions,
                state=state,
                fork=fork,
                user_meta=meta,
            ):
                if isinstance(frame, p.ApprovalRequiredFrame):
                    self.set_pending(chat_id, True)
                if isinstance(frame, p.ErrorFrame):  # (the model failed) kept for a reload
                    await self._outcomes.record(
                        chat_id, thread_id, "failed", code=frame.code, message=frame.message
                    )
                if isinstance(frame, TERMINAL):
                    self._finishing.add(chat_id)
                (self._settled.add if isinstance(frame, p.DoneFrame) else self._settled.discard)(chat_id)
                await broadcast(frame)
        except asyncio.CancelledError:
            self._finishing.add(chat_id)
            # recorded before a reload can ask (a shutdown cuts the turn short: interrupted)
            kind: Kind = "interrupted" if self._closing else "stopped"
            await asyncio.shield(self._outcomes.record(chat_id, thread_id, kind))
            await broadcast(p.StoppedFrame(chat_id=chat_id))
            raise
        except ChatExtError as exc:
            self._finishing.add(chat_id)  # a client may resend at once: no spurious Conflict
            await self._failed(p.ErrorFrame(code=exc.code, message=str(exc), chat_id=chat_id), thread_id)
        except Exception as exc:  # the client gets a log reference (or the storage fault), no details
            error = incident(log, exc, f"turn failed in chat {chat_id} of {self.user}")
            self._finishing.add(chat_id)
            await self._failed(p.ErrorFrame(code=error.code, message=str(error), chat_id=chat_id), thread_id)
        finally:
            self._hooks.touch()
            await asyncio.shield(self._leases.release(chat_id))
        await after_turn(self._store, self.user, chat, user_text, self._hooks.chats_changed)

    async def _failed(self, frame: p.ErrorFrame, thread_id: str) -> None:
        """Record a failed turn (what the user is shown), then show it."""
        if frame.chat_id:
            await self._outcomes.record(
                frame.chat_id, thread_id, "failed", code=frame.code, message=frame.message
            )
        await self._hooks.broadcast(frame)

    async def _audit_ruled(self, chat_id: str, steps: Sequence[dict[str, Any]]) -> None:
        """Audit what the rules decided, before any of those calls runs."""
        for step in steps:
            await self._store.record_decision(
                self.user, chat_id, call_record(step["call"]), rule_decision(step), auto=True
            )

    # -- streaming --------------------------------------------------------------------------

    def stream(
        self,
        chat_id: str,
        *,
        text: str | None = None,
        decisions: list[p.Decision] | None = None,
        attachments: Attached = (),
    ) -> AsyncIterator[BaseModel]:
        """Start (or resume) a turn and yield its frames until it ends or pauses for approval."""
        if text is not None:
            return self.follow(chat_id, lambda: self.start(chat_id, text, attachments=attachments))
        if decisions is not None:
            return self.follow(chat_id, lambda: self.decide(chat_id, decisions))
        raise BadRequest("give text or decisions")

    def follow(self, chat_id: str, begin: Begin) -> AsyncIterator[BaseModel]:
        """The frames of the turn ``begin`` starts in ``chat_id`` (see :func:`.turn_stream.follow_turn`)."""
        return follow_turn(self._hooks.subscribe, self._hooks.unsubscribe, chat_id, begin)
