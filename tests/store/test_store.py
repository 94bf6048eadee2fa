"""The SQLAlchemy store against real SQLite files: CRUD, per-user scoping, audit, reopening."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from mcpchat_ext.errors import Conflict, NotFound
from mcpchat_ext.protocol import Decision, ServerSpec, ToolCall
from mcpchat_ext.store import Store

pytestmark = pytest.mark.asyncio


def stdio_spec(name: str = "time", **kw: object) -> ServerSpec:
    return ServerSpec.model_validate(
        {"name": name, "transport": "stdio", "command": "python", "args": ["-m", "x"], **kw}
    )


async def test_open_creates_parent_dir_and_sets_pragmas(store: Store, db_path: Path) -> None:
    assert await asyncio.to_thread(db_path.exists)
    async with store.engine.connect() as conn:
        mode = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar()
        fks = (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar()
    assert mode == "wal"
    assert fks == 1


async def test_chat_crud(store: Store) -> None:
    await store.ensure_user("alice")
    await store.ensure_user("alice")  # idempotent
    assert await store.list_chats("alice") == []

    first = await store.create_chat("alice", "First", ["time", "demo", "time"])
    assert first.servers == ["time", "demo"]
    assert first.created_at.tzinfo is not None
    second = await store.create_chat("alice", "Second", [])
    assert [c.id for c in await store.list_chats("alice")] == [second.id, first.id]

    # touching bumps a chat to the top
    await store.touch_chat("alice", first.id)
    assert [c.id for c in await store.list_chats("alice")] == [first.id, second.id]

    got = await store.get_chat("alice", first.id)
    assert got.title == "First"
    assert got.pending_approval is False

    renamed = await store.update_chat("alice", first.id, title="Renamed")
    assert renamed.title == "Renamed"
    assert renamed.servers == ["time", "demo"]
    changed = await store.update_chat("alice", first.id, servers=["demo"])
    assert changed.title == "Renamed"
    assert changed.servers == ["demo"]
    assert changed.updated_at >= renamed.updated_at

    thread = await store.thread_id("alice", first.id)
    assert thread and thread != await store.thread_id("alice", second.id)
    assert await store.delete_chat("alice", first.id) == thread
    with pytest.raises(NotFound):
        await store.get_chat("alice", first.id)
    with pytest.raises(NotFound):
        await store.delete_chat("alice", first.id)
    assert [c.id for c in await store.list_chats("alice")] == [second.id]


async def test_chats_are_scoped_by_user(store: Store) -> None:
    chat = await store.create_chat("alice", "Secret", [])
    assert await store.list_chats("bob") == []
    with pytest.raises(NotFound):
        await store.get_chat("bob", chat.id)
    with pytest.raises(NotFound):
        await store.thread_id("bob", chat.id)
    with pytest.raises(NotFound):
        await store.update_chat("bob", chat.id, title="pwned")
    with pytest.raises(NotFound):
        await store.touch_chat("bob", chat.id)
    with pytest.raises(NotFound):
        await store.delete_chat("bob", chat.id)
    with pytest.raises(NotFound):
        await store.record_decision(
            "bob", chat.id, ToolCall(id="c1", name="x_y"), Decision(call_id="c1", action="approve")
        )
    # nothing was changed for alice
    assert (await store.get_chat("alice", chat.id)).title == "Secret"
    with pytest.raises(NotFound):
        await store.get_chat("alice", "no-such-chat")


async def test_server_crud_and_conflicts(store: Store) -> None:
    spec = stdio_spec("time", env={"TOKEN": "s3cret"}, description="clock")
    assert await store.add_server("alice", spec) == spec
    with pytest.raises(Conflict):
        await store.add_server("alice", spec)
    # the same name is free for another user
    await store.add_server("bob", spec)

    http = ServerSpec(
        name="web", transport="streamable_http", url="http://localhost:1/mcp", headers={"A": "b"}
    )
    await store.add_server("alice", http)
    assert [s.name for s in await store.list_servers("alice")] == ["time", "web"]
    assert await store.get_server("alice", "web") == http

    updated = await store.update_server("alice", "web", http.model_copy(update={"enabled": False}))
    assert updated.enabled is False
    assert (await store.get_server("alice", "web")).enabled is False

    with pytest.raises(Conflict):  # rename onto an existing name
        await store.update_server("alice", "web", http.model_copy(update={"name": "time"}))
    with pytest.raises(NotFound):
        await store.update_server("alice", "nope", http)
    with pytest.raises(NotFound):
        await store.get_server("alice", "nope")

    await store.remove_server("alice", "web")
    with pytest.raises(NotFound):
        await store.remove_server("alice", "web")
    assert [s.name for s in await store.list_servers("alice")] == ["time"]
    assert [s.name for s in await store.list_servers("bob")] == ["time"]


async def test_servers_are_scoped_by_user(store: Store) -> None:
    await store.add_server("alice", stdio_spec("mine"))
    assert await store.list_servers("bob") == []
    with pytest.raises(NotFound):
        await store.get_server("bob", "mine")
    with pytest.raises(NotFound):
        await store.update_server("bob", "mine", stdio_spec("mine"))
    with pytest.raises(NotFound):
        await store.remove_server("bob", "mine")
    assert (await store.get_server("alice", "mine")).name == "mine"


async def test_rename_and_remove_follow_into_chats(store: Store) -> None:
    await store.add_server("alice", stdio_spec("old"))
    await store.add_server("alice", stdio_spec("other"))
    chat = await store.create_chat("alice", "c", ["old", "other"])
    await store.update_server("alice", "old", stdio_spec("new"))
    assert (await store.get_chat("alice", chat.id)).servers == ["new", "other"]
    await store.remove_server("alice", "other")
    assert (await store.get_chat("alice", chat.id)).servers == ["new"]


async def test_audit_trail_survives_chat_deletion(store: Store) -> None:
    chat = await store.create_chat("alice", "c", ["time"])
    call = ToolCall(id="call-1", name="time_now", server="time", tool="now", args={"tz": "UTC"})
    await store.record_decision(
        "alice", chat.id, call, Decision(call_id="call-1", action="approve"), auto=True
    )
    call2 = call.model_copy(update={"id": "call-2"})
    await store.record_decision(
        "alice", chat.id, call2, Decision(call_id="call-2", action="edit", args={"tz": "Europe/Paris"})
    )
    call3 = call.model_copy(update={"id": "call-3"})
    await store.record_decision(
        "alice", chat.id, call3, Decision(call_id="call-3", action="reject", reason="not now")
    )
    other = await store.create_chat("alice", "other", [])
    await store.record_decision("alice", other.id, call, Decision(call_id="call-1", action="approve"))

    records = await store.list_decisions("alice", chat.id)
    assert [(r["call_id"], r["action"], r["auto"]) for r in records] == [
        ("call-1", "approve", True),
        ("call-2", "edit", False),
        ("call-3", "reject", False),
    ]
    assert records[0]["server"] == "time" and records[0]["server_tool"] == "now"
    assert records[0]["args"] == {"tz": "UTC"}
    assert records[1]["edited_args"] == {"tz": "Europe/Paris"}
    assert records[2]["reason"] == "not now"
    assert len(await store.list_decisions("alice")) == 4
    assert await store.list_decisions("bob") == []
    assert await store.list_decisions("bob", chat.id) == []

    await store.delete_chat("alice", chat.id)
    assert len(await store.list_decisions("alice", chat.id)) == 3  # audit is history
    assert await store.delete_decisions("alice", chat.id) == 3
    assert len(await store.list_decisions("alice")) == 1


async def test_data_survives_reopening_the_file(db_url: str, db_path: Path) -> None:
    s1 = await Store.open(db_url)
    chat = await s1.create_chat("alice", "Persistent", ["time"])
    await s1.add_server("alice", stdio_spec("time", env={"K": "v"}))
    await s1.close()

    s2 = await Store.open(db_url)
    try:
        assert (await s2.get_chat("alice", chat.id)).title == "Persistent"
        assert (await s2.get_server("alice", "time")).env == {"K": "v"}
        assert await s2.thread_id("alice", chat.id)
    finally:
        await s2.close()

    # the file is a plain SQLite database other tools can read
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("select title from chats").fetchall() == [("Persistent",)]


async def test_in_memory_database() -> None:
    s = await Store.open("sqlite+aiosqlite:///:memory:")
    try:
        chat = await s.create_chat("u", "t", [])
        assert (await s.get_chat("u", chat.id)).id == chat.id
    finally:
        await s.close()
