"""Run one chat turn on the agent graph and translate it into protocol frames."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from langchain_core.messages import (
    AIMessage,
    AnyMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.tools import BaseTool
from langgraph.types import Command, Durability

from .. import protocol as p
from ..errors import Conflict, ModelError
from .approval import AutoApprove, check_decisions, never, pending_call
from .graph import DEFAULT_MAX_TOOL_ROUNDS
from .streaming import message_text, token_event

ToolInfoFn = Callable[[str], p.ToolInfo | None]
CANCELLED_TEXT = "Tool call cancelled by user."
# Checkpoints are saved when a run ends (done, paused for approval, failed or cancelled), not
# after every step: one checkpoint per run instead of ~6 per tool-using turn (storage 8.6x -> ~4x
# raw message bytes in benchmarks/bench_checkpoint_growth.py). A pending approval ends the run,
# so it is saved and survives a restart (tests/agent/test_persistence.py). Trade-off: if the
# process dies mid-run (kill -9, power loss), that run's messages are lost, not half-saved.
DURABILITY: Durability = "exit"


def _no_info(_name: str) -> p.ToolInfo | None:
    return None


def thread_config(thread_id: str, **configurable: Any) -> dict[str, Any]:
    return {"configurable": {"thread_id": thread_id, **configurable}}


# -- message conversion ------------------------------------------------------------------


def _tool_call(call: dict[str, Any], tool_info: ToolInfoFn) -> p.ToolCall:
    name = str(call["name"])
    info = tool_info(name)
    return p.ToolCall(
        id=str(call["id"]),
        name=name,
        server=info.server if info else None,
        tool=info.tool if info else None,
        args=dict(call.get("args") or {}),
    )


def to_chat_message(message: BaseMessage, tool_info: ToolInfoFn = _no_info) -> p.ChatMessage:
    """The protocol record of a LangChain message."""
    mid = str(message.id or "")
    text = message_text(message)
    if isinstance(message, AIMessage):
        meta: dict[str, Any] = {}
        rmeta = message.response_metadata or {}
        if rmeta.get("demo") or (message.additional_kwargs or {}).get("demo"):
            meta["demo"] = True
        if rmeta.get("model_name"):
            meta["model"] = rmeta["model_name"]
        return p.ChatMessage(
            id=mid,
            role="assistant",
            content=text,
            tool_calls=[_tool_call(dict(c), tool_info) for c in message.tool_calls],
            metadata=meta,
        )
    if isinstance(message, ToolMessage):
        artifact = message.artifact if isinstance(message.artifact, dict) else {}
        meta = {"truncated": bool(artifact.get("truncated"))}
        if artifact.get("rejected"):
            meta["rejected"] = True
        if artifact.get("cancelled"):
            meta["cancelled"] = True
        return p.ChatMessage(
            id=mid,
            role="tool",
            content=text,
            tool_call_id=message.tool_call_id,
            name=message.name,
            status=message.status,
            metadata=meta,
        )
    if isinstance(message, SystemMessage):
        return p.ChatMessage(id=mid, role="system", content=text)
    return p.ChatMessage(id=mid, role="user", content=text)


# -- queries -------------------------------------------------------------------------------


async def load_state(graph: Any, thread_id: str) -> Any:
    """The thread's current StateSnapshot (loading a long thread is the main per-turn cost: load it
    once and read both :func:`messages_in` and :func:`pending_in` from it)."""
    return await graph.aget_state(thread_config(thread_id))


async def pending_calls(graph: Any, thread_id: str, tool_info: ToolInfoFn) -> list[p.PendingCall]:
    """Tool calls of the thread that wait for the user's decision (empty when none)."""
    return pending_in(await load_state(graph, thread_id), tool_info)


