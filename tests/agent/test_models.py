"""make_model / model_info: real ChatOpenAI against the local fake OpenAI server."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langchain_core.tools import StructuredTool

from mcpchat_ext.agent.models import make_model, model_info, public_url
from mcpchat_ext.config import EngineConfig
from mcpchat_ext.demo.model import DemoChatModel
from tests.fakes.openai_server import FakeOpenAI, text_reply, tool_call_reply

SECRET = "sk-test-very-secret-key"
REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def llm() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def _cfg(tmp_path: Path, base_url: str | None, **kw: Any) -> EngineConfig:
    return EngineConfig(
        data_dir=tmp_path,
        openai_api_key=SECRET,
        openai_base_url=base_url,
        model_name="fake-model",
        **kw,
    )


def _add_tool() -> StructuredTool:
    async def add(a: float, b: float) -> str:
        return str(a + b)

    return StructuredTool(
        name="fake_add",
        description="Add two numbers.",
        args_schema={
            "type": "object",
            "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
            "required": ["a", "b"],
        },
        coroutine=add,
    )


async def _collect(model: Any, messages: Any) -> tuple[list[AIMessageChunk], AIMessageChunk]:
    chunks: list[AIMessageChunk] = []
    async for chunk in model.astream(messages):
        assert isinstance(chunk, AIMessageChunk)
        chunks.append(chunk)
    merged = chunks[0]
    for chunk in chunks[1:]:
        merged = merged + chunk
    return chunks, merged


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# --------------------------------------------------------------------------
# make_model
# --------------------------------------------------------------------------


def test_demo_model_without_key(tmp_path: Path) -> None:
    cfg = EngineConfig(data_dir=tmp_path, openai_api_key=None)
    assert isinstance(make_model(cfg), DemoChatModel)


def test_demo_model_forced_even_with_key(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path, "http://127.0.0.1:1/v1", demo_model=True)
    assert isinstance(make_model(cfg), DemoChatModel)


def test_real_model_settings(tmp_path: Path) -> None:
    from langchain_openai import ChatOpenAI

    model = make_model(_cfg(tmp_path, "http://127.0.0.1:1/v1", temperature=0.2))
    assert isinstance(model, ChatOpenAI)
    assert model.model_name == "fake-model"
    assert model.streaming and model.stream_usage
    assert model.use_responses_api is False
    assert model.temperature == 0.2
    assert model.max_retries is not None and model.max_retries <= 2


@pytest.mark.asyncio
async def test_streams_tokens_and_usage(llm: FakeOpenAI, tmp_path: Path) -> None:
    model = make_model(_cfg(tmp_path, llm.base_url, temperature=0.0))
    llm.queue(text_reply("Hello there, friend", token_delay=0.05))  # (paced: one chunk a token)
    chunks, merged = await _collect(model, [HumanMessage("hi")])
    assert [c.content for c in chunks if c.content] == ["Hello", " there,", " friend"]
    assert merged.content == "Hello there, friend"
    assert merged.usage_metadata is not None and merged.usage_metadata["output_tokens"] == 3
    body = llm.requests[-1]
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["model"] == "fake-model"
    assert body["temperature"] == 0.0
    assert body["messages"] == [{"role": "user", "content": "hi"}]
    assert llm.headers[-1]["authorization"] == f"Bearer {SECRET}"


@pytest.mark.asyncio
async def test_long_reply(llm: FakeOpenAI, tmp_path: Path) -> None:
    model = make_model(_cfg(tmp_path, llm.base_url))
    llm.queue(text_reply(n_tokens=300))
    chunks, merged = await _collect(model, [HumanMessage("a long story please")])
    # at the full rate, tokens that arrived together come as one chunk (agent/stream_thread.py)
    assert 1 <= len([c for c in chunks if c.content]) <= 300
    assert isinstance(merged.content, str) and len(merged.content.split()) == 300


@pytest.mark.asyncio
async def test_streams_parallel_tool_calls(llm: FakeOpenAI, tmp_path: Path) -> None:
    model = make_model(_cfg(tmp_path, llm.base_url)).bind_tools([_add_tool()])
    llm.queue(tool_call_reply([("fake_add", {"a": 2, "b": 3}), ("fake_add", {"a": 10, "b": -1})], "Adding."))
    chunks, merged = await _collect(model, [HumanMessage("add things")])
    assert any(c.tool_call_chunks for c in chunks)
    assert merged.content == "Adding."
    assert [(c["name"], c["args"]) for c in merged.tool_calls] == [
        ("fake_add", {"a": 2, "b": 3}),
        ("fake_add", {"a": 10, "b": -1}),
    ]
    ids = [c["id"] for c in merged.tool_calls]
    assert all(ids) and len(set(ids)) == 2
    assert merged.response_metadata.get("finish_reason") == "tool_calls"
    sent = llm.requests[-1]["tools"]
    assert [t["function"]["name"] for t in sent] == ["fake_add"]


@pytest.mark.asyncio
async def test_tool_round_trip_messages(llm: FakeOpenAI, tmp_path: Path) -> None:
    """A tool result goes back to the endpoint; the fake answers from it when nothing is queued."""
    model = make_model(_cfg(tmp_path, llm.base_url)).bind_tools([_add_tool()])
    call = {"name": "fake_add", "args": {"a": 2, "b": 3}, "id": "call_1", "type": "tool_call"}
    history = [
        HumanMessage("add 2 and 3"),
        AIMessage("", tool_calls=[call]),
        ToolMessage("5.0", tool_call_id="call_1"),
    ]
    reply = await model.ainvoke(history)
    assert reply.content == "The tool returned: 5.0"
    sent = llm.requests[-1]["messages"]
    assert sent[-1] == {"role": "tool", "tool_call_id": "call_1", "content": "5.0"}
    assert sent[-2]["tool_calls"][0]["function"]["name"] == "fake_add"


@pytest.mark.asyncio
async def test_fake_default_calls_mentioned_tool(llm: FakeOpenAI, tmp_path: Path) -> None:
    model = make_model(_cfg(tmp_path, llm.base_url)).bind_tools([_add_tool()])
    reply = await model.ainvoke([HumanMessage('please add {"a": 1, "b": 4}')])
    assert isinstance(reply, AIMessage)
    assert [(c["name"], c["args"]) for c in reply.tool_calls] == [("fake_add", {"a": 1, "b": 4})]
    plain = await make_model(_cfg(tmp_path, llm.base_url)).ainvoke("hello")
    assert plain.content == "You said: hello"


# --------------------------------------------------------------------------
# failures
# --------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_endpoint_down_raises_connection_error(tmp_path: Path) -> None:
    model = make_model(_cfg(tmp_path, f"http://127.0.0.1:{_closed_port()}/v1"))
    with pytest.raises(openai.APIConnectionError):
        await model.ainvoke("hello")


@pytest.mark.asyncio
async def test_server_error_then_recovers(llm: FakeOpenAI, tmp_path: Path) -> None:
    model = make_model(_cfg(tmp_path, llm.base_url))
    llm.fail_next(status=500, message="upstream exploded")
    with pytest.raises(openai.InternalServerError, match="upstream exploded"):
        await model.ainvoke("hello")
    assert len(llm.requests) == 1  # not retried: the fake says x-should-retry: false
    llm.queue(text_reply("fine again"))
    assert (await model.ainvoke("hello")).content == "fine again"


@pytest.mark.asyncio
async def test_bad_key_is_auth_error(llm: FakeOpenAI, tmp_path: Path) -> None:
    llm.fail_next(status=401, message="Incorrect API key provided")
    with pytest.raises(openai.AuthenticationError):
        await make_model(_cfg(tmp_path, llm.base_url)).ainvoke("hello")


@pytest.mark.asyncio
async def test_retryable_error_is_retried_once(llm: FakeOpenAI, tmp_path: Path) -> None:
    llm.fail_next(status=503, retryable=True)
    llm.queue(text_reply("after retry"))
    reply = await make_model(_cfg(tmp_path, llm.base_url)).ainvoke("hello")
    assert reply.content == "after retry"
    assert len(llm.requests) == 2


# --------------------------------------------------------------------------
# model_info
# --------------------------------------------------------------------------


def test_model_info_real_has_no_secret(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path, "https://user:pw@llm.example.org:8443/v1?api-key=zzz")
    info = model_info(cfg)
    assert info.demo is False
    assert info.name == "fake-model"
    assert info.base_url == "https://llm.example.org:8443/v1"
    dumped = info.model_dump_json()
    for secret in (SECRET, "pw", "zzz"):
        assert secret not in dumped
    assert "fake-model" in info.label and "llm.example.org" in info.label


def test_model_info_default_openai(tmp_path: Path) -> None:
    info = model_info(_cfg(tmp_path, None))
    assert info.base_url is None and "OpenAI" in info.label and not info.demo


def test_model_info_demo(tmp_path: Path) -> None:
    info = model_info(EngineConfig(data_dir=tmp_path))
    assert info.demo is True
    assert info.label == "Offline demo model (no OPENAI_API_KEY set)"
    forced = model_info(_cfg(tmp_path, None, demo_model=True))
    assert forced.demo is True and SECRET not in forced.model_dump_json()


def test_public_url() -> None:
    assert public_url(None) is None
    assert public_url("http://localhost:8000/v1") == "http://localhost:8000/v1"


# --------------------------------------------------------------------------
# the fake itself: plain JSON completions and standalone mode
# --------------------------------------------------------------------------


def test_fake_non_streaming_and_models(llm: FakeOpenAI) -> None:
    llm.queue(tool_call_reply([("fake_add", {"a": 1, "b": 2})]))
    with httpx.Client(base_url=llm.base_url, timeout=10) as client:
        body = {"model": "m", "messages": [{"role": "user", "content": "x"}]}
        data = client.post("/chat/completions", json=body).json()
        call = data["choices"][0]["message"]["tool_calls"][0]
        assert json.loads(call["function"]["arguments"]) == {"a": 1, "b": 2}
        assert data["choices"][0]["finish_reason"] == "tool_calls"
        assert client.get("/models").json()["data"][0]["id"] == "fake-model"
        assert client.post("/chat/completions", json={"nope": 1}).status_code == 400


def test_fake_standalone_process() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.openai_server", "--port", "0"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("PORT "), line
        base = f"http://127.0.0.1:{int(line.split()[1])}"
        with httpx.Client(base_url=base, timeout=10) as client:
            client.post("/_fake/queue", json=[{"text": "scripted"}]).raise_for_status()
            body = {"model": "m", "messages": [{"role": "user", "content": "x"}]}
            reply = client.post("/v1/chat/completions", json=body).json()
            assert reply["choices"][0]["message"]["content"] == "scripted"
            reply = client.post("/v1/chat/completions", json=body).json()
            assert reply["choices"][0]["message"]["content"] == "You said: x"
            assert len(client.get("/_fake/requests").json()) == 2
    finally:
        proc.terminate()
        proc.wait(10)


def test_make_model_returns_base_chat_model(tmp_path: Path) -> None:
    assert isinstance(make_model(_cfg(tmp_path, "http://127.0.0.1:1/v1")), BaseChatModel)
