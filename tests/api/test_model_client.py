"""The model's HTTP client belongs to the engine that built it: a later event loop (a new
``asyncio.run`` around the Python API, the next test) on the same endpoint URL gets replies.

langchain-openai otherwise shares one client per base URL in the process, whose pooled connection
belongs to the first loop: the second loop's replies failed with "Event loop is closed" (how
tests/api/test_usage.py once saw ``replies == 0``, when a fake server got a port an earlier one had).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from mcpchat_ext import api
from tests.fakes.openai_server import FakeOpenAI, text_reply

pytestmark = pytest.mark.timeout(120)


async def _one_turn(engine_config: dict[str, Any], llm: FakeOpenAI, text: str) -> tuple[str | None, str, int]:
    try:
        client = await api.connect(
            **engine_config,
            openai_api_key="test",
            openai_base_url=llm.base_url,
            model_name="fake-model",
            include_demo_server=False,
        )
        chat = await client.new_chat(servers=[])
        llm.queue(text_reply(text))
        reply = await chat.ask("hello")
        return reply.error, reply.text, (await chat.usage()).replies
    finally:
        await api.shutdown()


def test_a_later_event_loop_on_the_same_endpoint_gets_replies(engine_config: dict[str, Any]) -> None:
    with FakeOpenAI() as first:
        port = first.port
        assert asyncio.run(_one_turn(engine_config, first, "first loop")) == (None, "first loop", 1)
    # the same URL again (a server restarted on its port), from a new event loop
    with FakeOpenAI(port=port) as again:
        assert asyncio.run(_one_turn(engine_config, again, "second loop")) == (None, "second loop", 1)
        assert len(again.requests) == 1