def pending_in(state: Any, tool_info: ToolInfoFn) -> list[p.PendingCall]:
    """The pending calls of a loaded state."""
    out: list[p.PendingCall] = []
    for intr in state.interrupts or ():
        value = intr.value if isinstance(intr.value, dict) else {}
        out.extend(pending_call(c, tool_info) for c in value.get("calls") or [])
    return out


async def history(graph: Any, thread_id: str) -> list[p.ChatMessage]:
    """The thread's messages as protocol records (oldest first)."""
    return messages_in(await load_state(graph, thread_id))


def messages_in(state: Any) -> list[p.ChatMessage]:
    """The messages of a loaded state as protocol records (oldest first)."""
    messages: list[AnyMessage] = list((state.values or {}).get("messages") or [])
    return [to_chat_message(m) for m in messages]


async def delete_thread(checkpointer: Any, thread_id: str) -> None:
    await checkpointer.adelete_thread(thread_id)


# -- turns ---------------------------------------------------------------------------------


async def settle(graph: Any, thread_id: str, state: Any = None) -> None:
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
    graph: Any,
    *,
    chat_id: str,
    thread_id: str,
    tools: Sequence[BaseTool],
    user_text: str | None = None,
    decisions: list[p.Decision] | None = None,
    auto_approve: AutoApprove = never,
    system_prompt: str | None = None,
    max_tool_rounds: int = DEFAULT_MAX_TOOL_ROUNDS,
    max_context_tokens: int = 0,
    tool_info: ToolInfoFn = _no_info,
) -> AsyncIterator[p.TurnEvent]:
    """Run (or resume) a turn; yield frames until it is done or pauses for approval.

    Exactly one of ``user_text`` / ``decisions``. Decisions must cover every pending call
    (Conflict when nothing is pending, BadRequest otherwise). A model failure yields an
    ``error`` frame with code ``model_error``; cancellation settles the thread and re-raises.
    """
    if (user_text is None) == (decisions is None):
        raise ValueError("give exactly one of user_text / decisions")
    cfg = thread_config(
        thread_id,
        tools=list(tools),
        auto_approve=auto_approve,
        system_prompt=system_prompt,
        max_tool_rounds=max_tool_rounds,
        max_context_tokens=max_context_tokens,
    )
    graph_input: Any
    if decisions is not None:
        check_decisions(await pending_calls(graph, thread_id, tool_info), decisions)
        graph_input = Command(resume=[d.model_dump() for d in decisions])
        yield p.TurnStartedFrame(chat_id=chat_id)
    else:
        # one state load for both checks: loading a long thread is the main per-turn cost
        state = await load_state(graph, thread_id)
        if pending_in(state, tool_info):
            raise Conflict("tool calls in this chat are waiting for your approval; decide them first")
        await settle(graph, thread_id, state)  # a previous turn that died without cleanup
        human = HumanMessage(content=user_text or "", id=str(uuid.uuid4()))  # known to clients at once
        graph_input = {"messages": [human], "rounds": 0, "plan": []}
        yield p.TurnStartedFrame(chat_id=chat_id, user_message=to_chat_message(human))

    final: AIMessage | None = None
    paused: p.ApprovalRequiredFrame | None = None  # sent once the stream (and checkpoint) ends
    stream_ids: dict[str, str] = {}  # chunk id -> message id shown to the client
    try:
        async for mode, data in graph.astream(
            graph_input, cfg, stream_mode=["custom", "updates"], durability=DURABILITY
        ):
            if mode == "custom":
                if token := token_event(data):
                    key, text = token
                    mid = stream_ids.setdefault(key, key or f"ai-{len(stream_ids)}")
                    yield p.TokenFrame(chat_id=chat_id, message_id=mid, text=text)
                continue
            for node, update in (data or {}).items():
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
                calls=[_tool_call(s["call"], tool_info) for s in auto],
            )
        )
    for s in plan:
        if s["action"] != "reject":
            frames.append(p.ToolStartedFrame(chat_id=chat_id, call=_tool_call(s["call"], tool_info)))
    return frames
