"""Database work done whole on a worker thread: one hop off the event loop per transaction.

Each step of an async SQLAlchemy query on aiosqlite (``cursor``, ``execute``, ``fetchall``,
``close``, ``rollback``) is a trip to the connection's thread and a wake-up of the event loop on
the way back: five for a one-row read. On a loop busy with streaming replies each of those waited
for a loop iteration, and a turn start made a dozen of them before its first token (issue 12,
benchmarks/README.md 2026-12-02). :class:`ThreadSessions` runs a synchronous function with a
synchronous session on a worker thread instead (a second, synchronous engine on the same SQLite
file, see store/engines.py), or, without one (other databases, an in-memory SQLite), the same
function through the async session (``run_sync``).

``serial=True`` runs it one at a time in this process (writers: SQLite lets one connection write
at a time, and two of ours meeting there would sleep in SQLite's busy handler, up to 100 ms a
retry, holding their connections).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")


class ThreadSessions:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], thread_sessions: sessionmaker[Session] | None = None
    ) -> None:
        self._sessions = sessions
        self._thread_sessions = thread_sessions
        self._one_at_a_time = threading.Lock()

    @property
    def bind_dialect(self) -> str | None:
        bind = self._sessions.kw.get("bind")
        return bind.dialect.name if bind is not None else None

    async def run(self, fn: Callable[[Session], T], *, serial: bool = False) -> T:
        """``fn(session)``: the session is closed after it (``fn`` commits what it writes)."""
        if self._thread_sessions is not None:
            return await asyncio.to_thread(self._on_thread, self._thread_sessions, fn, serial)
        async with self._sessions() as session:
            return await session.run_sync(fn)

    def _on_thread(self, sessions: sessionmaker[Session], fn: Callable[[Session], T], serial: bool) -> T:
        if serial:
            with self._one_at_a_time, sessions() as session:
                return fn(session)
        with sessions() as session:
            return fn(session)
