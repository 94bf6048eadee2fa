"""Widget tests without a browser: a recording comm stands in for the frontend."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import comm
import pytest
import pytest_asyncio
from comm.base_comm import BaseComm, CommManager

from mcpchat_ext import api
from mcpchat_ext.widget import ChatWidget

REPO_ROOT = Path(__file__).resolve().parents[2]


class RecordingComm(BaseComm):
    """A kernel-side comm whose messages to the frontend are recorded instead of published."""

    def __init__(self, **kwargs: Any) -> None:
        self.messages: list[dict[str, Any]] = []
        super().__init__(**kwargs)

    def publish_msg(
        self,
        msg_type: str,
        data: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
        buffers: list[bytes] | None = None,
        **keys: Any,
    ) -> None:
        self.messages.append({"msg_type": msg_type, "data": data or {}, "buffers": buffers or []})

    def frames(self) -> list[dict[str, Any]]:
        """Custom messages sent by the widget (the protocol frames), in order."""
        return [
            m["data"]["content"]
            for m in self.messages
            if m["msg_type"] == "comm_msg" and m["data"].get("method") == "custom"
        ]

    def receive(self, frame: Any) -> None:
        """Deliver a custom message from the 'frontend' (what ``model.send(frame)`` does)."""
        self.handle_msg({"content": {"data": {"method": "custom", "content": frame}}, "buffers": []})


@pytest.fixture(autouse=True)
def recording_comms(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[RecordingComm]]:
    created: list[RecordingComm] = []
    manager = CommManager()

    def create_comm(*args: Any, **kwargs: Any) -> RecordingComm:
        c = RecordingComm(**kwargs)
        created.append(c)
        return c

    monkeypatch.setattr(comm, "create_comm", create_comm)
    monkeypatch.setattr(comm, "get_comm_manager", lambda: manager)
    yield created


@pytest.fixture(autouse=True)
def _offline_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "MCPCHAT_MODEL", "MCPCHAT_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)


@pytest_asyncio.fixture
async def client(tmp_path: Path) -> AsyncIterator[api.Client]:
    try:
        yield await api.connect(data_dir=tmp_path / "data", tool_timeout=10.0, connect_timeout=20.0)
    finally:
        await api.shutdown()


@pytest_asyncio.fixture
async def widget(client: api.Client) -> AsyncIterator[ChatWidget]:
    w = ChatWidget()
    try:
        yield w
    finally:
        w.close()
        await w.bridge.aclose()


async def wait_for(
    comm_: RecordingComm,
    predicate: Callable[[dict[str, Any]], bool],
    *,
    after: int = 0,
    timeout: float = 30.0,
) -> dict[str, Any]:
    """The first frame matching ``predicate`` recorded at index ``after`` or later (bounded wait)."""

    async def poll() -> dict[str, Any]:
        while True:
            for frame in comm_.frames()[after:]:
                if predicate(frame):
                    return frame
            await asyncio.sleep(0.01)

    return await asyncio.wait_for(poll(), timeout)
