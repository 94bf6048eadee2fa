"""Images of tool results: shown to the user (the result's metadata), and passed to the model as
image content only when the model accepts images (EngineConfig.model_accepts_images)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from mcpchat_ext import api
from mcpchat_ext import protocol as p
from tests.fakes.openai_server import FakeOpenAI, text_reply, tool_call_reply
from tests.mcp_servers.edge import edge_spec

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(120)]


@pytest_asyncio.fixture(params=[True, False], ids=["multimodal", "text-only"])
async def client(
    request: pytest.FixtureRequest, tmp_path: Path, llm: FakeOpenAI
) -> AsyncIterator[api.Client]:
    try:
        yield await api.connect(
            data_dir=tmp_path / "data",
            openai_api_key="test-key",
            openai_base_url=llm.base_url,
            model_name="fake-model",
            include_demo_server=False,
            model_accepts_images=request.param,
            tool_timeout=20.0,
            connect_timeout=30.0,
        )
    finally:
        await api.shutdown()


async def test_images_reach_the_user_and_maybe_the_model(client: api.Client, llm: FakeOpenAI) -> None:
    assert (await client.add_server(edge_spec())).state == "ready"
    chat = await client.new_chat("images", servers=["edge"])
    llm.queue(tool_call_reply([("edge_picture", {}), ("edge_bad_pictures", {})]), text_reply("I see a dot"))
    reply = await chat.ask("show me", approve=True)
    assert reply.text == "I see a dot"
    results = {m.name: m for m in reply.tool_results}
    [image] = results["edge_picture"].metadata["media"]
    assert image["kind"] == "image" and image["data"]
    assert all("data" not in m for m in results["edge_bad_pictures"].metadata["media"])
    # history keeps the media for the UI after a reload
    history = {m.name: m for m in await chat.history() if m.role == "tool"}
    assert history["edge_picture"].metadata["media"] == [image]

    sent = llm.requests[-1]["messages"]
    urls = [
        part["image_url"]["url"]
        for m in sent
        if isinstance(m.get("content"), list)
        for part in m["content"]
        if part.get("type") == "image_url"
    ]
    if client.workspace._parts.config.model_accepts_images:
        # exactly the one valid image, after both tool results, in a user message
        assert urls == [f"data:image/png;base64,{image['data']}"]
        roles = [m["role"] for m in sent]
        assert roles[-3:] == ["tool", "tool", "user"]
    else:
        assert urls == []
    # the tool messages themselves are text with placeholders
    tool_texts = [m["content"] for m in sent if m["role"] == "tool"]
    assert any("[image: image/png" in t for t in tool_texts)
    assert isinstance(reply.frames[-1], p.DoneFrame)
