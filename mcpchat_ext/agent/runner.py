"""Run one chat turn on the agent graph and translate it into protocol frames.

The rules of a turn live here, each once: :func:`check_send` (no new message while tool calls
wait for approval) and :func:`check_decide` (a valid decision for every pending call), each
loading the thread's state once. The caller (:class:`mcpchat_ext.users.turns.TurnManager`) runs
them under its per-chat lock and hands what they return to :func:`run_turn`.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langgraph.types import Command, Durability, StateSnapshot

from .. import protocol as p
from ..errors import Conflict, ModelError
from .approval import check_decisions, pending_call
from .graph import AgentGraph
from .messages import ToolInfoFn, messages_in, no_info, to_chat_message, tool_call_record
from .run_context import TurnContext
from .streaming import token_event

__all__ = ["check_decide", "check_send", "load_state", "messages_in", "pending_in", "run_turn", "settle"]

PENDING_MESSAGE = "tool calls in this chat are waiting for your approval; decide them first"

CANCELLED_TEXT = "Tool call cancelled by user."
# Checkpoints are saved when a run ends (done, paused for approval, failed or cancelled), not
# after every step: one checkpoint per run instead of ~6 per tool-using turn (storage 8.6x -> ~4x
# raw message bytes in benchmarks/bench_checkpoint_growth.py). A pending approval ends the run,
# so it is saved and survives a restart (tests/agent/test_persistence.py). Trade-off: if the
# process dies mid-run (kill -9, power loss), that run's messages are lost, not half-saved.
DURABILITY: Durability = "exit"


def thread_config(thread_id: str) -> RunnableConfig:
    return {"configurable": {"thread_id": thread_id}}


# -- queries -------------------------------------------------------------------------------


async def load_state(graph: AgentGraph, thread_id: str) -> StateSnapshot:
    """The thread's current StateSnapshot (loading a long thread is the main per-turn cost: load it
    once and read both :func:`messages_in` and :func:`pending_in` from it)."""
    return await graph.aget_state(thread_config(thread_id))


def pending_in(state: StateSnapshot, tool_info: ToolInfoFn) -> list[p.PendingCall]:
    """The pending calls of a loaded state."""
    out: list[p.PendingCall] = []
    for intr in state.interrupts or ():
        value = intr.value if isinstance(intr.value, dict) else {}
        out.extend(pending_call(c, tool_info) for c in value.get("calls") or [])
    return out


# -- turns ---------------------------------------------------------------------------------


async def check_send(graph: AgentGraph, thread_id: str, tool_info: ToolInfoFn) -> StateSnapshot:
    """The thread's state, ready for a new user message; Conflict while calls wait for approval."""
    state = await load_state(graph, thread_id)
    if pending_in(state, tool_info):
        raise Conflict(PENDING_MESSAGE)
    return state


async def check_decide(
    graph: AgentGraph, thread_id: str, decisions: list[p.Decision], tool_info: ToolInfoFn
) -> list[p.PendingCall]:
    """The pending calls ``decisions`` answer (Conflict when none wait, BadRequest when the
    decisions do not cover each of them exactly once)."""
    pending = pending_in(await load_state(graph, thread_id), tool_info)
    check_decisions(pending, decisions)
    return pending


async def settle(graph: AgentGraph, thread_id: str, state: StateSnapshot | None = None) -> None:
    """Leave an interrupted thread consistent: no queued steps, every tool call answered.

    Used after a failure or a cancellation. Tool calls without a result get a
    "cancelled by user" ToolMessage; the update is applied as the agent node so that the
    graph routes to END and the next user message starts cleanly.
    """
    cfg = thread_config(thread_id)
    if state is None:  # ``state``: the thread's current StateSnapshot, when the caller has it
        state = await graph.aget_state(cfg)
    if not state.next or state.interrupts:
        return  # finished, or paused for approval (which stays pending)
    messages: list[AnyMessage] = list((state.values or {}).get("messages") or [])
    answered = {m.tool_call_id for m in messages if isinstance(m, ToolMessage)}
    last_ai = next((m for m in reversed(messages) if isinstance(m, AIMessage)), None)
    missing = [c for c in (last_ai.tool_calls if last_ai else []) if c["id"] not in answered]
    answers = [
        ToolMessage(
            content=CANCELLED_TEXT,
            tool_call_id=c["id"],
            name=c["name"],
            status="error",
            artifact={"cancelled": True},
        )
        for c in missing
    ]
    await graph.aupdate_state(cfg, {"messages": answers, "plan": []}, as_node="agent")


