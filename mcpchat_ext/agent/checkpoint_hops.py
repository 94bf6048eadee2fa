"""Checkpoint reads and writes in one trip to the database thread each.

``AsyncSqliteSaver`` awaits every cursor step: ``cursor()``, ``execute``, ``fetchone``, the
pending writes' ``execute`` and ``fetchall``, ``close``, ``commit``. Each is a hop to aiosqlite's
connection thread and a wake-up of the event loop on the way back, and all of a process's chats
share the one connection (and the saver's lock). With 100 chats starting a turn at once, a fresh
chat's turn made 13 such hops before its first token, queued behind every other chat's; on a
loop busy with streaming replies each hop waited for a loop iteration, and the first token waited
seconds (benchmarks/README.md, 2026-12-02 stream thread).

:class:`OneHopSaver` runs the same SQL, with the same results, as one function on the connection's
thread per call: ``aget_tuple``, ``aput`` and ``aput_writes`` are one hop each. Deserialising
stays on the event loop, as before. aiosqlite's ``Connection._execute`` (run a function on the
connection's thread) is private: pinned below 0.23 in pyproject.toml, checked in
tests/test_private_apis.py.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Sequence
from typing import Any, cast

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    WRITES_IDX_MAP,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    get_checkpoint_id,
    get_checkpoint_metadata,
)
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.checkpoint.sqlite.utils import load_pending_writes, pending_writes_sql

from ..store.group_commit import GroupCommit
from .checkpoint_latest import LatestRows

_COLUMNS = "thread_id, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata"
BY_ID = f"SELECT {_COLUMNS} FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id = ?"
PUT = (
    "INSERT OR REPLACE INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id, "
    "parent_checkpoint_id, type, checkpoint, metadata) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_WRITE_COLUMNS = "(thread_id, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, value)"
PUT_WRITES_REPLACE = f"INSERT OR REPLACE INTO writes {_WRITE_COLUMNS} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
PUT_WRITES_IGNORE = f"INSERT OR IGNORE INTO writes {_WRITE_COLUMNS} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"

Row = tuple[Any, ...]


def _read(
    db: sqlite3.Connection, thread_id: str, ns: str, checkpoint_id: str, writes_sql: str
) -> tuple[Row | None, list[Row]]:
    """(Connection thread.) The checkpoint row of ``checkpoint_id`` and its pending writes (the
    latest checkpoints are read in batches: :func:`_read_latest`)."""
    row = db.execute(BY_ID, (thread_id, ns, checkpoint_id)).fetchone()
    if row is None:
        return None, []
    return row, db.execute(writes_sql, (str(row[0]), ns, str(row[1]))).fetchall()


# Threads whose latest checkpoints one statement reads (SQLite allows 32,766 parameters).
LATEST_PER_QUERY = 200
Key = tuple[str, str]  # (thread_id, checkpoint_ns)
Found = tuple[Row | None, list[Row]]


def _read_latest(db: sqlite3.Connection, keys: list[Key], has_task_path: bool) -> list[Found]:
    """(Connection thread.) The latest checkpoint row of each key and its pending writes, for all
    of them in two statements (per LATEST_PER_QUERY keys): the latest row of each thread, and the
    pending writes of those rows, in the order the one-thread query returns them (the writes
    table's key order)."""
    wanted = sorted(set(keys))
    rows: dict[Key, Row] = {}
    writes: dict[tuple[str, str, str], list[Row]] = {}
    task_path = "task_path" if has_task_path else "''"
    for at in range(0, len(wanted), LATEST_PER_QUERY):
        part = wanted[at : at + LATEST_PER_QUERY]
        pairs = ", ".join(["(?, ?)"] * len(part))
        params = [value for key in part for value in key]
        latest = (
            f"SELECT checkpoint_ns, {_COLUMNS} FROM checkpoints "
            "WHERE (thread_id, checkpoint_ns, checkpoint_id) IN "
            "(SELECT thread_id, checkpoint_ns, MAX(checkpoint_id) FROM checkpoints "
            f"WHERE (thread_id, checkpoint_ns) IN (VALUES {pairs}) GROUP BY thread_id, checkpoint_ns)"
        )
        found = db.execute(latest, params).fetchall()
        for ns, *row in found:
            rows[(str(row[0]), ns)] = tuple(row)
        if not found:
            continue
        triples = ", ".join(["(?, ?, ?)"] * len(found))
        pending = (
            "SELECT thread_id, checkpoint_ns, checkpoint_id, "
            f"task_id, channel, type, value, {task_path}, idx FROM writes "
            f"WHERE (thread_id, checkpoint_ns, checkpoint_id) IN (VALUES {triples}) "
            "ORDER BY thread_id, checkpoint_ns, checkpoint_id, task_id, idx"
        )
        params = [
            value for ns, thread_id, checkpoint_id, *_ in found for value in (thread_id, ns, checkpoint_id)
        ]
        for thread_id, ns, checkpoint_id, *write in db.execute(pending, params).fetchall():
            writes.setdefault((str(thread_id), ns, str(checkpoint_id)), []).append(tuple(write))
    out: list[Found] = []
    for thread_id, ns in keys:
        row = rows.get((thread_id, ns))
        found_writes = writes.get((thread_id, ns, str(row[1])), []) if row is not None else []
        out.append((row, list(found_writes)))
    return out


def _write_all(db: sqlite3.Connection, batch: list[tuple[str, list[Row]]]) -> None:
    """(Connection thread.) Each ``(sql, rows)`` of ``batch`` in order, then one commit (or, on
    an error, a rollback: no half of a batch stays behind for a later commit)."""
    try:
        for sql, rows in batch:
            db.executemany(sql, rows)
        db.commit()
    except BaseException:
        db.rollback()
        raise


class OneHopSaver(AsyncSqliteSaver):
    """``AsyncSqliteSaver`` whose tuple reads and writes take one database-thread hop each, and
    whose writes queued meanwhile go in one transaction (group commit): each write still returns
    only once it is committed, but 100 chats' writes no longer hand the saver's lock on one loop
    iteration at a time (``aput`` waited 80 ms p50, 750 ms p95, for a 3 ms hop)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._writes = GroupCommit[tuple[str, list[Row]], None](
            self._write_batch, stopped="the checkpoint writer stopped"
        )
        # each thread's writes not committed yet: a read of that thread waits for them (a Stop
        # leaves the cancelled turn's last write queued; the next turn must build on it)
        self._unsettled: dict[str, set[asyncio.Future[None]]] = {}
        # the latest rows of the threads whose run lease this process holds (no read needed)
        self.latest = LatestRows()
        # latest-checkpoint reads asked for while one is on the connection's thread go together
        # (100 chats starting a turn at once: 100 hops queued on one connection, each SQLite call
        # in them waiting for the GIL behind the busy event loop; aget_tuple p95 42 ms)
        self._latest_reads = GroupCommit[Key, Found](
            self._read_batch, stopped="the checkpoint reader stopped"
        )

    async def _read_batch(self, keys: list[Key]) -> list[Found]:
        found: list[Found] = await self._hop(_read_latest, keys, self._has_task_path)
        return found

    def hold(self, thread_id: str) -> None:
        """This process holds the run lease of ``thread_id``: keep its latest rows in memory."""
        self.latest.hold(thread_id)

    def let_go(self, thread_id: str) -> None:
        """(Before the run lease is handed back.) Read ``thread_id`` from the database again."""
        self.latest.let_go(thread_id)

    async def _ready(self) -> None:
        if not self.is_setup:  # (``setup`` takes the lock even when there is nothing to do)
            await self.setup()

    async def _write(self, thread_id: str, sql: str, rows: list[Row]) -> None:
        """Write ``rows`` with ``sql``; return once committed (with the writes queued meanwhile)."""
        done = self._writes.submit((sql, rows))
        unsettled = self._unsettled.setdefault(thread_id, set())
        unsettled.add(done)

        def settled(_: object) -> None:
            # (first, also for a cancelled caller: a read waiting for this write sees its rows)
            if done.cancelled() or done.exception() is not None:
                self.latest.drop(thread_id)
            elif sql == PUT:
                self.latest.put(rows[0])
            elif sql in (PUT_WRITES_REPLACE, PUT_WRITES_IGNORE):
                self.latest.put_writes(rows, replace=sql == PUT_WRITES_REPLACE)
            else:
                self.latest.drop(thread_id)
            unsettled.discard(done)
            if not unsettled and self._unsettled.get(thread_id) is unsettled:
                del self._unsettled[thread_id]

        done.add_done_callback(settled)
        await asyncio.shield(done)  # (a cancelled caller's write still lands: reads wait for it)

    async def _write_batch(self, batch: list[tuple[str, list[Row]]]) -> list[None]:
        async with self.lock:
            await self._hop(_write_all, batch)
        return [None] * len(batch)

    async def _hop(self, fn: Any, *args: Any) -> Any:
        conn = self.conn
        return await conn._execute(fn, conn._conn, *args)  # type: ignore[no-untyped-call]

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        await self._ready()
        conf = config["configurable"]
        ns = conf.get("checkpoint_ns", "")
        writes_sql = pending_writes_sql(self._has_task_path)
        thread = str(conf["thread_id"])
        if unsettled := self._unsettled.get(thread):
            # (whatever their outcome: a failed write failed its own caller)
            await asyncio.wait(list(unsettled))
        # no lock: the read is one function on the connection's thread, so nothing interleaves
        # with it, and it sees only committed rows (every write here commits in its own hop).
        # The lock's queue was the first token's wait: 100 chats' reads and writes handed it on
        # one loop iteration at a time (aget_tuple p50 370 ms, p95 770 ms, with 4 ms of it the read)
        checkpoint_id = get_checkpoint_id(config)
        known = self.latest.get(thread, ns, checkpoint_id)
        if known is None:
            hold = self.latest.reading(thread)
            if checkpoint_id:
                row, writes = await self._hop(_read, thread, ns, checkpoint_id, writes_sql)
            else:
                row, writes = await self._latest_reads.submit((thread, ns))
            self.latest.read(hold, thread, ns, checkpoint_id, row, writes)
        else:
            row, writes = known
        if row is None:
            return None
        thread_id, checkpoint_id, parent_checkpoint_id, type_, checkpoint, metadata = row
        if not get_checkpoint_id(config):
            config = {
                "configurable": {"thread_id": thread_id, "checkpoint_ns": ns, "checkpoint_id": checkpoint_id}
            }
        parent = (
            {
                "configurable": {
                    "thread_id": thread_id,
                    "checkpoint_ns": ns,
                    "checkpoint_id": parent_checkpoint_id,
                }
            }
            if parent_checkpoint_id
            else None
        )
        return CheckpointTuple(
            config,
            self.serde.loads_typed((type_, checkpoint)),
            cast(CheckpointMetadata, json.loads(metadata) if metadata is not None else {}),
            cast(RunnableConfig | None, parent),
            load_pending_writes(writes, self.serde),
        )

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        await self._ready()
        conf = config["configurable"]
        thread_id, ns = conf["thread_id"], conf["checkpoint_ns"]
        type_, blob = self.serde.dumps_typed(checkpoint)
        meta = json.dumps(get_checkpoint_metadata(config, metadata), ensure_ascii=False).encode(
            "utf-8", "ignore"
        )
        row = (str(thread_id), ns, checkpoint["id"], conf.get("checkpoint_id"), type_, blob, meta)
        await self._write(str(thread_id), PUT, [row])
        return {
            "configurable": {"thread_id": thread_id, "checkpoint_ns": ns, "checkpoint_id": checkpoint["id"]}
        }

    async def adelete_thread(self, thread_id: str) -> None:
        """Through the write queue, not the stock saver's two hops and a commit: a read (which
        takes no lock) would see the first DELETE uncommitted, and a cancel between the hops
        would leave it for the next batch to commit."""
        await self._ready()
        tid = str(thread_id)
        await asyncio.gather(
            self._write(tid, "DELETE FROM checkpoints WHERE thread_id = ?", [(tid,)]),
            self._write(tid, "DELETE FROM writes WHERE thread_id = ?", [(tid,)]),
        )

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        sql = PUT_WRITES_REPLACE if all(w[0] in WRITES_IDX_MAP for w in writes) else PUT_WRITES_IGNORE
        await self._ready()
        conf = config["configurable"]
        rows = [
            (
                str(conf["thread_id"]),
                str(conf["checkpoint_ns"]),
                str(conf["checkpoint_id"]),
                task_id,
                task_path,
                WRITES_IDX_MAP.get(channel, idx),
                channel,
                *self.serde.dumps_typed(value),
            )
            for idx, (channel, value) in enumerate(writes)
        ]
        await self._write(str(conf["thread_id"]), sql, rows)
