"""A chat's model choice in app.db, also in a file made before the column existed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from mcpchat_ext.store import Store

pytestmark = pytest.mark.asyncio


async def test_model_choice_is_stored_and_updated(store: Store) -> None:
    chat = await store.create_chat("ann", "t", [], "alpha")
    assert chat.model == "alpha"
    assert (await store.update_chat("ann", chat.id, model="beta")).model == "beta"
    assert (await store.update_chat("ann", chat.id, title="x")).model == "beta"  # untouched
    assert (await store.get_chat("ann", chat.id)).model == "beta"
    assert (await store.create_chat("ann", "u", [])).model is None


async def test_an_old_file_gets_the_column(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    first = await Store.open(f"sqlite+aiosqlite:///{path}")
    old = await first.create_chat("ann", "old chat", ["demo"])
    await first.close()
    with sqlite3.connect(path) as conn:  # as written before chats.model existed
        conn.execute("ALTER TABLE chats DROP COLUMN model")
        assert "model" not in {r[1] for r in conn.execute("PRAGMA table_info(chats)")}
    store = await Store.open(f"sqlite+aiosqlite:///{path}")
    try:
        chat = await store.get_chat("ann", old.id)
        assert chat.model is None and chat.title == "old chat"
        assert (await store.update_chat("ann", old.id, model="alpha")).model == "alpha"
    finally:
        await store.close()
