"""The frames of one connection that change a chat, handled one after another per chat.

A connection's frames are handled concurrently (a slow call must never delay ``stop``). But a
client sends ``chats.update`` when the user ticks a server or picks a model, and ``send`` when
Enter is pressed, without waiting for the answer in between: the turn must see the change. So
the frames that change a chat or start its work wait, in arrival order, for the earlier such
frames of the same chat; everything else (``stop``, cancels, reads, answers to a server's
request) goes at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from .. import protocol as p

#: the calls that change a chat (the turn frames ``send`` and ``decide`` are ordered too)
ORDERED_CALLS = frozenset(
    {"chats.update", "chats.delete", "chats.retry", "chats.edit_message", "chats.switch_branch"}
)


def order_key(frame: Any) -> str | None:
    """The chat whose earlier changes ``frame`` must wait for, or None when it goes at once."""
    if isinstance(frame, p.SendFrame | p.DecideFrame):
        return str(frame.chat_id)
    if isinstance(frame, p.CallFrame) and frame.method in ORDERED_CALLS:
        chat_id = frame.params.get("chat_id")
        return chat_id if isinstance(chat_id, str) else None
    return None


class ChatOrder:
    """Runs the handlings given the same key one after another, in the order they were given.

    ``run`` takes its place in the queue before its first await, so the order is the order of the
    calls. A handling that fails, or is cancelled, lets the next one go (one cancelled while it waits
    lets it go once the one before is done).
    """

    def __init__(self) -> None:
        self._tails: dict[str, asyncio.Future[None]] = {}

    async def run(self, key: str | None, handle: Callable[[], Awaitable[None]]) -> None:
        if key is None:
            await handle()
            return
        before = self._tails.get(key)
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._tails[key] = mine
        try:
            if before is not None and not before.done():
                await asyncio.wait([before])  # (not ``await before``: a cancel must not spread)
            await handle()
        finally:
            if before is not None and not before.done():  # cancelled while it waited: the
                before.add_done_callback(lambda _: self._done(key, mine))  # next still waits
            else:
                self._done(key, mine)

    def _done(self, key: str, mine: asyncio.Future[None]) -> None:
        mine.set_result(None)
        if self._tails.get(key) is mine:
            del self._tails[key]
