"""How a turn ended is recorded on the server, so that a reload shows it: stopped by the user (the
partial reply kept), failed (the error the user saw), interrupted by a restart. Crashes (kill -9)
are in test_exactly_once.py. Real ChatOpenAI against the fake endpoint, real SQLite."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from pydantic import BaseModel

from mcpchat_ext import api
from mcpchat_ext import protocol as p
from tests.api.crash_child import config as child_config
from tests.fakes.openai_server import FakeOpenAI, text_reply

pytestmark = [pytest.mark.timeout(120), pytest.mark.asyncio]

LONG = text_reply(n_tokens=4000, token_delay=0.005)  # ~20 s: still streaming when stopped


@pytest_asyncio.fixture
async def engine(data_dir: Path, llm: FakeOpenAI) -> AsyncIterator[dict[str, Any]]:
    try:
        yield child_config(str(data_dir), llm.base_url)
    finally:
        await api.shutdown()


async def streaming(
    chat: api.Chat, text: str, tokens: int = 3
) -> tuple[asyncio.Task[list[BaseModel]], list[BaseModel]]:
    """Send ``text``; return once ``tokens`` token frames arrived (0: once the turn started); the
    turn's frames keep coming."""
    frames: list[BaseModel] = []
    enough = asyncio.Event()

    async def read() -> list[BaseModel]:
        async for frame in chat.send(text):
            frames.append(frame)
            if isinstance(frame, p.TurnStartedFrame) and tokens == 0:
                enough.set()
            if sum(isinstance(f, p.TokenFrame) for f in frames) >= tokens > 0:
                enough.set()
        return frames

    task = asyncio.create_task(read())
    waiter = asyncio.create_task(enough.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    assert enough.is_set(), frames
    return task, frames


async def page_of(client: api.Client, chat_id: str) -> p.HistoryPage:
    return await client.workspace.history(chat_id)


async def test_a_stopped_reply_keeps_what_streamed_and_reads_stopped(
    llm: FakeOpenAI, engine: dict[str, Any]
) -> None:
    client = await api.connect(**engine)
    chat = await client.new_chat()
    llm.queue(LONG)
    task, _ = await streaming(chat, "tell me a long story")
    assert await chat.stop() is True
    frames = await asyncio.wait_for(task, 15)
    assert isinstance(frames[-1], p.StoppedFrame)
    seen = "".join(f.text for f in frames if isinstance(f, p.TokenFrame))

    page = await page_of(client, chat.id)
    assert page.outcome is not None and page.outcome.kind == "stopped"
    assert page.interrupted is False  # not "the server stopped"
    assert [m.role for m in page.messages] == ["user", "assistant"]
    partial = page.messages[-1]
    assert partial.content == seen and partial.metadata.get("stopped") is True
    assert partial.id in {f.message_id for f in frames if isinstance(f, p.TokenFrame)}  # the same bubble

    await api.shutdown()  # a restart keeps it
    client = await api.connect(**engine)
    page = await page_of(client, chat.id)
    assert page.outcome is not None and page.outcome.kind == "stopped"
    assert page.messages[-1].content == seen

    chat = await client.chat(chat.id)
    llm.queue(text_reply("A short one."))
    reply = await chat.ask("shorter, please")
    assert reply.error is None and reply.text == "A short one."
    # the model read what it had said before the Stop
    said = [m["content"] for m in llm.requests[-1]["messages"] if m["role"] == "assistant"]
    assert said == [seen]
    page = await page_of(client, chat.id)
    assert page.outcome is None  # the chat went on: nothing to show


async def test_a_stop_before_any_token_reads_stopped_not_interrupted(
    llm: FakeOpenAI, engine: dict[str, Any]
) -> None:
    client = await api.connect(**engine)
    chat = await client.new_chat()
    llm.queue(text_reply("late", token_delay=30.0))  # the first token comes long after the Stop
    task, _ = await streaming(chat, "hello?", tokens=0)
    assert await chat.stop() is True
    await asyncio.wait_for(task, 15)
    page = await page_of(client, chat.id)
    assert [m.role for m in page.messages] == ["user"]
    assert page.outcome is not None and page.outcome.kind == "stopped"
    assert page.interrupted is False


async def test_a_failed_reply_records_the_error_the_user_saw(llm: FakeOpenAI, engine: dict[str, Any]) -> None:
    client = await api.connect(**engine)
    chat = await client.new_chat()
    llm.fail_next(status=400, message="the model refuses <script>alert(1)</script>", retryable=False)
    reply = await chat.ask("hello")
    assert reply.error is not None and reply.error.code == "model_error"

    page = await page_of(client, chat.id)
    assert page.outcome is not None
    assert (page.outcome.kind, page.outcome.code) == ("failed", "model_error")
    assert page.outcome.message == reply.error.message  # what the user was shown, as it was
    assert "Traceback" not in page.outcome.message
    assert page.interrupted is False
    assert [m.role for m in page.messages] == ["user"]  # the user's text is kept

    llm.queue(text_reply("Now it works."))
    retried = [f async for f in chat.retry()]
    assert isinstance(retried[-1], p.DoneFrame)
    page = await page_of(client, chat.id)
    assert page.outcome is None
    assert [m.content for m in page.messages] == ["hello", "Now it works."]


async def test_a_restart_mid_reply_reads_interrupted(llm: FakeOpenAI, engine: dict[str, Any]) -> None:
    client = await api.connect(**engine)
    chat = await client.new_chat()
    llm.queue(LONG)
    task, _ = await streaming(chat, "tell me a long story")
    await api.shutdown()  # the server stops (not the user)
    await asyncio.wait_for(task, 15)
    client = await api.connect(**engine)
    page = await page_of(client, chat.id)
    assert page.outcome is not None and page.outcome.kind == "interrupted"
    assert page.interrupted is True
