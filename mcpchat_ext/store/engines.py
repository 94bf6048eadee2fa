"""The engines of the app database: the async one for the store, and for an SQLite file a
synchronous one on the same file that the run leases use on a worker thread (store/leases.py)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from .faults import storage_faults
from .models import Base
from .schema import add_missing_columns

# Connections the thread engine keeps: the default executor's threads (min(32, cores + 4), the
# turn start's reads) and the writer thread (store/thread_sessions.py).
THREAD_POOL_SIZE = min(32, (os.cpu_count() or 1) + 4) + 1


def _make_parent_dir(database: str) -> None:
    Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        # no fsync per commit (WAL: survives a process crash, not a power loss; as the checkpointer)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA secure_delete=ON")  # deleted or replaced values (credentials) are erased
    finally:
        cursor.close()


async def open_engines(url: str) -> tuple[AsyncEngine, Engine | None]:
    """The async engine of ``url`` (parent directory and tables created), and for an SQLite file
    a synchronous engine on the same file (None otherwise: an in-memory database is private to
    its one connection)."""
    parsed = make_url(url)
    kwargs: dict[str, Any] = {}
    is_sqlite = parsed.get_backend_name() == "sqlite"
    with storage_faults(parsed.database or parsed.render_as_string(hide_password=True)):
        if is_sqlite:
            database = parsed.database or ""
            if database in ("", ":memory:") or database.startswith("file::memory:"):
                kwargs["poolclass"] = StaticPool
            else:
                await asyncio.to_thread(_make_parent_dir, database)
            # every session ends its own transaction (commit or rollback): the pool's extra
            # rollback on each check-in was one more thread round trip per query
            kwargs["pool_reset_on_return"] = None
        engine = create_async_engine(url, **kwargs)
        if is_sqlite:
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        try:
            async with engine.begin() as conn:
                await conn.run_sync(Base.metadata.create_all)
                await conn.run_sync(add_missing_columns, Base.metadata)
        except BaseException:
            await engine.dispose()
            raise
        thread_engine = None
        if is_sqlite and "poolclass" not in kwargs:
            # a connection for each thread that reads or writes with it, kept: with the pool's
            # default 5, the 7 threads made and closed a connection (6 PRAGMAs, 4-29 ms while the
            # GIL was busy) on most of the turn start's reads
            thread_engine = create_engine(
                parsed.set(drivername="sqlite"), pool_reset_on_return=None, pool_size=THREAD_POOL_SIZE
            )
            event.listen(thread_engine, "connect", _sqlite_pragmas)
    return engine, thread_engine
