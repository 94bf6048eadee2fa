"""Usage from the endpoint's own data (the real ChatOpenAI, ``stream_usage``): per reply, per chat,
cost and context fill; and the context trimming corrected by the endpoint's prompt tokens."""

from __future__ import annotations

from typing import Any

import pytest

from mcpchat_ext import api
from mcpchat_ext.agent.catalog import parse_catalog
from tests.fakes.openai_server import FakeOpenAI, text_reply

pytestmark = [pytest.mark.timeout(120), pytest.mark.asyncio]
BUDGET = 200


def _catalog(llm: FakeOpenAI, **extra: Any) -> list[Any]:
    entry = {"model": "fake-model", "base_url": llm.base_url, "context_window": 8000, **extra}
    return parse_catalog({"fake": entry})[0]


async def test_usage_per_reply_per_chat_and_cost(engine_config: dict[str, Any], llm: FakeOpenAI) -> None:
    try:
        catalog = _catalog(llm, input_price=2.0, output_price=8.0)
        client = await api.connect(**engine_config, model_catalog=catalog)
        chat = await client.new_chat(servers=[])
        llm.queue(text_reply("one two three"), text_reply("four five"))
        first = await chat.ask("count with me please")
        assert first.error is None
        done = [f for f in first.frames if f.type == "done"][-1]
        usage = done.message.usage  # type: ignore[attr-defined]
        # what the fake endpoint reported: prompt words in, answer words out
        assert (usage.input_tokens, usage.output_tokens, usage.model) == (4, 3, "fake")
        assert usage.cost == pytest.approx((4 * 2.0 + 3 * 8.0) / 1e6)
        await chat.ask("again")
        totals = await chat.usage()
        # second prompt: "count with me please" + "one two three" + "again" = 8 words
        assert (totals.replies, totals.input_tokens, totals.output_tokens) == (2, 4 + 8, 3 + 2)
        assert totals.cost == pytest.approx(((4 + 8) * 2.0 + 5 * 8.0) / 1e6)
        assert (totals.context_tokens, totals.context_window) == (8 + 2, 8000)
        # the same, stored with the messages: after a restart too
        await api.shutdown()
        client = await api.connect(**engine_config, model_catalog=catalog)
        again = await client.chat(chat.id)
        assert await again.usage() == totals
        replies = [m for m in await again.history() if m.role == "assistant"]
        assert [(m.usage.input_tokens, m.usage.output_tokens) for m in replies if m.usage] == [(4, 3), (8, 2)]
    finally:
        await api.shutdown()


async def test_without_prices_there_is_no_cost(engine_config: dict[str, Any], llm: FakeOpenAI) -> None:
    try:
        client = await api.connect(**engine_config, model_catalog=_catalog(llm))
        chat = await client.new_chat(servers=[])
        reply = await chat.ask("hi")
        assert reply.error is None  # (a failed turn has no usage to count: say why it failed)
        totals = await chat.usage()
        assert totals.replies == 1 and totals.cost is None
    finally:
        await api.shutdown()


async def _prompt_sizes(engine_config: dict[str, Any], llm: FakeOpenAI) -> list[int]:
    """The prompt tokens the endpoint counted for five turns of short words (1 token per 2
    characters: twice the characters / 4 estimate) with a history budget of BUDGET tokens."""
    client = await api.connect(**engine_config, model_catalog=_catalog(llm), max_context_tokens=BUDGET)
    chat = await client.new_chat(servers=[])
    for i in range(5):
        reply = await chat.ask(f"turn{i} " + "a " * 60)
        assert reply.error is None
    return [u.input_tokens for m in await chat.history() if (u := m.usage)]


async def test_trimming_is_corrected_by_the_endpoints_prompt_tokens(
    engine_config: dict[str, Any], llm: FakeOpenAI
) -> None:
    try:
        sizes = await _prompt_sizes(engine_config, llm)
    finally:
        await api.shutdown()
    assert len(sizes) == 5
    # from the second turn on the estimate is corrected: the prompts stay near the budget
    assert max(sizes[1:]) <= BUDGET * 1.25, sizes
    assert any("a a a" in str(m.get("content")) for m in llm.requests[-1]["messages"][:-1])  # not all cut


async def test_without_the_correction_the_prompts_overshoot(
    engine_config: dict[str, Any], llm: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control of the test above: with the characters / 4 estimate alone, they do not."""
    import mcpchat_ext.agent.graph as graph

    monkeypatch.setattr(graph, "correction", lambda messages: 1.0)
    try:
        sizes = await _prompt_sizes(engine_config, llm)
    finally:
        await api.shutdown()
    assert max(sizes[1:]) > BUDGET * 1.5, sizes
