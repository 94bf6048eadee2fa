"""Run one chat turn on the agent graph and translate it into protocol frames.

The rules of a turn live here, each once: :func:`check_send` (no new message while tool calls
wait for approval) and :func:`check_decide` (a valid decision for every pending call), each
loading the thread's state once. The caller (:class:`mcpchat_ext.users.turns.TurnManager`) runs
them under its per-chat lock and hands what they return to :func:`run_turn`.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable
from typing import Any

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langgraph.types import Command, Durability, StateSnapshot

from .. import protocol as p
from ..errors import Conflict, ModelError
from .approval import check_decisions, pending_call, rule_decision
from .branches import MARK, Fork, at_checkpoint
from .call_asker import SERVER_REQUEST_EVENT
from .graph import RECEIVED, AgentGraph
from .messages import call_record, messages_in, to_chat_message
from .progress import PROGRESS_EVENT
from .refusals import CANCELLED_TEXT, cut_short
from .run_context import TurnContext
from .streaming import token_event

__all__ = [
    "CANCELLED_TEXT",
    "check_decide",
    "check_send",
    "load_state",
    "messages_in",
    "pending_in",
    "run_turn",
    "settle",
]

PENDING_MESSAGE = "tool calls in this chat are waiting for your approval; decide them first"

# When checkpoints are written. A user's message is written before its run starts (so a crash
# mid-reply loses at most the partial reply). A resumed run (the user approved calls)
# checkpoints every step ("sync"): the plan of approved calls is durable before any of them
# starts, so after a crash a started call is answered as interrupted and never offered, or run,
# again. Other runs save when they end ("exit": one checkpoint; a pending approval ends the run,
# so it survives a restart); a call a rule allowed in such a run is audited before it starts
# (TurnContext.before_run), and after a crash its run is lost with the partial reply: it is not
# re-offered and not re-run.
DURABLE_STEPS: Durability = "sync"
AT_EXIT: Durability = "exit"


def thread_config(thread_id: str) -> RunnableConfig:
    return {"configurable": {"thread_id": thread_id}}


# -- queries -------------------------------------------------------------------------------


async def load_state(graph: AgentGraph, thread_id: str) -> StateSnapshot:
    """The thread's current StateSnapshot (loading a long thread is the main per-turn cost: load it
    once and read both :func:`messages_in` and :func:`pending_in` from it)."""
    return await graph.aget_state(thread_config(thread_id))


def pending_in(state: StateSnapshot) -> list[p.PendingCall]:
    """The calls of a loaded state that wait for the user (each as its card shows it)."""
    out: list[p.PendingCall] = []
    for intr in state.interrupts or ():
        value = intr.value if isinstance(intr.value, dict) else {}
        out.extend(pending_call(c) for c in value.get("calls") or [])
    return out


# -- turns ---------------------------------------------------------------------------------


async def check_send(graph: AgentGraph, thread_id: str) -> StateSnapshot:
    """The thread's state, ready for a new user message; Conflict while calls wait for approval."""
    state = await load_state(graph, thread_id)
    if pending_in(state):
        raise Conflict(PENDING_MESSAGE)
    return state


async def check_decide(graph: AgentGraph, thread_id: str, decisions: list[p.Decision]) -> list[p.PendingCall]:
    """The pending calls ``decisions`` answer (Conflict when none wait, BadRequest when the
    decisions do not cover each of them exactly once or an edit does not fit its schema)."""
    pending = pending_in(await load_state(graph, thread_id))
    check_decisions(pending, decisions)
    return pending


def unfinished(state: StateSnapshot) -> bool:
    """A run of this thread stopped midway (failure, Stop, or a crash) and was not settled."""
    return bool(state.next) and not state.interrupts


