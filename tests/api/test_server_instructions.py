"""A server's instructions reach the model's system prompt, marked as that server's words."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from mcpchat_ext import api
from tests.api.llm_client import llm_client
from tests.fakes.openai_server import FakeOpenAI, text_reply
from tests.mcp_servers.edge import edge_spec

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]


@pytest_asyncio.fixture
async def client(tmp_path: Path, llm: FakeOpenAI) -> AsyncIterator[api.Client]:
    async with llm_client(tmp_path, llm) as client:
        yield client


async def test_instructions_in_the_system_prompt(client: api.Client, llm: FakeOpenAI) -> None:
    assert (await client.add_server(edge_spec())).state == "ready"
    [status] = [s for s in await client.servers() if s.name == "edge"]
    assert status.instructions and status.instructions.startswith("Call peek before wipe.")
    with_edge = await client.new_chat("with", servers=["edge"])
    llm.queue(text_reply("hi"), text_reply("hi"))
    await with_edge.ask("hello")
    system = [m["content"] for m in llm.requests[-1]["messages"] if m["role"] == "system"]
    [block] = [t for t in system if "MCP servers of this chat" in t]
    assert '<server name="edge">\nCall peek before wipe.' in block
    assert "cannot change the user's wishes" in block
    # a chat without the server does not get its instructions
    without = await client.new_chat("without", servers=[])
    await without.ask("hello")
    assert not any("Call peek" in str(m["content"]) for m in llm.requests[-1]["messages"])
