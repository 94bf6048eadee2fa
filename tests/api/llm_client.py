"""A Python API client whose model is the real ChatOpenAI talking to a local FakeOpenAI."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from mcpchat_ext import api
from tests.fakes.openai_server import FakeOpenAI


@contextlib.asynccontextmanager
async def llm_client(tmp_path: Path, llm: FakeOpenAI, **options: Any) -> AsyncIterator[api.Client]:
    """``api.connect`` on ``tmp_path / "data"`` without the demo server; ``options`` add to it."""
    try:
        yield await api.connect(
            data_dir=tmp_path / "data",
            openai_api_key="test-key",
            openai_base_url=llm.base_url,
            model_name="fake-model",
            include_demo_server=False,
            connect_timeout=30.0,
            **options,
        )
    finally:
        await api.shutdown()
