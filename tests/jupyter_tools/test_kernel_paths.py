"""The in-kernel ``jupyter`` tools on files (no kernel needed): the same tool definitions as the
server's, and paths that cannot leave the root: ``..``, absolute paths, symlinks out of it."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

import nbformat
import pytest
from mcp import ClientSession

from mcpchat_ext.jupyter_tools.in_kernel import KernelTools
from mcpchat_ext.jupyter_tools.server import TOOLS, mcp_tool
from mcpchat_ext.mcp_servers.inprocess import builtin_session

from .conftest import texts, write_notebook

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]


@contextlib.asynccontextmanager
async def kernel_session(root: Path) -> AsyncIterator[ClientSession]:
    tools = KernelTools(root=str(root), max_timeout=10.0, shell=None)
    async with builtin_session(tools.servers_for("me")["jupyter"]) as session:
        await session.initialize()
        yield session


async def test_same_definitions_without_the_frontend_and_shell_tools(tmp_path: Path) -> None:
    async with kernel_session(tmp_path) as session:
        listed = {t.name: t for t in (await session.list_tools()).tools}
        instructions = session.get_server_capabilities()  # (initialised)
    assert instructions is not None
    server = {t.name: mcp_tool(t) for t in TOOLS}
    # no IPython shell in this process: no code, no variables; never read_open_notebook
    assert set(listed) == set(server) - {
        "read_open_notebook",
        "execute_code",
        "run_cell",
        "list_variables",
        "inspect_variable",
    }
    for name, tool in listed.items():
        assert tool.model_dump() == server[name].model_dump(), name


async def test_paths_cannot_leave_the_root(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text("TOP SECRET")
    write_notebook(outside, "theirs.ipynb", "x = 1")
    (root / "mine.txt").write_text("my notes")
    os.symlink(outside, root / "link")  # a directory link out of the root
    os.symlink(outside / "secret.txt", root / "secret-link.txt")  # a file link out of it
    theirs = (outside / "theirs.ipynb").read_bytes()

    async with kernel_session(root) as session:
        assert texts(await session.call_tool("read_file", {"path": "mine.txt"})) == "my notes"
        for path in (
            "../outside/secret.txt",
            "link/secret.txt",
            "secret-link.txt",
            str(outside / "secret.txt"),  # absolute: taken below the root, where it is not
            "mine.txt/../../outside/secret.txt",
        ):
            result = await session.call_tool("read_file", {"path": path})
            assert result.isError, path
            assert "TOP SECRET" not in texts(result), path
            assert "cannot read" in texts(result), path
        listing = await session.call_tool("list_files", {"path": "link"})
        assert listing.isError and "secret.txt" not in texts(listing)
        # writes through a link out of the root are refused as well, and change nothing there
        edit = await session.call_tool(
            "insert_cell", {"path": "link/theirs.ipynb", "index": 0, "source": "import os"}
        )
        assert edit.isError and "outside the root" in texts(edit)
        made = await session.call_tool("create_notebook", {"path": "link/new.ipynb"})
        assert made.isError and not (outside / "new.ipynb").exists()
        assert (outside / "theirs.ipynb").read_bytes() == theirs


async def test_notebook_tools_edit_files_on_disk(tmp_path: Path) -> None:
    write_notebook(tmp_path, "work.ipynb", "a = 1")
    async with kernel_session(tmp_path) as session:
        made = await session.call_tool(
            "create_notebook", {"path": "new.ipynb", "cells": [{"source": "# hi", "cell_type": "markdown"}]}
        )
        assert not made.isError and "python3" in texts(made)
        assert not (
            await session.call_tool("insert_cell", {"path": "work.ipynb", "index": -1, "source": "b"})
        ).isError
        assert not (
            await session.call_tool("replace_cell", {"path": "work.ipynb", "index": 0, "source": "a = 2"})
        ).isError
        read = texts(await session.call_tool("read_notebook", {"path": "work.ipynb"}))
        missing = await session.call_tool("read_open_notebook", {"path": "work.ipynb"})
    assert "a = 2" in read and "2 cells" in read
    assert missing.isError and "unknown tool" in texts(missing)
    assert [c.source for c in nbformat.read(tmp_path / "work.ipynb", as_version=4).cells] == ["a = 2", "b"]
    assert nbformat.read(tmp_path / "new.ipynb", as_version=4).cells[0].cell_type == "markdown"
