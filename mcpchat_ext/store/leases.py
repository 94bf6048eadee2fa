"""Cross-process run leases: at most one process runs a chat's turn at a time.

The lease row is taken in one transaction of the shared database, so two processes (the Jupyter
server and a notebook kernel) deciding the same pending call at once cannot both run it. A lease
lapses at ``expires_at`` (its holder renews it while the turn runs) or at once when its holder,
a process on this host, is gone (kill -9), so a crash never locks a chat for long.
"""

from __future__ import annotations

import functools
import os
import socket
import uuid
from collections.abc import Callable, Collection
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar, cast

from sqlalchemy import Table, bindparam, or_, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from .faults import storage_guarded
from .group_commit import GroupCommit
from .models import RunLease
from .thread_sessions import ThreadSessions
from .timestamps import aware

HOST = socket.gethostname()
T = TypeVar("T")


def new_owner() -> str:
    """This process's owner id: host, pid and a random part (pids are reused)."""
    return f"{HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


_TABLE = cast(Table, RunLease.__table__)


def _upsert_statement() -> Any:
    """The take of a lease (:meth:`Leases._take_free`): a new row, or this owner's or a lapsed one
    taken over. One statement for every row of a take: SQLAlchemy sends the rows of an
    ``execute(statement, [rows])`` as one multi-row INSERT (its "insertmanyvalues"), and the
    statement is compiled once per process. The multi-row form built with ``.values([...])`` was
    compiled anew on every take (SQLAlchemy cannot cache it): 0.25 of the take's 0.4 ms on the
    writer thread, the GIL held all the while."""
    insert = sqlite_insert(_TABLE)
    return insert.on_conflict_do_update(
        index_elements=[_TABLE.c.chat_id],
        set_={
            "owner": insert.excluded.owner,
            "expires_at": insert.excluded.expires_at,
            "turns": _TABLE.c.turns + 1,
        },
        where=or_(_TABLE.c.owner == insert.excluded.owner, _TABLE.c.expires_at < bindparam("now")),
    ).returning(_TABLE.c.chat_id, _TABLE.c.turns)


_UPSERT = _upsert_statement()
# A renewal and a release, as plain statements on the table: the ORM's UPDATE (its session
# synchronisation) made a release 0.7 ms on the writer thread, this one 0.2.
_MINE = _TABLE.c.owner == bindparam("me")
_UNTIL = bindparam("until", type_=_TABLE.c.expires_at.type)
_RENEW = (
    update(_TABLE)
    .where(_TABLE.c.chat_id.in_(bindparam("ids", expanding=True)), _MINE)
    .values(expires_at=_UNTIL)
)
_RELEASE = update(_TABLE).where(_TABLE.c.chat_id == bindparam("chat"), _MINE).values(expires_at=_UNTIL)


def _holder_gone(owner: str) -> bool:
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != HOST or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


