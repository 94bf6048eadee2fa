"""agent/checkpoint_hops.py: checkpoint tuples read and written in one database-thread hop each,
and the same rows as LangGraph's own AsyncSqliteSaver reads and writes (both ways, one file)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.checkpoint.base import empty_checkpoint
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

from mcpchat_ext.agent.checkpoint_hops import PUT, OneHopSaver

pytestmark = pytest.mark.asyncio


def _config(thread: str, checkpoint_id: str | None = None) -> Any:
    conf: dict[str, Any] = {"thread_id": thread, "checkpoint_ns": ""}
    if checkpoint_id:
        conf["checkpoint_id"] = checkpoint_id
    return {"configurable": conf}


async def _fill(saver: AsyncSqliteSaver, thread: str) -> list[str]:
    """Two checkpoints (the second a child of the first) and pending writes on the second."""
    ids = []
    parent = _config(thread)
    for n in range(2):
        cp = empty_checkpoint()
        cp["channel_values"] = {"messages": [HumanMessage(f"q{n}"), AIMessage(f"a{n}")]}
        parent = await saver.aput(parent, cp, {"source": "loop", "step": n}, {})
        ids.append(cp["id"])
    await saver.aput_writes(
        parent, [("messages", AIMessage("pending")), ("__interrupt__", {"x": 1})], "task-1"
    )
    return ids


class Counted:
    """Counts a saver's database-thread hops on ``conn``."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.hops = 0
        execute = conn._execute

        async def counted(fn: Any, *args: Any, **kwargs: Any) -> Any:
            self.hops += 1
            return await execute(fn, *args, **kwargs)

        conn._execute = counted  # type: ignore[method-assign]


def _same(a: Any, b: Any) -> None:
    assert a is not None and b is not None
    assert a.config == b.config and a.parent_config == b.parent_config
    assert a.checkpoint["id"] == b.checkpoint["id"]
    assert a.checkpoint["channel_values"] == b.checkpoint["channel_values"]
    assert a.metadata == b.metadata
    assert a.pending_writes == b.pending_writes


async def test_one_hop_reads_and_writes_match_langgraphs_saver(tmp_path: Path) -> None:
    async with aiosqlite.connect(tmp_path / "cp.db") as conn:
        ours, stock = OneHopSaver(conn), AsyncSqliteSaver(conn)
        await ours.setup()
        written_by_ours = await _fill(ours, "t-ours")
        written_by_stock = await _fill(stock, "t-stock")
        for thread, ids in (("t-ours", written_by_ours), ("t-stock", written_by_stock)):
            _same(await ours.aget_tuple(_config(thread)), await stock.aget_tuple(_config(thread)))
            for cid in ids:
                _same(
                    await ours.aget_tuple(_config(thread, cid)), await stock.aget_tuple(_config(thread, cid))
                )
        latest = await ours.aget_tuple(_config("t-ours"))
        assert latest is not None and {w[1] for w in latest.pending_writes} == {"messages", "__interrupt__"}
        assert await ours.aget_tuple(_config("nobody")) is None
        assert await ours.aget_tuple(_config("t-ours", "no-such-id")) is None


async def test_each_read_and_write_is_one_hop(tmp_path: Path) -> None:
    async with aiosqlite.connect(tmp_path / "cp.db") as conn:
        saver = OneHopSaver(conn)
        await saver.setup()
        counted = Counted(conn)
        await _fill(saver, "t")  # two puts and one put_writes
        assert counted.hops == 3
        counted.hops = 0
        assert await saver.aget_tuple(_config("t")) is not None
        assert counted.hops == 1  # (LangGraph's saver: cursor, execute, fetchone, execute, fetchall, close)


async def test_concurrent_writes_share_a_commit_and_all_land(tmp_path: Path) -> None:
    async with aiosqlite.connect(tmp_path / "cp.db") as conn:
        saver = OneHopSaver(conn)
        await saver.setup()
        counted = Counted(conn)
        await asyncio.gather(*(_fill(saver, f"t{i}") for i in range(20)))  # 60 writes at once
        assert counted.hops < 60  # queued writes went together
    async with aiosqlite.connect(tmp_path / "cp.db") as other:  # committed, seen by another connection
        stock = AsyncSqliteSaver(other)
        for i in range(20):
            latest = await stock.aget_tuple(_config(f"t{i}"))
            assert latest is not None and len(latest.pending_writes) == 2


