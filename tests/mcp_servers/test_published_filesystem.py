"""The published ``@modelcontextprotocol/server-filesystem`` (npm), started without directories:
it works in the roots the client offers (``roots/list``), and reads nothing outside them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from langchain_core.tools import BaseTool

from tests.mcp_servers.calls import by_name, call
from tests.mcp_servers.published import manager, npm_server

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(120)]


async def allows(list_allowed: BaseTool, path: Path) -> str:
    """What the server allows, once it allows ``path`` (it asks ``roots/list`` on its own time)."""
    for _ in range(200):
        listed = str((await call(list_allowed)).content)
        if str(path) in listed.splitlines():
            return listed
        await asyncio.sleep(0.05)
    raise AssertionError(f"the server never allowed {path}: {listed}")


async def test_filesystem_reads_only_within_the_roots(tmp_path: Path) -> None:
    allowed, elsewhere = tmp_path / "allowed", tmp_path / "elsewhere"
    allowed.mkdir()
    elsewhere.mkdir()
    (allowed / "notes.txt").write_text("inside the root", encoding="utf-8")
    (elsewhere / "secret.txt").write_text("outside the root", encoding="utf-8")
    spec = npm_server("fs", "server-filesystem")
    async with manager(roots=[str(allowed)]) as mgr:
        status = await mgr.connect(spec)
        assert status.state == "ready", status.error
        infos = {t.tool: t for t in status.tools}
        assert infos["read_text_file"].annotations and infos["read_text_file"].annotations.claims_read_only
        assert infos["write_file"].annotations and not infos["write_file"].annotations.claims_read_only
        tools = by_name(await mgr.get_tools([spec]))
        await allows(tools["fs_list_allowed_directories"], allowed)
        read = await call(tools["fs_read_text_file"], path=str(allowed / "notes.txt"))
        assert read.content == "inside the root"
        with pytest.raises(Exception, match="outside allowed directories"):
            await call(tools["fs_read_text_file"], path=str(elsewhere / "secret.txt"))
        # the user changes the roots: the server follows (notifications/roots/list_changed)
        await mgr.set_roots("fs", [str(elsewhere)])
        listed = await allows(tools["fs_list_allowed_directories"], elsewhere)
        assert str(allowed) not in listed
        read = await call(tools["fs_read_text_file"], path=str(elsewhere / "secret.txt"))
        assert read.content == "outside the root"
