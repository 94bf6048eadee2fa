"""Token usage of model replies: what the endpoint reported, its cost, and how good the context
trimming's estimate was.

The agent node stamps every reply (:func:`stamp`) with the catalog id of the model that answered,
the cost of its tokens (where the catalog has prices) and the estimated size of the prompt it was
sent. The endpoint's own count (``usage_metadata``, from the final stream chunk) is kept by
LangChain on the message; both are checkpointed with it, so history shows the usage of every
reply and the next turn corrects its estimate (:func:`correction`) by how far the last one was off.

An MCP server's sampling requests run on the chat's model too: what they spent during a tool call
is put on the call's result (:func:`with_sampling`, in its artifact) and counted in the chat's
totals (not as a reply, and not in the context: it was another prompt). The store keeps it too,
from the moment the model answered (``spent``, by call id): a call that got no result of its own
(stopped, interrupted) still counts, and the store's count is the one used when both have it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.messages import AIMessage, AnyMessage, ToolMessage
from langchain_core.tools import BaseTool

from .. import protocol as p
from .catalog import ModelEntry
from .context import CHARS_PER_TOKEN, estimate_tokens

META = "mcpchat"  # the key of the stamp in a reply's response_metadata
SAMPLING = "sampling_usage"  # the key of a tool result's sampling usage in its artifact
MIN_SCALE, MAX_SCALE = 0.25, 4.0


def estimate_prompt(prompt: Sequence[AnyMessage], tools: Sequence[BaseTool]) -> int:
    """The estimated tokens of a prompt: its messages and the schemas of the offered tools."""
    chars = sum(len(json.dumps({"n": t.name, "d": t.description, "s": t.args}, default=str)) for t in tools)
    return sum(estimate_tokens(m) for m in prompt) + chars // CHARS_PER_TOKEN


def stamp(reply: AIMessage, entry: ModelEntry | None, estimated_prompt: int) -> AIMessage:
    """``reply`` with the model's id, the cost and the prompt estimate in its metadata."""
    info: dict[str, Any] = {"estimated_prompt": estimated_prompt}
    usage = reply.usage_metadata
    if entry is not None:
        info["model"] = entry.id
        if usage is not None:
            info["cost"] = entry.cost(int(usage["input_tokens"]), int(usage["output_tokens"]))
    return reply.model_copy(update={"response_metadata": {**(reply.response_metadata or {}), META: info}})


def _stamp_of(message: AIMessage) -> dict[str, Any]:
    info = (message.response_metadata or {}).get(META)
    return info if isinstance(info, dict) else {}


def reply_usage(message: AIMessage) -> p.Usage | None:
    """The usage of one reply (None when the endpoint reported none)."""
    usage = message.usage_metadata
    info = _stamp_of(message)
    if usage is None:
        return None
    cost = info.get("cost")
    return p.Usage(
        input_tokens=int(usage.get("input_tokens") or 0),
        output_tokens=int(usage.get("output_tokens") or 0),
        cost=float(cost) if isinstance(cost, int | float) else None,
        model=str(info["model"]) if info.get("model") else None,
    )


def with_sampling(result: ToolMessage, usage: p.Usage | None) -> ToolMessage:
    """``result`` with what its server's sampling requests spent (kept in its artifact)."""
    if usage is not None and isinstance(result.artifact, dict | None):
        result.artifact = {**(result.artifact or {}), SAMPLING: usage.model_dump()}
    return result


def sampling_usage(message: ToolMessage) -> p.Usage | None:
    """What the sampling requests of a tool call spent (None: none ran)."""
    artifact = message.artifact if isinstance(message.artifact, dict) else {}
    spent = artifact.get(SAMPLING)
    return p.Usage.model_validate(spent) if isinstance(spent, dict) else None


def added(was: p.Usage | None, usage: p.Usage) -> p.Usage:
    """``was`` and ``usage`` together (two sampling requests of one call)."""
    if was is None:
        return usage
    cost = None if was.cost is None and usage.cost is None else (was.cost or 0.0) + (usage.cost or 0.0)
    return p.Usage(
        input_tokens=was.input_tokens + usage.input_tokens,
        output_tokens=was.output_tokens + usage.output_tokens,
        cost=cost,
        model=usage.model or was.model,
    )


def _add(total: p.ChatUsage, usage: p.Usage) -> None:
    total.input_tokens += usage.input_tokens
    total.output_tokens += usage.output_tokens
    if usage.cost is not None:
        total.cost = (total.cost or 0.0) + usage.cost


def chat_usage(
    messages: Sequence[AnyMessage], context_window: int | None, spent: Mapping[str, p.Usage] | None = None
) -> p.ChatUsage:
    """The totals of a chat's replies and sampling requests, and the size of its last prompt +
    reply. ``spent``: what the store kept of the sampling requests, by tool call id (counted for
    the calls of ``messages``, once each, instead of what their results carry)."""
    spent = spent or {}
    total = p.ChatUsage(context_window=context_window)
    counted: set[str] = set()
    for m in messages:
        if isinstance(m, ToolMessage):
            calls = [(m.tool_call_id, spent.get(m.tool_call_id) or sampling_usage(m))]
        elif isinstance(m, AIMessage):
            if (usage := reply_usage(m)) is not None:
                total.replies += 1
                total.context_tokens = usage.input_tokens + usage.output_tokens
                _add(total, usage)
            calls = [(str(c.get("id")), spent.get(str(c.get("id")))) for c in m.tool_calls]
        else:
            continue
        for call_id, sampled in calls:
            if sampled is None or call_id in counted:
                continue
            counted.add(call_id)
            total.sampling_tokens += sampled.input_tokens + sampled.output_tokens
            _add(total, sampled)
    return total


def with_spent(messages: list[p.ChatMessage], spent: Mapping[str, p.Usage]) -> list[p.ChatMessage]:
    """``messages`` with the store's count on the results of the calls that sampled (a stopped
    call's result has none of its own)."""
    return [
        m.model_copy(update={"usage": spent[m.tool_call_id]})
        if m.role == "tool" and m.tool_call_id is not None and m.tool_call_id in spent
        else m
        for m in messages
    ]


def correction(messages: Sequence[AnyMessage]) -> float:
    """How many real prompt tokens the last reply's endpoint counted per estimated one (1.0 when
    no reply has both; bounded, so one odd count cannot empty or overfill the context)."""
    for m in reversed(messages):
        if not isinstance(m, AIMessage):
            continue
        estimated = _stamp_of(m).get("estimated_prompt")
        usage = m.usage_metadata
        if isinstance(estimated, int) and estimated > 0 and usage and usage.get("input_tokens"):
            return min(MAX_SCALE, max(MIN_SCALE, int(usage["input_tokens"]) / estimated))
    return 1.0
