"""store/thread_sessions.py: serial work runs one at a time on a thread of its own, so writers
waiting their turn (SQLite's busy handler, up to seconds while another process writes) never hold
the default executor's threads that every other read of a turn start needs."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

from mcpchat_ext.store.thread_sessions import ThreadSessions

pytestmark = [pytest.mark.timeout(60)]


async def test_blocked_writers_do_not_starve_reads(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    engine = create_engine(url)
    async_engine = create_async_engine(url.replace("sqlite://", "sqlite+aiosqlite://"))
    sessions = ThreadSessions(async_sessionmaker(async_engine), sessionmaker(engine))
    release = threading.Event()
    running: list[int] = []
    lock = threading.Lock()

    def writer(_: Session) -> None:
        with lock:
            running.append(1)
            assert len(running) == 1, "two serial writers at once"
        release.wait(30)
        with lock:
            running.pop()

    # more writers than the default executor has threads (min(32, cpus + 4))
    writers = [asyncio.ensure_future(sessions.run(writer, serial=True)) for _ in range((os.cpu_count() or 1) + 8)]
    await asyncio.sleep(0.05)
    try:
        one = await asyncio.wait_for(sessions.run(lambda s: s.execute(text("select 1")).scalar()), 20)
        assert one == 1  # read while every writer still waits
        assert not any(w.done() for w in writers)
    finally:
        release.set()
    await asyncio.gather(*writers)
    sessions.close()
    engine.dispose()
    await async_engine.dispose()