@storage_guarded  # a full disk, a read-only or locked file: StorageError naming storage_path
class Leases:
    """The run-lease rows of one database, for one owner (this process).

    Each operation is one transaction, run whole and one at a time in this process
    (store/thread_sessions.py: with the store's thread engine, on a worker thread): one hop off
    the event loop instead of one per statement step, and our own writers never meet inside
    SQLite's busy handler (100 chats starting at once took 0.5-1.8 s a lease before,
    benchmarks/README.md 2026-12-02).
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession] | ThreadSessions,
        *,
        owner: str,
        ttl: float = 30.0,
        storage_path: str | None = None,
    ) -> None:
        """``storage_path``: the database file that a failure names (a full disk, a lock another
        process holds past the busy timeout: StorageError, never "busy in another process")."""
        self._db = sessions if isinstance(sessions, ThreadSessions) else ThreadSessions(sessions)
        self.storage_path = storage_path
        self.owner = owner
        self.ttl = ttl
        self._upsert = self._db.bind_dialect == "sqlite"  # (see _take_free)
        self._takes = GroupCommit[str, int | None](self._take_batch, stopped="the run-lease writer stopped")

    async def _run(self, fn: Callable[[Session], T]) -> T:
        return await self._db.run(fn, serial=True)

    def _expiry(self) -> datetime:
        return datetime.now(timezone.utc) + timedelta(seconds=self.ttl)

    async def acquire(self, chat_id: str) -> int | None:
        """Take the chat's lease; the turn count after this one, or None while another live
        process holds it.

        The takes asked for while one is on the writer thread go together, in one transaction
        (100 chats starting at once waited 536 ms p50, 966 ms p95, for one upsert each in turn)."""
        return await self._takes.submit(chat_id)

    async def _take_batch(self, chat_ids: list[str]) -> list[int | None]:
        return await self._run(functools.partial(self.take_all, chat_ids=chat_ids))

    def take_all(self, session: Session, chat_ids: list[str]) -> list[int | None]:
        """(On the writer thread, in the caller's hop: see store/chat_leases.py.) The take of each
        of ``chat_ids`` (:meth:`acquire`), in as few transactions as can be."""
        now = datetime.now(timezone.utc)
        results: list[int | None] = [None] * len(chat_ids)
        if self._upsert:
            with session.begin():  # (a database failure is the takes' error: StorageError)
                results = self._take_free(session, chat_ids, now)
        for i, chat_id in enumerate(chat_ids):
            if results[i] is None:  # held by another owner, maybe a process that is gone
                results[i] = self._take(session, chat_id, now)
        return results

    def _take_free(self, session: Session, chat_ids: list[str], now: datetime) -> list[int | None]:
        """The usual case, for all of ``chat_ids`` in as few statements as the database takes
        (one for up to 1,000 chats, SQLAlchemy's page of rows): a new lease, or one that is free
        (this owner's, released or lapsed). None for a chat another owner holds, maybe a process that is gone
        (:meth:`_take` looks).

        One statement, not one per chat: the writer thread lets go of the GIL in every SQLite
        call, and while the event loop and the stream thread keep it busy, each call waits up to
        a switch interval (5 ms) to get it back: 43 single-row upserts took 250 ms that way."""
        if len(set(chat_ids)) != len(chat_ids):  # (never from a turn manager: one take per chat)
            return [self._take_free(session, [chat_id], now)[0] for chat_id in chat_ids]
        expires = self._expiry()
        rows = [
            {"chat_id": chat_id, "owner": self.owner, "expires_at": expires, "turns": 1, "now": now}
            for chat_id in chat_ids
        ]
        taken = {chat_id: turns for chat_id, turns in session.connection().execute(_UPSERT, rows)}
        return [taken.get(chat_id) for chat_id in chat_ids]

    def _take(self, session: Session, chat_id: str, now: datetime) -> int | None:
        try:
            with session.begin():
                row = session.get(RunLease, chat_id)
                if row is None:
                    session.add(
                        RunLease(chat_id=chat_id, owner=self.owner, expires_at=self._expiry(), turns=1)
                    )
                    return 1
                free = row.owner == self.owner or aware(row.expires_at) < now or _holder_gone(row.owner)
                if not free:
                    return None
                # compare-and-set: only if nobody took it since we read it (the values are read
                # first: the UPDATE synchronises the loaded row)
                holder, turns = row.owner, row.turns
                result = session.execute(
                    update(RunLease)
                    .where(RunLease.chat_id == chat_id, RunLease.owner == holder, RunLease.turns == turns)
                    .values(owner=self.owner, expires_at=self._expiry(), turns=turns + 1)
                )
                if getattr(result, "rowcount", 0) != 1:
                    return None
                return turns + 1
        except IntegrityError:  # another process made the row first
            return None

    async def renew(self, chat_ids: Collection[str]) -> None:
        """Extend the leases of ``chat_ids`` this owner holds: one statement for all of them (a
        write per chat and interval contended with the turn starts for the database file)."""
        if not chat_ids:
            return
        ids = sorted(chat_ids)

        def renew(session: Session) -> None:
            with session.begin():
                params = {"ids": ids, "me": self.owner, "until": self._expiry()}
                session.connection().execute(_RENEW, params)

        await self._run(renew)

    async def release(self, chat_id: str) -> None:
        past = datetime.now(timezone.utc) - timedelta(seconds=1)

        def release(session: Session) -> None:
            with session.begin():
                params = {"chat": chat_id, "me": self.owner, "until": past}
                session.connection().execute(_RELEASE, params)

        await self._run(release)

    async def held_elsewhere(self, chat_id: str) -> bool:
        """Whether another live process holds the chat's lease (runs a turn there now)."""
        row = await self._db.run(lambda session: session.get(RunLease, chat_id))  # (a read)
        if row is None or row.owner == self.owner:
            return False
        return aware(row.expires_at) >= datetime.now(timezone.utc) and not _holder_gone(row.owner)

    async def holder(self, chat_id: str) -> str | None:
        return await self._db.run(
            lambda session: session.scalar(select(RunLease.owner).where(RunLease.chat_id == chat_id))
        )
