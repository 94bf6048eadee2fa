"""Fixtures for the Python API tests: a fresh engine on a tmp data dir per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from mcpchat_ext import api
from tests.fakes.ledger_server import end_servers
from tests.fakes.openai_server import FakeOpenAI

OFFLINE = {"tool_timeout": 10.0, "connect_timeout": 20.0}


@pytest.fixture(autouse=True)
def _offline_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No key, no base URL from the developer's shell: the offline demo model answers."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "MCPCHAT_MODEL", "MCPCHAT_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    yield


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "mcpchat-data"


@pytest.fixture
def engine_config(data_dir: Path) -> dict[str, Any]:
    return {"data_dir": data_dir, **OFFLINE}


@pytest_asyncio.fixture
async def client(engine_config: dict[str, Any]) -> AsyncIterator[api.Client]:
    try:
        yield await api.connect(**engine_config)
    finally:
        await api.shutdown()


@pytest.fixture
def llm() -> Iterator[FakeOpenAI]:
    """A local OpenAI-compatible endpoint. One per test:
    langchain-openai caches its HTTP client per base URL, bound to the test's event loop."""
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Path]:
    """The file the ledger MCP server writes what really ran to."""
    path = tmp_path / "ledger.txt"
    try:
        yield path
    finally:
        end_servers(path)  # servers of a killed child outlive it (own session)
