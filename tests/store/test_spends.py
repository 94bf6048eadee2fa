"""What MCP servers' sampling requests spent per chat (store/spends.py), against a real SQLite
file: added up per tool call, scoped by user, gone with the chat."""

from __future__ import annotations

import pytest

from mcpchat_ext.errors import NotFound
from mcpchat_ext.protocol import Usage
from mcpchat_ext.store import Store

pytestmark = pytest.mark.asyncio


async def test_sampling_spends_add_up_per_call_and_go_with_the_chat(store: Store) -> None:
    chat = await store.create_chat("alice", "c", [])
    priced = Usage(input_tokens=11, output_tokens=1, cost=0.5, model="fake")
    await store.spends.record("alice", chat.id, "call-1", priced)
    await store.spends.record("alice", chat.id, "call-1", priced)
    await store.spends.record("alice", chat.id, "call-2", Usage(input_tokens=3, output_tokens=4))
    with pytest.raises(NotFound, match="not recorded"):
        await store.spends.record("bob", chat.id, "call-3", priced)
    assert await store.spends.of_chat("alice", chat.id) == {
        "call-1": Usage(input_tokens=22, output_tokens=2, cost=1.0, model="fake"),
        "call-2": Usage(input_tokens=3, output_tokens=4),
    }
    assert await store.spends.of_chat("bob", chat.id) == {}
    await store.delete_chat("alice", chat.id)
    assert await store.spends.of_chat("alice", chat.id) == {}
