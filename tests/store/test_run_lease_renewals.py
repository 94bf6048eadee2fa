"""Run-lease renewals (users/run_lease.py): the leases a process keeps are renewed together, one
UPDATE per interval for all of its running chats, and they stay held past their ttl.

At 100 chats streaming at once, one renewal write per chat and interval contended with the turn
starts for the database file ("database is locked" in the renewals, benchmarks/README.md)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from mcpchat_ext.store import Store
from mcpchat_ext.store.leases import Leases
from mcpchat_ext.store.models import RunLease
from mcpchat_ext.store.timestamps import aware
from mcpchat_ext.users.run_lease import RunLeases

pytestmark = [pytest.mark.timeout(60), pytest.mark.asyncio]
TTL = 0.6  # renewed every 0.2 s
CHATS = ["chat-a", "chat-b", "chat-c"]


@pytest_asyncio.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'app.db'}")
    try:
        yield opened
    finally:
        await opened.close()


def renewals_of(store: Store) -> list[list[Any]]:
    """The parameters of every lease renewal statement run on ``store`` from now on."""
    seen: list[list[Any]] = []

    def record(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        if statement.startswith("UPDATE run_leases SET expires_at") and "IN" in statement:
            seen.append(list(params))

    event.listen(store.engine.sync_engine, "before_cursor_execute", record)
    return seen


async def expiries(store: Store) -> dict[str, datetime]:
    async with async_sessionmaker(store.engine)() as session:
        rows = await session.scalars(select(RunLease))
        return {r.chat_id: aware(r.expires_at) for r in rows}


async def until(check: Any, what: str) -> None:
    for _ in range(500):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


async def test_kept_leases_are_renewed_together_in_one_statement(store: Store) -> None:
    leases = Leases(
        async_sessionmaker(store.engine, expire_on_commit=False), owner=store.leases.owner, ttl=TTL
    )
    run = RunLeases(leases)
    assert [await leases.acquire(chat) for chat in CHATS] == [1, 1, 1]
    for chat in CHATS:
        run.keep(chat)
    taken = await expiries(store)
    seen = renewals_of(store)
    await until(lambda: len(seen) >= 2, "two renewals")
    # every renewal named all three chats: one statement, not one per chat
    assert all(set(CHATS) <= set(map(str, params)) for params in seen), seen
    renewed = await expiries(store)
    assert all(renewed[c] > taken[c] for c in CHATS), (taken, renewed)
    other = Leases(async_sessionmaker(store.engine, expire_on_commit=False), owner="another:1:x", ttl=TTL)
    assert [await other.acquire(c) for c in CHATS] == [None, None, None]  # still held

    await run.release("chat-a")
    assert run.kept == {"chat-b", "chat-c"}
    before = len(seen)
    await until(lambda: len(seen) > before, "a renewal after a release")
    assert "chat-a" not in map(str, seen[-1]) and {"chat-b", "chat-c"} <= set(map(str, seen[-1]))
    assert await other.acquire("chat-a") is not None  # released: free at once

    for chat in ("chat-b", "chat-c"):
        await run.release(chat)
    assert run.kept == frozenset()
    assert run._renewal is None  # no task left renewing nothing


async def test_a_failed_renewal_is_tried_again_and_logged(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    class Flaky(Leases):
        failures = 1

        async def renew(self, chat_ids: Any) -> None:
            if self.failures:
                self.failures -= 1
                raise RuntimeError("database is locked")
            await super().renew(chat_ids)

    leases = Flaky(
        async_sessionmaker(store.engine, expire_on_commit=False), owner=store.leases.owner, ttl=TTL
    )
    run = RunLeases(leases)
    assert await leases.acquire("chat-a") is not None
    taken = (await expiries(store))["chat-a"]
    seen = renewals_of(store)
    run.keep("chat-a")
    try:
        await until(lambda: len(seen) >= 1, "a renewal after the failure")
        assert (await expiries(store))["chat-a"] > taken
        assert "could not renew the run leases of 1 chats" in caplog.text
    finally:
        await run.release("chat-a")


async def test_taking_a_new_or_free_lease_is_one_statement(store: Store) -> None:
    """A turn start waits for each database round trip: a new lease, this owner's own and a
    released one are each taken by one upsert; a live holder's is refused (and not taken)."""
    statements: list[str] = []
    event.listen(
        store.lease_engine,
        "before_cursor_execute",
        lambda conn, cursor, statement, *rest: statements.append(statement.split()[0]),
    )
    mine = store.leases
    assert await mine.acquire("chat-a") == 1  # new
    assert await mine.acquire("chat-a") == 2  # this owner's own
    await mine.release("chat-a")
    assert statements == ["INSERT", "INSERT", "UPDATE"]
    other = Leases(
        async_sessionmaker(store.engine, expire_on_commit=False), owner="elsewhere.example:1:x", ttl=60
    )
    assert await other.acquire("chat-a") == 3  # released: free
    assert await mine.acquire("chat-a") is None  # held by a live holder elsewhere
    assert await mine.holder("chat-a") == other.owner
