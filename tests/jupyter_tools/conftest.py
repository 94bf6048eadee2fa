"""A real jupyter-server (pytest-jupyter) with the built-in ``jupyter`` tools on, real ipykernel
kernels and real notebooks in its root directory."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from jupyter_server.auth.identity import User
from mcp import ClientSession

from mcpchat_ext.app import ENGINE_KEY
from mcpchat_ext.jupyter_tools import JupyterTools
from mcpchat_ext.mcp_servers.inprocess import builtin_session
from tests.fakes.openai_server import FakeOpenAI
from tests.server.conftest import jp_server_config, server_extra_config  # noqa: F401


@pytest.fixture
def llm() -> Iterator[FakeOpenAI]:
    """The local fake OpenAI endpoint (function scope: langchain-openai caches clients per URL)."""
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def mcpchat_config(tmp_path: Path, request: pytest.FixtureRequest) -> dict[str, Any]:
    """The extension's options; a test that takes ``llm`` gets a real ChatOpenAI talking to it,
    any other the offline demo model."""
    config: dict[str, Any] = {
        "data_dir": str(tmp_path / "mcpchat-data"),
        "openai_api_key": "",
        "idle_timeout": 0,
        "tool_timeout": 30.0,
        "connect_timeout": 20.0,
    }
    if "llm" in request.fixturenames:
        llm: FakeOpenAI = request.getfixturevalue("llm")
        config.update(openai_api_key="sk-test", openai_base_url=llm.base_url, model_name="fake")
    return config


def write_notebook(root: Path, name: str, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    path = root / name
    nbformat.write(nb, path)
    return path


class Visitor:
    """What a chat handler is to the tools: the request that authenticated the user."""

    def __init__(self, name: str) -> None:
        self.current_user = User(username=name)


@pytest.fixture
def tools(jp_serverapp: Any) -> JupyterTools:
    jupyter: JupyterTools = jp_serverapp.web_app.settings[ENGINE_KEY].jupyter
    assert jupyter is not None
    return jupyter


@contextlib.asynccontextmanager
async def session_of(
    tools: JupyterTools, user: str = "alice", *, bind: bool = True
) -> AsyncIterator[ClientSession]:
    if bind:
        tools.bind(user, Visitor(user))
    async with builtin_session(tools.servers_for(user)["jupyter"]) as session:
        await session.initialize()
        yield session


PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="


def texts(result: Any) -> str:
    """All text blocks of a tool result, joined."""
    return "\n".join(b.text for b in result.content if b.type == "text")


def images(result: Any) -> list[Any]:
    return [b for b in result.content if b.type == "image"]
