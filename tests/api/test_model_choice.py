"""Picking the model per chat through the Python API: two real ChatOpenAI endpoints (local fakes),
switching mid-chat, unknown and removed model ids, and the demo model as the default."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mcpchat_ext import api
from mcpchat_ext.agent.catalog import parse_catalog
from mcpchat_ext.errors import BadRequest
from tests.fakes.openai_server import FakeOpenAI, text_reply

pytestmark = [pytest.mark.timeout(120), pytest.mark.asyncio]
KEY_A, KEY_B = "sk-model-a-5e6f7a8b", "sk-model-b-1c2d3e4f"


@pytest.fixture
def llm_b() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def catalog(a: FakeOpenAI, b: FakeOpenAI, **more: Any) -> list[Any]:
    doc = {
        "alpha": {
            "model": "model-a",
            "base_url": a.base_url,
            "api_key_env": "TEST_KEY_A",
            "input_price": 1.0,
            "output_price": 2.0,
            "context_window": 1000,
        },
        "beta": {"model": "model-b", "base_url": b.base_url, "api_key_env": "TEST_KEY_B"},
        **more,
    }
    return parse_catalog(doc)[0]


@pytest.fixture(autouse=True)
def _keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_KEY_A", KEY_A)
    monkeypatch.setenv("TEST_KEY_B", KEY_B)


async def test_demo_model_is_the_default_when_nothing_is_configured(client: api.Client) -> None:
    assert client.model.demo and client.model.id == "demo"
    assert [m.id for m in client.models()] == ["demo"]
    chat = await client.new_chat(servers=[])
    assert chat.model is None
    reply = await chat.ask("hello")
    assert reply.error is None and reply.text


async def test_each_chat_uses_its_model_and_switches_mid_chat(
    engine_config: dict[str, Any], llm: FakeOpenAI, llm_b: FakeOpenAI
) -> None:
    try:
        client = await api.connect(**engine_config, model_catalog=catalog(llm, llm_b), default_model="alpha")
        assert [m.id for m in client.models()] == ["alpha", "beta", "demo"]
        assert client.model.id == "alpha"
        first = await client.new_chat(servers=[])
        second = await client.new_chat(servers=[], model="beta")
        assert (first.model, second.model) == (None, "beta")

        llm.queue(text_reply("from alpha"))
        assert (await first.ask("hi a")).text == "from alpha"
        llm_b.queue(text_reply("from beta"))
        assert (await second.ask("hi b")).text == "from beta"
        assert [r["model"] for r in llm.requests] == ["model-a"]
        assert [r["model"] for r in llm_b.requests] == ["model-b"]
        assert llm.headers[0]["authorization"] == f"Bearer {KEY_A}"
        assert llm_b.headers[0]["authorization"] == f"Bearer {KEY_B}"

        # switching mid-chat: the next reply comes from beta, which gets the whole history
        await first.set_model("beta")
        assert first.model == "beta"
        llm_b.queue(text_reply("beta now"))
        assert (await first.ask("and now?")).text == "beta now"
        sent = [m["content"] for m in llm_b.requests[-1]["messages"]]
        assert sent == ["hi a", "from alpha", "and now?"]
        assert len(llm.requests) == 1
        history = await first.history()
        replies = [m for m in history if m.role == "assistant"]
        assert [m.metadata.get("model_id") for m in replies] == ["alpha", "beta"]
        # reopened from the store, the chat keeps its model
        assert (await client.chat(first.id)).model == "beta"
    finally:
        await api.shutdown()


async def test_unknown_model_is_refused_clearly(
    engine_config: dict[str, Any], llm: FakeOpenAI, llm_b: FakeOpenAI
) -> None:
    try:
        client = await api.connect(**engine_config, model_catalog=catalog(llm, llm_b))
        with pytest.raises(BadRequest, match=r"unknown model 'gpt-9'.*alpha, beta, demo"):
            await client.new_chat(model="gpt-9")
        chat = await client.new_chat(servers=[])
        with pytest.raises(BadRequest, match="unknown model 'nope'"):
            await chat.set_model("nope")
        assert (await client.chat(chat.id)).model is None
    finally:
        await api.shutdown()


async def test_a_removed_model_falls_back_to_the_default_visibly(
    engine_config: dict[str, Any], llm: FakeOpenAI, llm_b: FakeOpenAI
) -> None:
    try:
        client = await api.connect(**engine_config, model_catalog=catalog(llm, llm_b))
        chat = await client.new_chat(servers=[], model="beta")
        chat_id = chat.id
    finally:
        await api.shutdown()
    try:  # the administrator removed "beta" from the catalog
        only_alpha = [e for e in catalog(llm, llm_b) if e.id == "alpha"]
        client = await api.connect(**engine_config, model_catalog=only_alpha)
        chat = await client.chat(chat_id)
        assert chat.model == "beta"
        assert chat.info.model_note is not None and "'beta'" in chat.info.model_note
        assert "no longer offered" in chat.info.model_note
        llm.queue(text_reply("alpha answers"))
        reply = await chat.ask("still there?")
        assert reply.text == "alpha answers" and not llm_b.requests
        assert (await chat.history())[-1].metadata["model_id"] == "alpha"
    finally:
        await api.shutdown()


async def test_a_missing_key_variable_is_a_clear_model_error(
    engine_config: dict[str, Any], llm: FakeOpenAI, llm_b: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEST_KEY_B")
    try:
        client = await api.connect(**engine_config, model_catalog=catalog(llm, llm_b))
        chat = await client.new_chat(servers=[], model="beta")
        reply = await chat.ask("hello")
        assert reply.error is not None and reply.error.code == "model_error"
        assert "TEST_KEY_B is not set" in reply.error.message
        await chat.set_model("alpha")  # the user picks another model and goes on
        llm.queue(text_reply("ok"))
        assert (await chat.ask("hello again")).text == "ok"
    finally:
        await api.shutdown()
