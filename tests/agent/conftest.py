from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from mcpchat_ext.agent import runner
from mcpchat_ext.agent.checkpoint import open_checkpointer
from mcpchat_ext.agent.graph import build_graph
from mcpchat_ext.agent.run_context import ASK, DEFAULT_MAX_TOOL_ROUNDS, TurnContext, Verdict
from tests.agent.toolkit import ToolBox, chat_model, collect, toolset
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
        # (server, tool) -> True: runs without a card (an auto-approve rule)
        self.policy: Any = lambda _server, _tool: False

    def run(
        self, *, max_tool_rounds: int = DEFAULT_MAX_TOOL_ROUNDS, max_context_tokens: int = 0, **kw: Any
    ) -> Any:
        context = TurnContext(
            tools=toolset(self.box.tools()),
            policy=lambda server, tool, _ro=False: (
                Verdict("allow", "test rule") if self.policy(server, tool) else ASK
            ),
            max_tool_rounds=max_tool_rounds,
            max_context_tokens=max_context_tokens,
        )
        return runner.run_turn(self.graph, chat_id="chat-1", thread_id=self.thread_id, context=context, **kw)

    async def send(self, text: str) -> list[Any]:
        """As the turn manager does: the send rule, then the turn with the state it loaded."""
        state = await runner.check_send(self.graph, self.thread_id)
        return await collect(self.run(user_text=text, state=state))

    async def decide(self, decisions: list[Any]) -> list[Any]:
        await runner.check_decide(self.graph, self.thread_id, decisions)
        return await collect(self.run(decisions=decisions))

    async def history(self) -> list[Any]:
        return runner.messages_in(await runner.load_state(self.graph, self.thread_id))

    async def pending(self) -> list[Any]:
        return runner.pending_in(await runner.load_state(self.graph, self.thread_id))


@pytest.fixture
def turns(graph: Any, box: ToolBox) -> Turns:
    return Turns(graph, box)
