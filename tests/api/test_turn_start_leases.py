"""A turn start reads a known chat's row while it takes the chat's run lease (users/turns.py
``_leased``): nothing of that may leak. A chat deleted by another process meanwhile is NotFound
and leaves no lease held; a chat this process never saw is read before any lease row is made;
a running chat is refused without touching its lease."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import select

from mcpchat_ext import api
from mcpchat_ext.config import EngineConfig
from mcpchat_ext.engine import Engine
from mcpchat_ext.errors import Conflict, NotFound
from mcpchat_ext.store.models import RunLease

from .conftest import OFFLINE

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def engines(data_dir: Path) -> AsyncIterator[tuple[Engine, Engine]]:
    """Two engines on the same files (the Jupyter server and a kernel, say)."""
    config = EngineConfig.from_env(data_dir=data_dir, **OFFLINE)
    server, kernel = Engine(config), Engine(config)
    await server.start()
    await kernel.start()
    try:
        yield server, kernel
    finally:
        await kernel.aclose()
        await server.aclose()


async def _lease_rows(engine: Engine) -> list[Any]:
    store = (await engine.workspace("alice"))._store
    async with store._sessions() as session:
        return list((await session.execute(select(RunLease))).scalars())


async def test_a_chat_deleted_elsewhere_is_not_found_and_no_lease_stays_held(
    engines: tuple[Engine, Engine],
) -> None:
    server, kernel = engines
    here = api.Client(await server.workspace("alice"))
    chat = await here.new_chat(servers=[])  # known here: its row is read while the lease is taken
    await chat.ask("first")
    await (await api.Client(await kernel.workspace("alice")).chat(chat.id)).delete()
    turns = (await server.workspace("alice")).turns
    with pytest.raises(NotFound):
        await turns.start(chat.id, "are you there?")
    kernel_store = (await kernel.workspace("alice"))._store
    assert not await kernel_store.leases.held_elsewhere(chat.id)  # released at once, not at ttl
    with pytest.raises(NotFound):  # (and again: nothing half-done stays behind)
        await turns.start(chat.id, "hello?")


async def test_an_unknown_chat_id_makes_no_lease_row(engines: tuple[Engine, Engine]) -> None:
    server, _ = engines
    turns = (await server.workspace("alice")).turns
    before = {r.chat_id for r in await _lease_rows(server)}
    for n in range(3):
        with pytest.raises(NotFound):
            await turns.start(f"no-such-chat-{n}", "hi")
    assert {r.chat_id for r in await _lease_rows(server)} == before


async def test_a_pending_chat_refuses_a_message_and_gives_its_lease_back(
    engines: tuple[Engine, Engine],
) -> None:
    server, kernel = engines
    workspace = await server.workspace("alice")
    chat = await api.Client(workspace).new_chat(servers=["demo"])
    frames = [f async for f in chat.send("add 2 and 3")]  # waits for approval: pending
    assert frames[-1].type == "approval_required"
    for _ in range(2):
        with pytest.raises(Conflict):
            await workspace.turns.start(chat.id, "another message")
    kernel_workspace = await kernel.workspace("alice")
    assert not await kernel_workspace._store.leases.held_elsewhere(chat.id)
    with pytest.raises(Conflict):  # pending, as the other process sees it too
        await kernel_workspace.turns.start(chat.id, "from the kernel")
    frames = [f async for f in chat.approve_all()]  # the call runs once, here
    assert frames[-1].type == "done"
    assert [m.role for m in await chat.history()].count("tool") == 1
