"""The resources attached to chats (store/attached.py), against a real SQLite file: kept per chat
and user, gone with their chat, following a server's rename or removal, still there when the
file is opened again."""

from __future__ import annotations

import pytest

from mcpchat_ext.errors import NotFound
from mcpchat_ext.protocol import ServerSpec
from mcpchat_ext.store import Store
from mcpchat_ext.store.attached import Attached

pytestmark = pytest.mark.asyncio


def spec(name: str) -> ServerSpec:
    return ServerSpec(name=name, transport="stdio", command="python", args=["-m", "x"])


async def test_attached_resources_follow_their_chat_and_server(store: Store, db_url: str) -> None:
    for name in ("res", "other"):
        await store.add_server("alice", spec(name))
    one = await store.create_chat("alice", "one", ["res", "other"])
    two = await store.create_chat("alice", "two", ["res"])
    bobs = await store.create_chat("bob", "bob's", ["res"])
    attached = store.attached
    await attached.attach("alice", one.id, [("res", "res://a", "A"), ("other", "o://b", "B")])
    await attached.attach("alice", one.id, [("res", "res://a", "A again")])  # a new label, one row
    await attached.attach("alice", two.id, [("res", "res://a", "A")])
    await attached.attach("bob", bobs.id, [("res", "res://a", "A")])
    with pytest.raises(NotFound, match="not watched"):
        await attached.attach("bob", one.id, [("res", "res://x", "X")])  # not bob's chat

    await attached.mark_changed("alice", "res", "res://a")
    assert await attached.all("alice") == [
        Attached(one.id, "res", "res://a", "A again", True),
        Attached(one.id, "other", "o://b", "B", False),
        Attached(two.id, "res", "res://a", "A", True),
    ]
    await attached.clear_changed("alice", one.id)
    assert [a.changed for a in await attached.all("alice")] == [False, False, True]
    assert [a.changed for a in await attached.all("bob")] == [False], "another user's update"

    await store.update_server("alice", "res", spec("renamed"))  # its resources follow it
    assert [(a.chat_id, a.server) for a in await attached.all("alice")] == [
        (one.id, "renamed"),
        (one.id, "other"),
        (two.id, "renamed"),
    ]
    await store.remove_server("alice", "renamed")  # ... or go with it
    assert [(a.chat_id, a.server) for a in await attached.all("alice")] == [(one.id, "other")]
    await attached.keep_servers("alice", one.id, [])  # taken out of the chat
    assert await attached.all("alice") == []

    await store.delete_chat("bob", bobs.id)  # its rows go with it
    assert await attached.all("bob") == []
    await attached.attach("alice", two.id, [("res", "res://kept", "K")])
    reopened = await Store.open(db_url)
    try:  # a server no longer in the chat's list: not watched, even if its row is left
        assert await reopened.attached.all("alice") == []
        await reopened.update_chat("alice", two.id, servers=["res"])
        assert await reopened.attached.all("alice") == [Attached(two.id, "res", "res://kept", "K")]
    finally:
        await reopened.close()
