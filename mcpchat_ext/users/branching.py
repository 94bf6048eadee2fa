"""Retry a reply, edit an earlier user message, and move between the branches this makes.

A retry or an edit is a turn like any other (TurnManager.start, same rules: not while a reply is
generated or tool calls wait for approval, in this process or another) whose user message is a
new version of an earlier one, written as a fork from the checkpoint before it
(:mod:`mcpchat_ext.agent.branches`). The old version, its reply, its tool results and the audit
of its decisions stay as they were; no call of the old branch runs again or is offered again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from langchain_core.messages import HumanMessage
from langgraph.types import StateSnapshot
from pydantic import BaseModel

from .. import protocol as p
from ..agent.branches import Fork, load_tree, switch
from ..agent.graph import AgentGraph
from ..agent.streaming import message_text
from ..errors import BadRequest
from ..store import Store
from .turns import TurnManager


def _human(state: StateSnapshot, message_id: str | None = None) -> HumanMessage:
    """The user message ``message_id`` of the shown branch (default: its last one)."""
    messages = list((state.values or {}).get("messages") or [])
    for m in reversed(messages):
        if isinstance(m, HumanMessage) and (message_id is None or m.id == message_id):
            return m
    if message_id is None:
        raise BadRequest("this chat has no message to retry yet: send one first")
    raise BadRequest(f"message {message_id!r} is not a user message of the shown conversation")


class ChatBranches:
    """One user's retries, edits and branch switches."""

    def __init__(
        self,
        *,
        user: str,
        store: Store,
        graph: AgentGraph,
        turns: TurnManager,
        broadcast: Callable[[BaseModel], Awaitable[None]],
    ) -> None:
        """``broadcast``: sends a frame to every client of the user (a switch is shown in all)."""
        self.user = user
        self._broadcast = broadcast
        self._store = store
        self._graph = graph
        self._turns = turns

    async def retry(self, chat_id: str) -> asyncio.Task[None]:
        """Answer the last user message again, as a new branch (the old reply stays a sibling)."""

        async def plan(thread_id: str, state: StateSnapshot) -> tuple[str, Fork]:
            last = _human(state)
            tree = await load_tree(self._graph.checkpointer, thread_id)
            return message_text(last), tree.fork_of(str(last.id))

        return await self._turns.start(chat_id, "", fork=plan)

    async def edit(self, chat_id: str, message_id: str, text: str) -> asyncio.Task[None]:
        """Send ``text`` in place of user message ``message_id``, as a new branch from before it."""
        if not text.strip():
            raise BadRequest("the edited message is empty: type the text to send")

        async def plan(thread_id: str, state: StateSnapshot) -> tuple[str, Fork]:
            _human(state, message_id)
            tree = await load_tree(self._graph.checkpointer, thread_id)
            return text, tree.fork_of(message_id)

        return await self._turns.start(chat_id, text, fork=plan)

    async def branches(self, chat_id: str) -> p.Branches:
        """The user messages of the shown branch that have other versions."""
        await self._store.get_chat(self.user, chat_id)  # NotFound for another user's chat
        thread_id = await self._store.thread_id(self.user, chat_id)
        tree = await load_tree(self._graph.checkpointer, thread_id)
        return p.Branches(chat_id=chat_id, points=tree.points())

    async def switch(self, chat_id: str, message_id: str, index: int) -> p.Branches:
        """Show version ``index`` of user message ``message_id`` (then reload the history); the
        user's other tabs and widgets on the chat are told (``branch_switched``) and reload theirs."""
        await self._store.get_chat(self.user, chat_id)
        async with self._turns.holding(chat_id) as thread_id:
            tree = await load_tree(self._graph.checkpointer, thread_id)
            switched = await switch(self._graph, thread_id, tree, message_id, index)
            if switched:
                tree = await load_tree(self._graph.checkpointer, thread_id)
        points = tree.points()
        if switched:
            await self._broadcast(p.BranchSwitchedFrame(chat_id=chat_id, points=points))
        return p.Branches(chat_id=chat_id, points=points)
