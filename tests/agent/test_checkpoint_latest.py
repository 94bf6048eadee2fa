"""agent/checkpoint_latest.py: while a thread is held (its run lease), the saver answers reads of
its latest checkpoint from memory, with exactly what the database has; it never serves a row
another process may have changed (not held, let go, a read begun before the hold) or one a failed
write left unsure."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.checkpoint.base import empty_checkpoint
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

from mcpchat_ext.agent.checkpoint_hops import OneHopSaver
from mcpchat_ext.agent.checkpoint_latest import LatestRows

from .test_checkpoint_hops import Counted, _config, _fill, _same

pytestmark = pytest.mark.asyncio


async def _step(saver: AsyncSqliteSaver, thread: str, n: int, writes: list[tuple[str, Any]]) -> Any:
    """A checkpoint after the latest, then ``writes`` on it (as LangGraph's loop does)."""
    latest = await saver.aget_tuple(_config(thread))
    parent = latest.config if latest is not None else _config(thread)
    cp = empty_checkpoint()
    cp["channel_values"] = {"messages": [HumanMessage(f"q{n}"), AIMessage(f"a{n}")]}
    config = await saver.aput(parent, cp, {"source": "loop", "step": n}, {})
    if writes:
        await saver.aput_writes(config, writes, f"task-{n}")
    return config


async def test_a_held_thread_is_read_from_memory_with_what_the_database_has(tmp_path: Path) -> None:
    async with aiosqlite.connect(tmp_path / "cp.db") as conn, aiosqlite.connect(tmp_path / "cp.db") as other:
        saver, fresh = OneHopSaver(conn), AsyncSqliteSaver(other)
        await saver.setup()
        hops = Counted(conn)
        saver.hold("t")
        assert await saver.aget_tuple(_config("t")) is None  # (read once: the thread is empty)
        assert hops.hops == 1
        for n in range(4):
            writes: list[tuple[str, Any]] = [("messages", AIMessage(f"w{n}")), ("__interrupt__", {"n": n})]
            config = await _step(saver, "t", n, writes)
            # a write again: INSERT OR IGNORE keeps the first value, a special channel is replaced
            await saver.aput_writes(config, [("messages", AIMessage("again"))], f"task-{n}")
            await saver.aput_writes(config, [("__interrupt__", {"n": -n})], f"task-{n}")
            ours = await saver.aget_tuple(_config("t"))
            _same(ours, await fresh.aget_tuple(_config("t")))
            cid = config["configurable"]["checkpoint_id"]
            _same(await saver.aget_tuple(_config("t", cid)), await fresh.aget_tuple(_config("t", cid)))
        reads = hops.hops - 4 * 4  # 4 steps: a put and three put_writes each
        assert reads == 1, "every read after the first came from memory"
        assert ours is not None and ours.checkpoint is not (await saver.aget_tuple(_config("t"))).checkpoint


async def test_not_held_or_let_go_the_thread_is_read_from_the_database(tmp_path: Path) -> None:
    """Another process (here another connection) may write a thread whose lease we do not hold."""
    async with aiosqlite.connect(tmp_path / "cp.db") as conn, aiosqlite.connect(tmp_path / "cp.db") as other:
        saver, elsewhere = OneHopSaver(conn), AsyncSqliteSaver(other)
        await saver.setup()
        await _fill(saver, "t")
        await _step(elsewhere, "t", 7, [])  # not held: its write is seen
        latest = await saver.aget_tuple(_config("t"))
        assert latest is not None and latest.metadata["step"] == 7
        saver.hold("t")
        await _step(saver, "t", 8, [])
        saver.let_go("t")  # (before the lease is handed back)
        await _step(elsewhere, "t", 9, [("messages", AIMessage("from the kernel"))])
        latest = await saver.aget_tuple(_config("t"))
        assert latest is not None and latest.metadata["step"] == 9
        assert [w[2].content for w in latest.pending_writes] == ["from the kernel"]


async def test_a_read_begun_before_the_hold_is_not_kept() -> None:
    latest = LatestRows()
    hold = latest.reading("t")  # a read starts: not held yet (another process may write now)
    latest.hold("t")
    latest.read(hold, "t", "", None, ("t", "cp1", None, "msgpack", b"x", b"{}"), [])
    assert latest.get("t", "", None) is None
    latest.let_go("t")
    latest.hold("t")  # a new hold: a read begun under the old one is not kept either
    old = latest.reading("t")
    latest.let_go("t")
    latest.hold("t")
    latest.read(old, "t", "", None, ("t", "cp1", None, "msgpack", b"x", b"{}"), [])
    assert latest.get("t", "", None) is None


async def test_a_failed_write_makes_the_next_read_go_to_the_database(tmp_path: Path) -> None:
    async with aiosqlite.connect(tmp_path / "cp.db") as conn:
        saver = OneHopSaver(conn)
        await saver.setup()
        saver.hold("t")
        config = await _step(saver, "t", 0, [])
        await conn.execute(
            "CREATE TRIGGER full_disk BEFORE INSERT ON writes BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )
        await conn.commit()
        with pytest.raises(Exception, match="disk full"):
            await saver.aput_writes(config, [("messages", AIMessage("lost"))], "task-0")
        assert saver.latest.get("t", "", None) is None  # unsure now: dropped
        latest = await saver.aget_tuple(_config("t"))
        assert latest is not None and latest.pending_writes == []  # what the database has


async def test_a_cancelled_writer_still_updates_what_a_read_returns(tmp_path: Path) -> None:
    """A Stop cancels the turn while its write is queued: the write lands, and the next read of
    the held thread (from memory) includes it."""
    async with aiosqlite.connect(tmp_path / "cp.db") as conn, aiosqlite.connect(tmp_path / "cp.db") as other:
        saver, fresh = OneHopSaver(conn), AsyncSqliteSaver(other)
        await saver.setup()
        saver.hold("t")
        before = await saver.aget_tuple(_config("t"))
        assert before is None
        checkpoint = empty_checkpoint()
        put = asyncio.ensure_future(saver.aput(_config("t"), checkpoint, {"step": 9}, {}))
        await asyncio.sleep(0)
        put.cancel()
        latest = await saver.aget_tuple(_config("t"))
        assert latest is not None and latest.config["configurable"]["checkpoint_id"] == checkpoint["id"]
        _same(latest, await fresh.aget_tuple(_config("t")))


async def test_deleting_a_held_thread_forgets_it(tmp_path: Path) -> None:
    async with aiosqlite.connect(tmp_path / "cp.db") as conn:
        saver = OneHopSaver(conn)
        await saver.setup()
        saver.hold("t")
        await _step(saver, "t", 0, [])
        await saver.adelete_thread("t")
        assert await saver.aget_tuple(_config("t")) is None


async def test_turns_taking_turns_in_two_engines_each_see_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two engines on the same files (the Jupyter server and a kernel): each turn builds on the
    other engine's last one. A saver that kept a thread's rows after its lease was handed back
    would answer the third turn from the first one's rows, and lose the second."""
    from mcpchat_ext import api
    from mcpchat_ext.config import EngineConfig
    from mcpchat_ext.engine import Engine

    from ..api.conftest import OFFLINE

    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "MCPCHAT_MODEL", "MCPCHAT_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)  # (the offline demo model)
    config = EngineConfig.from_env(data_dir=tmp_path, **OFFLINE)
    server, kernel = Engine(config), Engine(config)
    try:
        await server.start()
        await kernel.start()
        here = api.Client(await server.workspace("alice"))
        there = api.Client(await kernel.workspace("alice"))
        chat = await here.new_chat(servers=[])
        other = await there.chat(chat.id)
        for n, side in enumerate([chat, other, chat, other, chat]):
            await side.ask(f"message {n}")
        texts = [m.content for m in await chat.history() if m.role == "user"]
        assert texts == [f"message {n}" for n in range(5)]
    finally:
        await kernel.aclose()
        await server.aclose()
