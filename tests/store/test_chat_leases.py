"""A turn start's chat read and run-lease take in one hop (store/chat_leases.py), and the lease
statements compiled once (store/leases.py): real SQLite files, two stores on one file where a
second process is needed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from mcpchat_ext.errors import NotFound
from mcpchat_ext.store import Store
from tests.store.statements import starting, statements_of


@pytest_asyncio.fixture
async def other(db_url: str) -> AsyncIterator[Store]:
    """A second store on the same file: another process's leases."""
    s = await Store.open(db_url)
    try:
        yield s
    finally:
        await s.close()


async def test_the_chat_comes_with_its_lease(store: Store) -> None:
    chat = await store.create_chat("alice", "one", ["demo"], None)
    turns, info, thread_id = await store.chat_leases.take("alice", chat.id)
    assert (turns, info.id, info.title, info.servers) == (1, chat.id, "one", ["demo"])
    assert thread_id == await store.thread_id("alice", chat.id)
    assert await store.leases.holder(chat.id) == store.leases.owner
    await store.leases.release(chat.id)
    assert (await store.chat_leases.take("alice", chat.id))[0] == 2  # (the turn count goes on)


async def test_no_lease_is_made_for_a_chat_that_is_not_the_users(store: Store) -> None:
    theirs = await store.create_chat("bob", "bob's", [], None)
    for chat_id in (theirs.id, "no-such-chat"):
        with pytest.raises(NotFound, match=chat_id):
            await store.chat_leases.take("alice", chat_id)
        assert await store.leases.holder(chat_id) is None
    assert (await store.chat_leases.take("bob", theirs.id))[0] == 1


async def test_a_chat_another_process_runs_is_read_but_not_taken(store: Store, other: Store) -> None:
    chat = await store.create_chat("alice", "busy", [], None)
    assert await other.leases.acquire(chat.id) == 1
    turns, info, _ = await store.chat_leases.take("alice", chat.id)
    assert (turns, info.title) == (None, "busy")
    assert await store.leases.holder(chat.id) == other.leases.owner


async def test_takes_asked_together_are_one_hop_and_each_gets_its_own(store: Store, other: Store) -> None:
    mine = [await store.create_chat("alice", f"a{i}", ["demo"], None) for i in range(40)]
    theirs = await store.create_chat("bob", "b", [], None)
    held = await store.create_chat("alice", "held", [], None)
    await other.leases.acquire(held.id)
    with statements_of(store) as seen:
        results = await asyncio.gather(
            *(store.chat_leases.take("alice", c.id) for c in mine),
            store.chat_leases.take("alice", theirs.id),  # in the same batch: not alice's
            store.chat_leases.take("alice", "no-such-chat"),
            store.chat_leases.take("alice", held.id),
            return_exceptions=True,
        )
    for chat, got in zip(mine, results[:40], strict=True):
        assert not isinstance(got, BaseException)
        turns, info, thread_id = got
        assert (turns, info.id, info.title, info.servers) == (1, chat.id, chat.title, ["demo"])
        assert thread_id == await store.thread_id("alice", chat.id)
    assert isinstance(results[40], NotFound) and theirs.id in str(results[40])
    assert isinstance(results[41], NotFound) and "no-such-chat" in str(results[41])
    assert not isinstance(results[42], BaseException) and results[42][0] is None
    reads = starting(seen, "SELECT", "chats")
    upserts = starting(seen, "INSERT INTO", "run_leases")
    assert 1 <= len(reads) <= 3, reads  # (43 takes: one query per batch, not one per chat)
    assert 1 <= len(upserts) <= 3, upserts
    assert await store.leases.holder(theirs.id) is None
    _, info, _ = await store.chat_leases.take("bob", theirs.id)  # bob's own: found
    assert info.title == "b"


async def test_a_chat_read_after_a_write_sees_it(store: Store) -> None:
    chat = await store.create_chat("alice", "before", [], None)
    slow = [asyncio.ensure_future(store.chat_leases.take("alice", chat.id)) for _ in range(20)]
    await asyncio.sleep(0)  # (the batch is on its way)
    await store.update_chat("alice", chat.id, title="after", model="m2")
    _, info, _ = await store.chat_leases.take("alice", chat.id)
    assert (info.title, info.model) == ("after", "m2")
    await asyncio.gather(*slow)


async def test_a_deleted_chat_is_not_found(store: Store) -> None:
    chat = await store.create_chat("alice", "gone", [], None)
    await store.delete_chat("alice", chat.id)
    with pytest.raises(NotFound):
        await store.chat_leases.take("alice", chat.id)


async def test_the_lease_statements_are_compiled_once(store: Store) -> None:
    """A take, a renewal and a release reuse their compiled statement (a take's multi-row upsert
    had been compiled anew every time: two thirds of its time on the writer thread)."""
    chats = [await store.create_chat("alice", f"c{i}", [], None) for i in range(4)]

    async def a_turn(chat_id: str) -> None:
        await store.chat_leases.take("alice", chat_id)
        await store.leases.renew([chat_id])
        await store.leases.release(chat_id)

    async def together() -> None:
        await asyncio.gather(*(store.chat_leases.take("alice", c.id) for c in chats))
        for chat in chats:
            await store.leases.release(chat.id)

    await a_turn(chats[0].id)  # (the first of each is compiled)
    await together()
    with statements_of(store) as seen:
        for chat in chats[1:]:
            await a_turn(chat.id)
        await together()
    assert seen
    misses = [(sql, verdict) for sql, verdict in seen if getattr(verdict, "name", None) != "CACHE_HIT"]
    assert not misses, misses
