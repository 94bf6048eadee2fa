"""Graph state: the message log (stored as deltas) and per-turn bookkeeping."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, TypedDict

from langchain_core.messages import AnyMessage
from langgraph.channels import DeltaChannel
from langgraph.graph.message import add_messages


def fold_messages(state: list[AnyMessage], writes: Sequence[Any]) -> list[AnyMessage]:
    """Fold a batch of message writes with ``add_messages`` semantics (ids, RemoveMessage).

    Folding write by write makes the reducer batching-invariant, as DeltaChannel requires:
    ``fold(fold(s, xs), ys) == fold(s, xs + ys)``.
    """
    result: list[AnyMessage] = list(state)
    for write in writes:
        result = add_messages(result, write)  # type: ignore[arg-type,assignment]
    return result


class AgentState(TypedDict, total=False):
    # Checkpoints store only each step's new messages, so storage grows linearly with a chat.
    messages: Annotated[list[AnyMessage], DeltaChannel(fold_messages)]
    # Tool rounds run since the user's last message (bounded by max_tool_rounds).
    rounds: int
    # The approval node's decisions for the tool node: [{"call", "action", "reason", "auto"}].
    plan: list[dict[str, Any]]
