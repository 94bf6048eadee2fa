"""The roots a user chose per server are kept in app.db: after a restart (a new engine on the same
data dir) the server is offered them and asks ``roots/list`` to get them; a removed server's choice
is forgotten; a file made before the column existed gets it."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from mcpchat_ext import api
from tests.mcp_servers.calls import by_name, call
from tests.mcp_servers.edge import edge_spec

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(90)]


async def roots_the_server_sees(client: api.Client) -> str:
    """What the server gets when it asks ``roots/list`` (its ``my_roots`` tool, called directly)."""
    tools = by_name(await client.workspace.connections.get_tools([edge_spec()]))
    return str((await call(tools["edge_my_roots"])).content)


async def test_roots_survive_a_restart(engine_config: dict[str, Any], data_dir: Path, tmp_path: Path) -> None:
    chosen = tmp_path / "project"
    client = await api.connect(**engine_config)
    try:
        assert (await client.add_server(edge_spec())).state == "ready"
        default = (await client.servers())[-1].roots
        assert default and default != [str(chosen)]
        await client.set_roots("edge", [str(chosen)])
    finally:
        await api.shutdown()

    client = await api.connect(**engine_config)
    try:
        [edge] = [s for s in await client.servers() if s.name == "edge"]
        assert edge.roots == [str(chosen)]
        assert (await client.connect_server("edge")).roots == [str(chosen)]
        assert await roots_the_server_sees(client) == chosen.as_uri()
        await client.remove_server("edge")
        await client.add_server(edge_spec())
        [edge] = [s for s in await client.servers() if s.name == "edge"]
        assert edge.roots == default, "a removed server's roots are forgotten"
    finally:
        await api.shutdown()


async def test_an_old_file_gets_the_roots_column(engine_config: dict[str, Any], data_dir: Path) -> None:
    await api.connect(**engine_config)
    await api.shutdown()
    db = next(iter(await asyncio.to_thread(lambda: list(data_dir.rglob("app.db")))))
    with sqlite3.connect(db) as conn:  # as written before users.server_roots existed
        conn.execute("ALTER TABLE users DROP COLUMN server_roots")
    client = await api.connect(**engine_config)
    try:
        await client.set_roots("demo", ["/srv/notebooks"])
        assert [s.roots for s in await client.servers() if s.name == "demo"] == [["/srv/notebooks"]]
    finally:
        await api.shutdown()
    with sqlite3.connect(db) as conn:
        assert "server_roots" in {r[1] for r in conn.execute("PRAGMA table_info(users)")}
