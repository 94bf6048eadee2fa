"""The turn start's rule reads and the turn end's touches in batches (store/rules.py,
store/chat_rows.py; the chat read: test_chat_leases.py): many asked for at once are one query,
and each asker gets its own answer, never another user's, never a stale one."""

from __future__ import annotations

import asyncio

from sqlalchemy import event

from mcpchat_ext import protocol as p
from mcpchat_ext.errors import NotFound
from mcpchat_ext.store import Store
from mcpchat_ext.store.engines import THREAD_POOL_SIZE
from tests.store.statements import starting, statements_of


async def test_rules_asked_for_at_once_are_read_together(store: Store) -> None:
    for user in ("alice", "bob"):
        await store.create_chat(user, "c", [], None)  # (the user's row)
    await store.rules.add("alice", p.NewRule(server="demo", action="allow"))
    await store.rules.add("bob", p.NewRule(server="demo", tool="rm", action="deny"))
    with statements_of(store) as seen:
        lists = await asyncio.gather(*(store.rules.list(u) for u in ["alice", "bob", "carol"] * 20))
    selects = starting(seen, "SELECT", "approval_rules")
    for user, rules in zip(["alice", "bob", "carol"] * 20, lists, strict=True):
        expected = {"alice": [("demo", "*", "allow")], "bob": [("demo", "rm", "deny")], "carol": []}[user]
        assert [(r.server, r.tool, r.action) for r in rules] == expected
    assert lists[0] is not lists[3]  # (each asker its own list: one changing it changes no other)
    assert 1 <= len(selects) <= 3, selects


async def test_a_rule_added_is_in_the_next_read(store: Store) -> None:
    await store.create_chat("alice", "c", [], None)
    pending = [asyncio.ensure_future(store.rules.list("alice")) for _ in range(10)]
    await asyncio.sleep(0)
    await store.rules.add("alice", p.NewRule(server="demo", tool="x", action="deny"))
    assert [(r.tool, r.action) for r in await store.rules.list("alice")] == [("x", "deny")]
    await asyncio.gather(*pending)


async def test_the_thread_engine_keeps_a_connection_per_thread(store: Store) -> None:
    """As many connections in use at once as there are threads that use them (the default
    executor's and the writer): none made and closed per use (each connect runs the pragmas,
    milliseconds of the GIL on a busy server; the pool's default 5 kept too few)."""
    engine = store.lease_engine
    connects: list[object] = []
    event.listen(engine, "connect", lambda *a: connects.append(a))

    def all_threads_at_once() -> None:
        conns = [engine.connect() for _ in range(THREAD_POOL_SIZE)]
        for conn in conns:
            conn.close()

    await asyncio.to_thread(all_threads_at_once)
    first = len(connects)
    for _ in range(4):
        await asyncio.to_thread(all_threads_at_once)
    assert first >= 1 and len(connects) == first


async def test_chats_touched_at_once_are_one_write_and_only_the_users_own(store: Store) -> None:
    mine = [await store.create_chat("alice", f"a{i}", [], None) for i in range(30)]
    theirs = await store.create_chat("bob", "b", [], None)
    before = {c.id: c.updated_at for c in await store.list_chats("alice")}
    with statements_of(store) as seen:
        results = await asyncio.gather(
            *(store.touch_chat("alice", c.id) for c in mine),
            store.touch_chat("alice", theirs.id),  # (bob's chat, in alice's batch)
            return_exceptions=True,
        )
    updates = starting(seen, "UPDATE", "chats")
    assert results[:30] == [None] * 30
    assert isinstance(results[30], NotFound)
    assert 1 <= len(updates) <= 4, updates  # (31 touches)
    after = {c.id: c.updated_at for c in await store.list_chats("alice")}
    assert all(after[c.id] > before[c.id] for c in mine)
    assert (await store.get_chat("bob", theirs.id)).updated_at == theirs.updated_at
