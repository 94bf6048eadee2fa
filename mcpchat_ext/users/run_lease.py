"""A chat's cross-process run lease as a turn manager uses it: take it, keep it renewed while the
turn runs, hand it back (store/leases.py holds the row).

The leases kept are renewed together, by one task and one statement per interval however many
chats run (100 chats streaming at once made 100 writes every ``ttl / 3``, and those contended with
the turn starts for the database: "database is locked").
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Protocol, TypeVar, runtime_checkable

from ..errors import Conflict
from ..store.leases import Leases

log = logging.getLogger("mcpchat_ext")

BUSY_ELSEWHERE = (
    "this chat is busy in another process (a notebook widget or the Python API on the same data "
    "files, or another Jupyter server); wait until its reply is done and try again"
)
C = TypeVar("C")
# After a failed renewal the next try comes after this part of the usual interval.
RETRY_PART = 0.2


@runtime_checkable
class HeldThreads(Protocol):
    """Told which threads this process alone writes (agent/checkpoint_latest.py)."""

    def hold(self, thread_id: str) -> None: ...

    def let_go(self, thread_id: str) -> None: ...


class RunLeases:
    """The run leases this process holds, with the turn count each chat had after its last turn
    here (so that a turn another process ran in between is noticed). ``held`` (the checkpointer)
    is told the thread of each lease taken, and let go of it before the lease is handed back."""

    def __init__(self, leases: Leases, held: HeldThreads | None = None) -> None:
        self._leases = leases
        self._held = held
        self._threads: dict[str, str] = {}  # chat id -> the thread held for it
        self._turn_counts: dict[str, int] = {}
        self._kept: set[str] = set()
        self._renewal: asyncio.Task[None] | None = None

    def _taken(self, chat_id: str, turns: int | None) -> bool:
        if turns is None:
            raise Conflict(BUSY_ELSEWHERE)
        ran_elsewhere = self._turn_counts.get(chat_id) != turns - 1
        self._turn_counts[chat_id] = turns
        return ran_elsewhere

    async def take_with(
        self, chat_id: str, taking: Awaitable[tuple[int | None, C, str]]
    ) -> tuple[bool, C, str]:
        """The chat and its thread id, with its lease: ``taking`` reads the chat and takes the lease
        in one hop (store/chat_leases.py: NotFound for a chat that is not the user's, and no
        lease taken). Conflict while another process runs the chat; the bool: another process
        ran a turn in this chat since this one's last."""
        turns, chat, thread_id = await taking
        ran_elsewhere = self._taken(chat_id, turns)
        self._hold(chat_id, thread_id)
        return ran_elsewhere, chat, thread_id

    def _hold(self, chat_id: str, thread_id: str) -> None:
        if self._held is not None:
            self._threads[chat_id] = thread_id
            self._held.hold(thread_id)

    def forget(self, chat_id: str) -> None:
        """A deleted chat."""
        self._turn_counts.pop(chat_id, None)

    def created(self, chat_id: str) -> None:
        """A chat made in this process: no turn ran in it anywhere yet."""
        self._turn_counts[chat_id] = 0

    @property
    def kept(self) -> frozenset[str]:
        """The chats whose leases are being renewed."""
        return frozenset(self._kept)

    def keep(self, chat_id: str) -> None:
        """Renew the lease until :meth:`release` (with the other kept ones)."""
        self._kept.add(chat_id)
        if self._renewal is None or self._renewal.done():
            self._renewal = asyncio.create_task(self._renew_kept(), name="mcpchat-run-leases")

    async def _renew_kept(self) -> None:
        interval = self._leases.ttl / 3
        wait = interval
        while self._kept:
            await asyncio.sleep(wait)
            try:
                await self._leases.renew(set(self._kept))
                wait = interval
            except Exception:
                log.warning(
                    "could not renew the run leases of %d chats; trying again soon",
                    len(self._kept),
                    exc_info=True,
                )
                wait = interval * RETRY_PART

    async def release(self, chat_id: str) -> None:
        if (thread_id := self._threads.pop(chat_id, None)) is not None and self._held is not None:
            self._held.let_go(thread_id)  # (first: from the release on, others may write it)
        self._kept.discard(chat_id)
        if not self._kept and self._renewal is not None:
            self._renewal.cancel()
            self._renewal = None
        try:
            await self._leases.release(chat_id)
        except Exception:  # it lapses by itself (ttl)
            log.warning("could not release the run lease of chat %s", chat_id, exc_info=True)