async def test_a_failed_batch_fails_each_of_its_writes_and_keeps_none(tmp_path: Path) -> None:
    async with aiosqlite.connect(tmp_path / "cp.db") as conn:
        saver = OneHopSaver(conn)
        await saver.setup()
        await conn.execute(
            "CREATE TRIGGER no_t2 BEFORE INSERT ON checkpoints WHEN NEW.thread_id = 't2' "
            "BEGIN SELECT RAISE(ABORT, 'disk says no'); END"
        )
        await conn.commit()
        results = await asyncio.gather(_fill(saver, "t1"), _fill(saver, "t2"), return_exceptions=True)
        assert any(isinstance(r, Exception) and "disk says no" in str(r) for r in results)
        assert await saver.aget_tuple(_config("t2")) is None
        await _fill(saver, "t3")  # the writer goes on after a failure
        assert await saver.aget_tuple(_config("t3")) is not None


async def test_writes_queued_behind_a_failed_batch_are_committed_and_say_so(tmp_path: Path) -> None:
    """A write queued while a failing batch is on the thread is not part of that transaction: it
    goes in the next one and its caller is told it landed (it was told "failed" and then committed
    anyway, before)."""
    async with aiosqlite.connect(tmp_path / "cp.db") as conn:
        saver = OneHopSaver(conn)
        await saver.setup()
        bad = asyncio.ensure_future(saver._write("t0", "INSERT INTO no_such_table VALUES (?)", [(1,)]))
        await asyncio.sleep(0)  # the drainer takes the bad batch to the thread
        await asyncio.sleep(0)
        row = ("t1", "", "cp1", None, "msgpack", b"x", b"{}")
        good = asyncio.ensure_future(saver._write("t1", PUT, [row]))  # queued meanwhile
        with pytest.raises(Exception, match="no_such_table"):
            await bad
        await good  # no error: it was committed
        async with conn.execute("SELECT count(*) FROM checkpoints WHERE checkpoint_id = 'cp1'") as cur:
            assert (await cur.fetchone()) == (1,)


async def test_a_read_waits_for_its_threads_queued_writes(tmp_path: Path) -> None:
    """A Stop leaves the cancelled turn's last write queued: the next turn's read of that thread
    must see it (reads take no lock and would overtake it)."""
    async with aiosqlite.connect(tmp_path / "cp.db") as conn:
        saver = OneHopSaver(conn)
        await saver.setup()
        await _fill(saver, "t1")
        before = await saver.aget_tuple(_config("t1"))
        assert before is not None
        checkpoint = empty_checkpoint()
        put = asyncio.ensure_future(saver.aput(before.config, checkpoint, {"step": 9}, {}))
        await asyncio.sleep(0)  # queued (its caller may be cancelled now: the write still lands)
        put.cancel()
        latest = await saver.aget_tuple(_config("t1"))
        assert latest is not None and latest.config["configurable"]["checkpoint_id"] == checkpoint["id"]


async def test_deleting_a_thread_goes_through_the_write_queue(tmp_path: Path) -> None:
    async with aiosqlite.connect(tmp_path / "cp.db") as conn:
        saver = OneHopSaver(conn)
        await saver.setup()
        await _fill(saver, "t1")
        await _fill(saver, "t2")
        await saver.adelete_thread("t1")
        assert await saver.aget_tuple(_config("t1")) is None
        assert await saver.aget_tuple(_config("t2")) is not None
        async with conn.execute("SELECT count(*) FROM writes WHERE thread_id = 't1'") as cur:
            assert (await cur.fetchone()) == (0,)
        assert not conn.in_transaction  # committed, nothing left for a later batch


async def test_latest_reads_at_once_are_one_hop_and_each_matches_langgraphs(tmp_path: Path) -> None:
    """20 threads' latest checkpoints (written by either saver, some with pending writes, one in a
    namespace of its own, one never written) read at once: one query for all, each tuple as the
    stock saver reads it, none of another thread's."""
    async with aiosqlite.connect(tmp_path / "cp.db") as conn:
        ours, stock = OneHopSaver(conn), AsyncSqliteSaver(conn)
        await ours.setup()
        for i in range(20):
            await _fill(ours if i % 2 else stock, f"t{i}")
        sub = {"configurable": {"thread_id": "t3", "checkpoint_ns": "sub"}}
        cp = empty_checkpoint()
        cp["channel_values"] = {"messages": [HumanMessage("in the subgraph")]}
        await stock.aput(sub, cp, {"source": "loop", "step": 0}, {})
        configs = [_config(f"t{i}") for i in range(20)] + [sub, _config("never")]
        counted = Counted(conn)
        found = await asyncio.gather(*(ours.aget_tuple(c) for c in configs))
        assert counted.hops <= 2  # (one per batch: the first read goes alone, the rest together)
        for config, got in zip(configs, found, strict=True):
            expected = await stock.aget_tuple(config)
            if expected is None:
                assert got is None
            else:
                _same(got, expected)
        assert found[20] is not None and found[20].checkpoint["channel_values"]["messages"][0].content == (
            "in the subgraph"
        )
