"""Frame fan-out: every frame of a user goes to all of that user's connections.

A websocket, a notebook widget or an API stream subscribes; a turn broadcasts. A subscriber that
fails (a closed socket) is dropped without disturbing the others or the turn.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel

from .. import protocol as p

log = logging.getLogger("mcpchat_ext")

Subscriber = Callable[[dict[str, Any]], Awaitable[None]]


class Fanout:
    def __init__(self) -> None:
        self._subscribers: set[Subscriber] = set()

    def __bool__(self) -> bool:
        return bool(self._subscribers)

    def subscribe(self, send: Subscriber) -> None:
        self._subscribers.add(send)

    def unsubscribe(self, send: Subscriber) -> None:
        self._subscribers.discard(send)

    async def broadcast(self, frame: BaseModel) -> None:
        data = p.dump(frame)
        for send in list(self._subscribers):
            try:
                await send(data)
            except Exception:  # a dead subscriber must not break the turn
                log.debug("dropping frame for a closed subscriber", exc_info=True)
                self._subscribers.discard(send)