async def run_turn(
    graph: AgentGraph,
    *,
    chat_id: str,
    thread_id: str,
    context: TurnContext,
    user_text: str | None = None,
    decisions: list[p.Decision] | None = None,
    state: StateSnapshot | None = None,
    tool_info: ToolInfoFn = no_info,
) -> AsyncIterator[p.TurnEvent]:
    """Run (or resume) a turn; yield frames until it is done or pauses for approval.

    Exactly one of ``user_text`` / ``decisions`` (already checked against what is pending).
    ``state``: the thread's state the caller loaded before a new message, so that a previous run
    that died without cleanup is settled first (None: the caller knows the thread is settled).
    A model failure yields an ``error`` frame with code ``model_error``; cancellation settles the
    thread and re-raises.
    """
    if (user_text is None) == (decisions is None):
        raise ValueError("give exactly one of user_text / decisions")
    graph_input: Any
    if decisions is not None:
        graph_input = Command(resume=[d.model_dump() for d in decisions])
        yield p.TurnStartedFrame(chat_id=chat_id)
    else:
        if state is not None:
            await settle(graph, thread_id, state)  # a previous turn that died without cleanup
        human = HumanMessage(content=user_text or "", id=str(uuid.uuid4()))  # known to clients at once
        graph_input = {"messages": [human], "rounds": 0, "plan": []}
        yield p.TurnStartedFrame(chat_id=chat_id, user_message=to_chat_message(human))

    cfg = thread_config(thread_id)
    final: AIMessage | None = None
    paused: p.ApprovalRequiredFrame | None = None  # sent once the stream (and checkpoint) ends
    stream_ids: dict[str, str] = {}  # chunk id -> message id shown to the client
    try:
        async for mode, data in graph.astream(
            graph_input, cfg, context=context, stream_mode=["custom", "updates"], durability=DURABILITY
        ):
            if mode == "custom":
                if token := token_event(data):
                    key, text = token
                    mid = stream_ids.setdefault(key, key or f"ai-{len(stream_ids)}")
                    yield p.TokenFrame(chat_id=chat_id, message_id=mid, text=text)
                continue
            updates: dict[str, Any] = data if isinstance(data, dict) else {}
            for node, update in updates.items():
                if node == "__interrupt__":
                    calls = [
                        pending_call(c, tool_info)
                        for intr in update
                        for c in (intr.value or {}).get("calls") or []
                    ]
                    paused = p.ApprovalRequiredFrame(chat_id=chat_id, calls=calls)
                    continue
                if not isinstance(update, dict):
                    continue
                if node == "agent":
                    for m in update.get("messages") or []:
                        if isinstance(m, AIMessage):
                            final = m
                            yield p.AiMessageFrame(chat_id=chat_id, message=to_chat_message(m, tool_info))
                elif node == "approval":
                    for frame in _plan_frames(chat_id, update.get("plan") or [], tool_info):
                        yield frame
                elif node == "tools":
                    for m in update.get("messages") or []:
                        if isinstance(m, ToolMessage):
                            msg = to_chat_message(m, tool_info)
                            yield p.ToolResultFrame(
                                chat_id=chat_id,
                                message=msg,
                                truncated=bool(msg.metadata.get("truncated")),
                            )
    except ModelError as exc:
        await asyncio.shield(settle(graph, thread_id))
        yield p.ErrorFrame(code="model_error", message=str(exc), chat_id=chat_id)
        return
    except BaseException:
        await asyncio.shield(settle(graph, thread_id))
        raise
    if paused is not None:
        yield paused
        return
    yield p.DoneFrame(chat_id=chat_id, message=to_chat_message(final, tool_info) if final else None)


def _plan_frames(chat_id: str, plan: list[dict[str, Any]], tool_info: ToolInfoFn) -> list[p.TurnEvent]:
    frames: list[p.TurnEvent] = []
    auto = [s for s in plan if s.get("auto")]
    if auto:
        frames.append(
            p.ApprovalDecidedFrame(
                chat_id=chat_id,
                decisions=[p.Decision(call_id=s["call"]["id"], action="approve") for s in auto],
                auto=True,
                calls=[tool_call_record(s["call"], tool_info) for s in auto],
            )
        )
    for s in plan:
        if s["action"] != "reject":
            frames.append(p.ToolStartedFrame(chat_id=chat_id, call=tool_call_record(s["call"], tool_info)))
    return frames