async def settle(
    graph: AgentGraph,
    thread_id: str,
    state: StateSnapshot | None = None,
    *,
    cancelled: bool = False,
    partial: AIMessage | None = None,
) -> bool:
    """Leave an unfinished thread consistent: no queued steps, every tool call answered.

    Used after a failure, a Stop (``cancelled``) or a crash. Tool calls without a result get an
    error ToolMessage: "cancelled by user", or "interrupted, may or may not have completed"; the
    update is applied as the agent node so the graph routes to END and the next message starts
    cleanly. ``partial``: the reply a Stop cut short, as far as it had streamed (kept, so that a
    reload shows what the user saw). A thread paused for approval stays pending. True when there
    was something to settle.
    """
    cfg = thread_config(thread_id)
    if state is None:  # ``state``: the thread's current StateSnapshot, when the caller has it
        state = await graph.aget_state(cfg)
    if not unfinished(state):
        return False
    messages: list[AnyMessage] = list((state.values or {}).get("messages") or [])
    answered = {m.tool_call_id for m in messages if isinstance(m, ToolMessage)}
    last_ai = next((m for m in reversed(messages) if isinstance(m, AIMessage)), None)
    missing = [c for c in (last_ai.tool_calls if last_ai else []) if c["id"] not in answered]
    answers: list[AnyMessage] = [cut_short(c, cancelled=cancelled) for c in missing]
    if partial is not None:
        answers.append(partial)
    await graph.aupdate_state(cfg, {"messages": answers, "plan": []}, as_node="agent")
    return True


def _partial_reply(streamed: dict[str, str], replied: set[str]) -> AIMessage | None:
    """The reply whose tokens streamed but that never ended (Stop), as a message marked stopped."""
    cut = [(mid, text) for mid, text in streamed.items() if mid not in replied and text]
    if not cut:
        return None
    mid, text = cut[-1]
    return AIMessage(content=text, id=mid, additional_kwargs={"mcpchat": {"stopped": True}})


