"""Token coalescing: same text, same order, fewer frames; nothing held back for long."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from mcpchat_ext.frames.coalesce import TokenCoalescer


def token(text: str, message: str = "m1", chat: str = "c1") -> dict[str, Any]:
    return {"type": "token", "chat_id": chat, "message_id": message, "text": text}


class Recorder:
    def __init__(self) -> None:
        self.frames: list[dict[str, Any]] = []

    async def __call__(self, frame: dict[str, Any]) -> None:
        await asyncio.sleep(0)  # a real socket write yields to the loop
        self.frames.append(dict(frame))


@pytest.mark.asyncio
async def test_fast_tokens_are_joined_and_the_first_goes_at_once() -> None:
    sent = Recorder()
    co = TokenCoalescer(sent, window=60.0)  # a long window: everything after the first is held
    await co(token("Hel"))
    assert sent.frames == [token("Hel")]
    await co(token("lo"))
    await co(token(" world"))
    assert len(sent.frames) == 1
    await co({"type": "done", "chat_id": "c1"})  # any other frame sends the held tokens first
    assert sent.frames == [token("Hel"), token("lo world"), {"type": "done", "chat_id": "c1"}]


@pytest.mark.asyncio
async def test_held_tokens_go_out_when_the_window_ends() -> None:
    sent = Recorder()
    co = TokenCoalescer(sent, window=0.02)
    await co(token("a"))
    await co(token("b"))
    await co(token("c"))
    for _ in range(200):
        if len(sent.frames) == 2:
            break
        await asyncio.sleep(0.005)
    assert sent.frames == [token("a"), token("bc")]


@pytest.mark.asyncio
async def test_each_message_is_held_apart_and_other_frames_send_them_first() -> None:
    sent = Recorder()
    co = TokenCoalescer(sent, window=60.0)
    for t in (token("1", "m1"), token("2", "m1"), token("x", "m2", "c2"), token("3", "m1")):
        await co(t)
    assert sent.frames == [token("1", "m1"), token("x", "m2", "c2")]  # each message's first at once
    await co({"type": "done", "chat_id": "c1"})
    assert sent.frames == [
        token("1", "m1"),
        token("x", "m2", "c2"),
        token("23", "m1"),
        {"type": "done", "chat_id": "c1"},
    ]


@pytest.mark.asyncio
async def test_concurrent_senders_lose_nothing() -> None:
    sent = Recorder()
    co = TokenCoalescer(sent, window=0.005)

    async def stream(chat: str) -> None:
        for i in range(50):
            await co(token(f"{i},", f"m-{chat}", chat))
            if i % 7 == 0:
                await asyncio.sleep(0.003)
        await co({"type": "done", "chat_id": chat})

    await asyncio.gather(*(stream(f"c{n}") for n in range(5)))
    await co.flush()
    for n in range(5):
        mine = [f for f in sent.frames if f["chat_id"] == f"c{n}"]
        assert mine[-1]["type"] == "done"
        assert "".join(f["text"] for f in mine[:-1]) == "".join(f"{i}," for i in range(50))
    assert len(sent.frames) < 5 * 51


@pytest.mark.asyncio
async def test_window_zero_sends_every_token_and_close_drops_held() -> None:
    sent = Recorder()
    co = TokenCoalescer(sent, window=0)
    await co(token("a"))
    await co(token("b"))
    assert [f["text"] for f in sent.frames] == ["a", "b"]
    held = Recorder()
    co = TokenCoalescer(held, window=60.0)
    await co(token("a"))
    await co(token("b"))
    co.close()
    await co.flush()
    assert [f["text"] for f in held.frames] == ["a"]
