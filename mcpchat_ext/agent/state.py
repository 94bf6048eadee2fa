"""Graph state: the message log (stored as deltas) and per-turn bookkeeping."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Sequence
from typing import Annotated, Any, TypedDict

from langchain_core.messages import AnyMessage, BaseMessage, BaseMessageChunk, RemoveMessage
from langgraph.channels import DeltaChannel
from langgraph.graph.message import add_messages

# A full snapshot of the message list every N channel updates (~4 per tool-using turn). Each
# snapshot stores the whole history, so over T turns snapshots add about (T/turns_per_N + 1)/2
# times the raw message bytes. Loads rarely walk to a snapshot: agent/checkpoint.py caches each
# thread's rebuilt list and replays only the writes since; only a thread's first load in a process
# walks back to the snapshot (500 turns, no snapshot: ~30 ms). Measured with
# benchmarks/bench_checkpoint_growth.py (500 turns, runner.DURABILITY="exit"): 400 -> 3.65 MB =
# 5.5x raw (snapshots every 100 turns are 2 MB of it), 4000 -> 1.65 MB = 2.5x. (Before the cache,
# long walks made large N slow: 1000 cost 113 ms/turn at turn 500.)
SNAPSHOT_EVERY = 4000


def _plain_new(batch: list[Any], ids: set[str]) -> bool:
    """Whether ``batch`` only appends: plain messages whose ids are new (and distinct)."""
    seen: set[str] = set()
    for m in batch:
        if not isinstance(m, BaseMessage) or isinstance(m, BaseMessageChunk | RemoveMessage):
            return False
        if m.id is None:
            m.id = str(uuid.uuid4())  # as add_messages does
        if m.id in ids or m.id in seen:
            return False
        seen.add(m.id)
    return True


def _ids(messages: list[AnyMessage]) -> set[str]:
    ids: set[str | None] = {m.id for m in messages}
    if None in ids:
        for m in messages:
            if m.id is None:
                m.id = str(uuid.uuid4())  # as add_messages does
        ids = {m.id for m in messages}
    return ids  # type: ignore[return-value]


# Id sets of recent fold results. DeltaChannel hands a fold's result back as the state of the next
# update, so the set is built once per loaded history instead of once per update (~4 per turn: the
# set over a long chat's history was the largest per-turn cost that grew with the chat). A cached
# set may hold more ids than its list (the next fold adds to it): that is safe, an id wrongly
# thought present only sends a write through add_messages, which gives the same result.
_RECENT_IDS: OrderedDict[int, tuple[list[AnyMessage], int, set[str]]] = OrderedDict()
_RECENT_MAX = 64


def _known_ids(messages: list[AnyMessage]) -> set[str]:
    """A superset of the ids in ``messages`` (the cached set of a recent result, else a new one)."""
    entry = _RECENT_IDS.get(id(messages))
    if entry is not None and entry[0] is messages and entry[1] == len(messages):
        return entry[2]
    return _ids(messages)


def _remember_ids(messages: list[AnyMessage], ids: set[str]) -> None:
    _RECENT_IDS[id(messages)] = (messages, len(messages), ids)
    _RECENT_IDS.move_to_end(id(messages))
    while len(_RECENT_IDS) > _RECENT_MAX:
        _RECENT_IDS.popitem(last=False)


def share_ids(source: Any, copy: Any) -> None:
    """Let ``copy`` (a shallow copy of the list ``source``) use ``source``'s cached id set."""
    entry = _RECENT_IDS.get(id(source))
    if isinstance(copy, list) and entry is not None and entry[0] is source and len(copy) == entry[1]:
        _remember_ids(copy, entry[2])


def fold_messages(state: list[AnyMessage], writes: Sequence[Any]) -> list[AnyMessage]:
    """Fold a batch of message writes with ``add_messages`` semantics (ids, RemoveMessage).

    Folding write by write makes the reducer batching-invariant, as DeltaChannel requires:
    ``fold(fold(s, xs), ys) == fold(s, xs + ys)``. Writes that only append new messages (the
    common case) are appended after one pass over the existing ids (or none, when ``state`` is
    a recent result), so replaying W writes onto N messages costs O(N + W) instead of O(N * W);
    anything else (replacements, removals, dicts, chunks) goes through ``add_messages`` itself.
    """
    result: list[AnyMessage] = list(state)
    ids: set[str] | None = _known_ids(state) if isinstance(state, list) and state else None
    for write in writes:
        batch = list(write) if isinstance(write, list) else [write]
        if ids is None:
            ids = _ids(result)
        if _plain_new(batch, ids):
            for m in batch:
                ids.add(str(m.id))
                result.append(m)
        else:
            result = add_messages(result, batch)  # type: ignore[arg-type,assignment]
            ids = None
    if ids is not None and result:
        _remember_ids(result, ids)
    return result


# The ``messages`` channel; agent/checkpoint.py rebuilds it with the same reducer for its cache.
MESSAGES_CHANNEL: DeltaChannel[list[AnyMessage]] = DeltaChannel(
    fold_messages, snapshot_frequency=SNAPSHOT_EVERY
)


class AgentState(TypedDict, total=False):
    # Checkpoints store only each step's new messages, so storage grows linearly with a chat.
    messages: Annotated[list[AnyMessage], MESSAGES_CHANNEL]
    # Tool rounds run since the user's last message (bounded by max_tool_rounds).
    rounds: int
    # The approval node's decisions for the tool node: [{"call", "action", "reason", "auto"}].
    plan: list[dict[str, Any]]
