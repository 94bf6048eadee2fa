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
retry, holding their connections), on a thread of their own: writers waiting their turn must not
hold the default executor's few threads (6 on 2 cores), which every other ``to_thread`` (the turn
start's reads, building a model) needs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
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
        self._writer: ThreadPoolExecutor | None = None

    @property
    def bind_dialect(self) -> str | None:
        bind = self._sessions.kw.get("bind")
        return bind.dialect.name if bind is not None else None

    async def run(self, fn: Callable[[Session], T], *, serial: bool = False) -> T:
        """``fn(session)``: the session is closed after it (``fn`` commits what it writes)."""
        if self._thread_sessions is None:
            async with self._sessions() as session:
                return await session.run_sync(fn)
        if not serial:
            return await asyncio.to_thread(_with_session, self._thread_sessions, fn)
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mcpchat-db-writer")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer, _with_session, self._thread_sessions, fn)

    def close(self) -> None:
        """Let the writer thread end once its queued work is done."""
        if self._writer is not None:
            self._writer.shutdown(wait=False)
            self._writer = None


def _with_session(sessions: sessionmaker[Session], fn: Callable[[Session], T]) -> T:
    with sessions() as session:
        return fn(session)
