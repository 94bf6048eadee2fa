"""Branches of a conversation, read from its thread's checkpoint tree (no state is loaded).

Each user message is written as a checkpoint of its own (node RECEIVED, see runner.run_turn)
whose metadata names the message (``MARK``). A retry or an edit writes the new version as another
child of the checkpoint before the original one (a LangGraph fork), so the versions of a message
are the marked children of one parent, oldest first. The shown branch is the thread's latest
checkpoint, which every reader of the thread uses, in every process: showing another version
writes an empty update on top of that version's latest checkpoint (:func:`switch`), which makes
it the latest. Nothing is deleted: every reply, tool result and decision stays where it was.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from langchain_core.runnables import RunnableConfig

from .. import protocol as p
from ..errors import BadRequest
from .checkpoint import ChatSaver

# Checkpoint metadata key of a user message's checkpoint: the message's id.
MARK = "mcpchat_message"
# The parent the versions of a chat's first message share (that message has no checkpoint before it).
ROOT = "00000000-0000-0000-0000-000000000000"

Row = tuple[str, str | None, dict[str, Any]]  # (checkpoint id, parent id, metadata)


def at_checkpoint(thread_id: str, checkpoint_id: str) -> RunnableConfig:
    return {"configurable": {"thread_id": thread_id, "checkpoint_ns": "", "checkpoint_id": checkpoint_id}}


@dataclass(frozen=True)
class Fork:
    """Where a new version of a user message is written, and the message it is a version of."""

    parent: str  # checkpoint id (ROOT for the first message)
    replaces: str  # message id


class Tree:
    """A thread's checkpoints as a tree; its head (the latest checkpoint) is the shown branch."""

    def __init__(self, rows: Iterable[Row]) -> None:
        self.parent: dict[str, str] = {}
        self.mark: dict[str, str] = {}
        self.children: defaultdict[str, list[str]] = defaultdict(list)
        for cid, parent, meta in rows:
            self.parent[cid] = parent or ROOT
            self.children[parent or ROOT].append(cid)
            if isinstance(meta.get(MARK), str):
                self.mark[cid] = meta[MARK]
        # checkpoint ids are time-ordered (uuid6): LangGraph loads the greatest as the latest
        self.head = max(self.parent, default=None)

    def path(self) -> list[str]:
        """The shown branch's checkpoints, oldest first."""
        out: list[str] = []
        cid = self.head
        while cid is not None and cid in self.parent and cid not in out:
            out.append(cid)
            cid = self.parent[cid]
        return out[::-1]

    def versions(self, receive: str) -> list[str]:
        """The user-message checkpoints that are versions of ``receive`` (itself included)."""
        return sorted(c for c in self.children[self.parent[receive]] if c in self.mark)

    def receive_of(self, message_id: str) -> str | None:
        """The checkpoint of the shown branch that wrote user message ``message_id``."""
        return next((c for c in self.path() if self.mark.get(c) == message_id), None)

    def points(self) -> list[p.BranchPoint]:
        out: list[p.BranchPoint] = []
        for cid in self.path():
            if cid in self.mark and len(versions := self.versions(cid)) > 1:
                out.append(
                    p.BranchPoint(message_id=self.mark[cid], index=versions.index(cid), count=len(versions))
                )
        return out

    def latest_under(self, cid: str) -> str:
        """The latest checkpoint of the subtree at ``cid``: where that version was last shown."""
        latest, todo = cid, [cid]
        while todo:
            for child in self.children.get(todo.pop(), ()):
                latest = max(latest, child)
                todo.append(child)
        return latest

    def fork_of(self, message_id: str) -> Fork:
        """Where a new version of user message ``message_id`` (of the shown branch) goes."""
        receive = self.receive_of(message_id)
        if receive is None:
            raise BadRequest(
                f"message {message_id!r} is not a user message of the shown conversation (or it was "
                "sent before this version recorded branches): only those can be edited or retried"
            )
        return Fork(parent=self.parent[receive], replaces=message_id)

    def last_message(self) -> str:
        """The id of the shown branch's last user message (what a retry answers again)."""
        marked = [self.mark[c] for c in self.path() if c in self.mark]
        if not marked:
            raise BadRequest("this chat has no message to retry yet: send one first")
        return marked[-1]


async def load_tree(saver: Any, thread_id: str) -> Tree:
    """The checkpoint tree of ``thread_id`` (any LangGraph saver; ChatSaver reads no state)."""
    if isinstance(saver, ChatSaver):
        return Tree(await saver.lineage(thread_id))
    config: RunnableConfig = {"configurable": {"thread_id": thread_id}}
    tuples = [t async for t in saver.alist(config)]  # collected first: no writes while listing
    return Tree(
        (
            str(t.config["configurable"]["checkpoint_id"]),
            (t.parent_config or {}).get("configurable", {}).get("checkpoint_id"),
            dict(t.metadata or {}),
        )
        for t in tuples
    )


async def switch(graph: Any, thread_id: str, tree: Tree, message_id: str, index: int) -> bool:
    """Show version ``index`` of user message ``message_id``; False when it is already shown.

    The thread must be settled (no run, no pending approval): the update is written as the agent
    node with nothing but an empty plan, so the graph routes to END and nothing runs or is offered.
    """
    receive = tree.receive_of(message_id)
    if receive is None:
        raise BadRequest(f"message {message_id!r} is not a user message of the shown conversation")
    versions = tree.versions(receive)
    if index >= len(versions):
        raise BadRequest(
            f"message {message_id!r} has {len(versions)} version(s); there is no version {index + 1}"
        )
    if versions[index] == receive:
        return False
    leaf = tree.latest_under(versions[index])
    await graph.aupdate_state(at_checkpoint(thread_id, leaf), {"plan": []}, as_node="agent")
    return True
