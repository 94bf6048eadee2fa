"""ChatOrder: the frames that change one chat are handled in arrival order; others go at once."""

from __future__ import annotations

import asyncio

import pytest

from mcpchat_ext import protocol as p
from mcpchat_ext.frames.chat_order import ChatOrder, order_key


def test_which_frames_wait() -> None:
    adapter = p.client_frame_adapter
    send = adapter.validate_python({"type": "send", "chat_id": "a", "text": "hi"})
    update = adapter.validate_python(
        {"type": "call", "id": "1", "method": "chats.update", "params": {"chat_id": "a"}}
    )
    history = adapter.validate_python(
        {"type": "call", "id": "2", "method": "chats.history", "params": {"chat_id": "a"}}
    )
    odd = adapter.validate_python(
        {"type": "call", "id": "3", "method": "chats.update", "params": {"chat_id": 7}}
    )
    stop = adapter.validate_python({"type": "stop", "chat_id": "a"})
    assert order_key(send) == order_key(update) == "a"
    assert order_key(history) is None and order_key(stop) is None and order_key(odd) is None


async def test_same_chat_in_order_other_chats_and_unordered_at_once() -> None:
    order = ChatOrder()
    log: list[str] = []
    release = asyncio.Event()

    async def slow() -> None:
        await release.wait()
        log.append("update a")

    def quick(name: str):  # type: ignore[no-untyped-def]
        async def run() -> None:
            log.append(name)

        return run

    tasks = [
        asyncio.create_task(order.run("a", slow)),
        asyncio.create_task(order.run("a", quick("send a"))),
        asyncio.create_task(order.run("b", quick("send b"))),
        asyncio.create_task(order.run(None, quick("stop a"))),
    ]
    await asyncio.sleep(0.05)
    assert log == ["send b", "stop a"]  # only chat a's send waits
    release.set()
    await asyncio.gather(*tasks)
    assert log == ["send b", "stop a", "update a", "send a"]
    assert not order._tails  # nothing kept once a chat's queue is empty


@pytest.mark.parametrize("ending", ["fails", "cancelled"])
async def test_a_failed_or_cancelled_handling_lets_the_next_go(ending: str) -> None:
    order = ChatOrder()
    started = asyncio.Event()
    log: list[str] = []

    async def first() -> None:
        started.set()
        await asyncio.sleep(0 if ending == "fails" else 30)
        raise RuntimeError("disk full")

    async def second() -> None:
        log.append("second")

    one = asyncio.create_task(order.run("a", first))
    two = asyncio.create_task(order.run("a", second))
    await started.wait()
    if ending == "cancelled":
        one.cancel()
    results = await asyncio.gather(one, two, return_exceptions=True)
    assert log == ["second"]
    assert isinstance(results[0], RuntimeError if ending == "fails" else asyncio.CancelledError)


async def test_a_waiting_handling_cancelled_does_not_cancel_the_one_before() -> None:
    order = ChatOrder()
    release = asyncio.Event()
    log: list[str] = []

    async def first() -> None:
        await release.wait()
        log.append("first")

    async def second() -> None:
        log.append("second")

    async def third() -> None:
        log.append("third")

    one = asyncio.create_task(order.run("a", first))
    two = asyncio.create_task(order.run("a", second))
    three = asyncio.create_task(order.run("a", third))
    await asyncio.sleep(0.01)
    two.cancel()  # (its connection closed while it waited)
    await asyncio.sleep(0.01)
    assert not one.done()
    release.set()
    await asyncio.gather(one, three)
    assert log == ["first", "third"]