async def run_turn(
    graph: AgentGraph,
    *,
    chat_id: str,
    thread_id: str,
    context: TurnContext | Awaitable[TurnContext],
    user_text: str | None = None,
    decisions: list[p.Decision] | None = None,
    state: StateSnapshot | None = None,
    fork: Fork | None = None,
    user_meta: dict[str, Any] | None = None,
) -> AsyncIterator[p.TurnEvent]:
    """Run (or resume) a turn; yield frames until it is done or pauses for approval.

    Exactly one of ``user_text`` / ``decisions`` (already checked against what is pending).
    ``context``: the run context, or an awaitable of it (it is then prepared while the user's
    message is written: fewer round trips before the model is called).
    ``fork``: the user message is a new version of an earlier one (a retry or an edit), written
    as a new branch from the checkpoint before it (agent/branches.py).
    ``state``: the thread's state the caller loaded before a new message, so that a previous run
    that died without cleanup is settled first (None: the caller knows the thread is settled).
    A model failure yields an ``error`` frame with code ``model_error``; cancellation settles the
    thread and re-raises.
    """
    if (user_text is None) == (decisions is None):
        raise ValueError("give exactly one of user_text / decisions")
    cfg = thread_config(thread_id)
    graph_input: Any
    durability = DURABLE_STEPS if decisions is not None else AT_EXIT

    async def ready() -> TurnContext:
        return context if isinstance(context, TurnContext) else await context

    if decisions is not None:
        graph_input = Command(resume=[d.model_dump() for d in decisions])
        run_context = await ready()
        yield p.TurnStartedFrame(chat_id=chat_id)
    else:
        if state is not None:
            await settle(graph, thread_id, state)  # a previous turn that died without cleanup
        # known to clients at once; ``user_meta`` (attachments) is recorded, never sent to the model
        human = HumanMessage(
            content=user_text or "", id=str(uuid.uuid4()), additional_kwargs={"mcpchat": user_meta or {}}
        )
        # durable before the model is called: a crash mid-reply keeps the user's message; its
        # checkpoint names it (MARK), so that it can later be retried or edited as a branch
        where = at_checkpoint(thread_id, fork.parent) if fork is not None else cfg
        marked: RunnableConfig = {**where, "metadata": {MARK: human.id}}
        write = graph.aupdate_state(marked, {"messages": [human], "rounds": 0, "plan": []}, as_node=RECEIVED)
        run_context, _ = await asyncio.gather(ready(), write)
        graph_input = None
        replaces = fork.replaces if fork is not None else None
        yield p.TurnStartedFrame(chat_id=chat_id, user_message=to_chat_message(human), replaces=replaces)
    final: AIMessage | None = None
    paused: p.ApprovalRequiredFrame | None = None  # sent once the stream (and checkpoint) ends
    stream_ids: dict[str, str] = {}  # chunk id -> message id shown to the client
    streamed: dict[str, str] = {}  # message id -> the text its token frames carried
    replied: set[str] = set()  # ids of the replies that ended (their whole message was sent)
    try:
        async for mode, data in graph.astream(
            graph_input, cfg, context=run_context, stream_mode=["custom", "updates"], durability=durability
        ):
            if mode == "custom":
                if token := token_event(data):
                    key, text = token
                    mid = stream_ids.setdefault(key, key or f"ai-{len(stream_ids)}")
                    streamed[mid] = streamed.get(mid, "") + text
                    yield p.TokenFrame(chat_id=chat_id, message_id=mid, text=text)
                elif isinstance(data, dict) and data.get("event") == PROGRESS_EVENT:
                    yield p.ToolProgressFrame(
                        chat_id=chat_id, **{k: v for k, v in data.items() if k != "event"}
                    )
                elif isinstance(data, dict) and data.get("event") == SERVER_REQUEST_EVENT:
                    yield data["frame"]  # an MCP server's request of a running call (call_asker.py)
                continue
            updates: dict[str, Any] = data if isinstance(data, dict) else {}
            for node, update in updates.items():
                if node == "__interrupt__":
                    payloads = [c for intr in update for c in (intr.value or {}).get("calls") or []]
                    calls = [pending_call(c) for c in payloads]
                    paused = p.ApprovalRequiredFrame(chat_id=chat_id, calls=calls)
                    continue
                if not isinstance(update, dict):
                    continue
                if node == "agent":
                    for m in update.get("messages") or []:
                        if isinstance(m, AIMessage):
                            final = m
                            replied.add(str(m.id))
                            yield p.AiMessageFrame(chat_id=chat_id, message=to_chat_message(m))
                elif node == "approval":
                    for m in update.get("messages") or []:  # approved with edits: what runs
                        if isinstance(m, AIMessage):
                            final = m
                            yield p.AiMessageFrame(chat_id=chat_id, message=to_chat_message(m))
                    for frame in _plan_frames(chat_id, update.get("plan") or []):
                        yield frame
                elif node == "tools":
                    for m in update.get("messages") or []:
                        if isinstance(m, ToolMessage):
                            msg = to_chat_message(m)
                            yield p.ToolResultFrame(
                                chat_id=chat_id,
                                message=msg,
                                truncated=bool(msg.metadata.get("truncated")),
                            )
    except ModelError as exc:
        await asyncio.shield(settle(graph, thread_id))
        yield p.ErrorFrame(code="model_error", message=str(exc), chat_id=chat_id)
        return
    except asyncio.CancelledError:
        partial = _partial_reply(streamed, replied)
        await asyncio.shield(settle(graph, thread_id, cancelled=True, partial=partial))
        raise
    except BaseException:
        await asyncio.shield(settle(graph, thread_id))
        raise
    if paused is not None:
        yield paused
        return
    yield p.DoneFrame(chat_id=chat_id, message=to_chat_message(final) if final else None)


def _plan_frames(chat_id: str, plan: list[dict[str, Any]]) -> list[p.TurnEvent]:
    frames: list[p.TurnEvent] = []
    ruled = [s for s in plan if s.get("auto")]
    if ruled:  # decided by a rule, not by the user: announced (and audited) like a decision
        frames.append(
            p.ApprovalDecidedFrame(
                chat_id=chat_id,
                decisions=[rule_decision(s) for s in ruled],
                auto=True,
                calls=[call_record(s["call"]) for s in ruled],
            )
        )
    for s in plan:
        if s["action"] in ("approve", "edit"):
            frames.append(p.ToolStartedFrame(chat_id=chat_id, call=call_record(s["call"])))
    return frames
