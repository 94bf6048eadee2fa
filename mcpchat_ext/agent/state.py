"""Graph state: the message log (stored as deltas) and per-turn bookkeeping."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated, Any, TypedDict

from langchain_core.messages import AnyMessage, BaseMessage, BaseMessageChunk, RemoveMessage
from langgraph.channels import DeltaChannel
from langgraph.graph.message import add_messages

# A full snapshot of the message list every N channel updates (~4 per tool-using turn). Each
# snapshot costs the whole history, so storage has a quadratic term of about 2*turns/N times the raw
# message bytes; a replay between snapshots walks up to ~1.5*N small checkpoints. Measured with
# benchmarks/bench_checkpoint_growth.py at 500 turns: 100 (LangGraph's default) 13.6 MB and
# 75-103 ms/turn late, 200 10.3 MB and 76 ms/turn, 400 8.6 MB and 65 ms/turn, 1000 7.6 MB but
# 113 ms/turn (long walks); the whole 500 turns run fastest at 200-400.
SNAPSHOT_EVERY = 400


def _plain_new(batch: list[Any], index: dict[str, int]) -> bool:
    """Whether ``batch`` only appends: plain messages whose ids are new (and distinct)."""
    seen: set[str] = set()
    for m in batch:
        if not isinstance(m, BaseMessage) or isinstance(m, BaseMessageChunk | RemoveMessage):
            return False
        if m.id is None:
            m.id = str(uuid.uuid4())  # as add_messages does
        if m.id in index or m.id in seen:
            return False
        seen.add(m.id)
    return True


def fold_messages(state: list[AnyMessage], writes: Sequence[Any]) -> list[AnyMessage]:
    """Fold a batch of message writes with ``add_messages`` semantics (ids, RemoveMessage).

    Folding write by write makes the reducer batching-invariant, as DeltaChannel requires:
    ``fold(fold(s, xs), ys) == fold(s, xs + ys)``. Writes that only append new messages (the
    common case) are appended through one id index, so replaying W writes onto N messages costs
    O(N + W) instead of O(N * W); anything else (replacements, removals, dicts, chunks) goes
    through ``add_messages`` itself.
    """
    result: list[AnyMessage] = list(state)
    index: dict[str, int] | None = None
    for write in writes:
        batch = list(write) if isinstance(write, list) else [write]
        if index is None:
            for m in result:
                if m.id is None:
                    m.id = str(uuid.uuid4())
            index = {str(m.id): i for i, m in enumerate(result)}
        if _plain_new(batch, index):
            for m in batch:
                index[str(m.id)] = len(result)
                result.append(m)
        else:
            result = add_messages(result, batch)  # type: ignore[arg-type,assignment]
            index = None
    return result


class AgentState(TypedDict, total=False):
    # Checkpoints store only each step's new messages, so storage grows linearly with a chat.
    messages: Annotated[list[AnyMessage], DeltaChannel(fold_messages, snapshot_frequency=SNAPSHOT_EVERY)]
    # Tool rounds run since the user's last message (bounded by max_tool_rounds).
    rounds: int
    # The approval node's decisions for the tool node: [{"call", "action", "reason", "auto"}].
    plan: list[dict[str, Any]]
