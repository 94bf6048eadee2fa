from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from mcpchat_ext.agent import runner
from mcpchat_ext.agent.checkpoint import open_checkpointer
from mcpchat_ext.agent.graph import build_graph
from tests.agent.toolkit import ToolBox, chat_model, collect, tool_info
from tests.fakes.openai_server import FakeOpenAI


@pytest.fixture
def llm() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def box() -> ToolBox:
    return ToolBox()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "checkpoints.sqlite"


@pytest_asyncio.fixture
async def checkpointer(db_path: Path) -> AsyncIterator[Any]:
    async with open_checkpointer(db_path) as saver:
        yield saver


@pytest.fixture
def graph(llm: FakeOpenAI, checkpointer: Any) -> Any:
    return build_graph(chat_model(llm.base_url), checkpointer)


class Turns:
    """Runs turns of one chat against the graph with the test tools."""

    def __init__(self, graph: Any, box: ToolBox, thread_id: str = "thread-1") -> None:
        self.graph = graph
        self.box = box
        self.thread_id = thread_id
        self.policy: Any = lambda _name: False

    def run(self, **kw: Any) -> Any:
        return runner.run_turn(
            self.graph,
            chat_id="chat-1",
            thread_id=self.thread_id,
            tools=self.box.tools(),
            auto_approve=self.policy,
            tool_info=tool_info,
            **kw,
        )

    async def send(self, text: str) -> list[Any]:
        return await collect(self.run(user_text=text))

    async def decide(self, decisions: list[Any]) -> list[Any]:
        return await collect(self.run(decisions=decisions))

    async def history(self) -> list[Any]:
        return await runner.history(self.graph, self.thread_id)

    async def pending(self) -> list[Any]:
        return await runner.pending_calls(self.graph, self.thread_id, tool_info)


@pytest.fixture
def turns(graph: Any, box: ToolBox) -> Turns:
    return Turns(graph, box)
