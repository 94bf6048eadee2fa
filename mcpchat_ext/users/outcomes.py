"""How a chat's last turn ended when it did not end with a reply, kept so that a reload shows it.

A turn the user stopped, one that failed (with the error text the user was shown) and one that a
restart or crash of the chat server cut short are recorded in the store, tied to the chat's last
message at that moment (``after``): the record is shown while that message is still the last one
of the shown branch, and forgotten as soon as the chat goes on (a new message, a retry, another
version shown). A reply cut short by a crash that nothing could record (kill -9 before any step
was saved) is told from the thread itself: it ends with the user's message and no turn runs.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Literal

from .. import protocol as p
from ..agent import runner
from ..agent.graph import AgentGraph
from ..errors import NotFound
from ..store import Store

log = logging.getLogger("mcpchat_ext")

Kind = Literal["stopped", "failed", "interrupted"]


class TurnOutcomes:
    """Records and reads back one user's turn outcomes."""

    def __init__(self, *, user: str, store: Store, graph: AgentGraph) -> None:
        self.user = user
        self._store = store
        self._graph = graph

    async def record(
        self, chat_id: str, thread_id: str, kind: Kind, *, code: str | None = None, message: str = ""
    ) -> None:
        """Record how the turn of ``chat_id`` ended; a failure to record is logged, never raised
        (the turn's own frames still reach the user)."""
        try:
            state = await runner.load_state(self._graph, thread_id)
            messages = (state.values or {}).get("messages") or []
            after = str(messages[-1].id) if messages else None
            outcome = p.TurnOutcome(kind=kind, code=code, message=message, after=after)
            await self._store.outcomes.set(self.user, chat_id, outcome)
        except NotFound:
            pass  # the chat was deleted meanwhile
        except Exception:
            log.warning("could not record how the turn of chat %s ended (%s)", chat_id, kind, exc_info=True)

    async def shown(
        self, chat_id: str, messages: Sequence[p.ChatMessage], running: Callable[[], Awaitable[bool]]
    ) -> p.TurnOutcome | None:
        """The outcome a history page shows for ``messages`` (the shown branch, oldest first):
        the recorded one while its message is still the last (also while its turn finishes its
        bookkeeping), else ``interrupted`` when the chat ends with the user's message and no turn
        runs (``running``: in any process)."""
        if not messages:
            return None
        last = messages[-1]
        recorded = await self._store.outcomes.get(self.user, chat_id)
        if recorded is not None and recorded.after == last.id:
            return recorded
        if last.role == "user" and not await running():
            return p.TurnOutcome(kind="interrupted", after=last.id)
        return None
