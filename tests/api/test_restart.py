"""Chats and pending approvals live in SQLite: they survive an engine shutdown and reconnect."""

from __future__ import annotations

from typing import Any

import pytest

from mcpchat_ext import api
from mcpchat_ext import protocol as p

pytestmark = pytest.mark.timeout(120)


@pytest.mark.asyncio
async def test_pending_call_survives_shutdown_and_reconnect(engine_config: dict[str, Any]) -> None:
    try:
        client = await api.connect(**engine_config)
        chat = await client.new_chat("survivor", servers=["demo"])
        async for _ in chat.send("add 2 and 3"):
            pass
        [call] = await chat.pending()
        await api.shutdown()  # stops the demo MCP server, closes the databases

        client = await api.connect(**engine_config)
        [info] = [c.info for c in await client.chats()]
        assert (info.id, info.title) == (chat.id, "survivor")
        chat = await client.chat(chat.id)
        [again] = await chat.pending()
        assert (again.id, again.name, again.args) == (call.id, "demo_add", {"a": 2, "b": 3})
        assert again.input_schema  # the schema came back from the reconnected server
        assert (await client.chat(chat.id)).info.pending_approval is True

        frames = [f async for f in chat.approve_all()]
        [result] = [f for f in frames if isinstance(f, p.ToolResultFrame)]
        assert float(result.message.content) == 5
        assert isinstance(frames[-1], p.DoneFrame)
        assert [m.role for m in await chat.history()] == ["user", "assistant", "tool", "assistant"]
    finally:
        await api.shutdown()


@pytest.mark.asyncio
async def test_another_config_needs_a_shutdown_first(engine_config: dict[str, Any]) -> None:
    try:
        await api.connect(**engine_config)
        with pytest.raises(RuntimeError, match="shutdown"):
            await api.connect(**engine_config)
        client = await api.connect()  # no overrides: the running engine
        assert client.model.demo
    finally:
        await api.shutdown()
