"""Token coalescing for one connection: fewer, larger ``token`` frames when tokens come fast.

A message's token frame goes out at once when none of that message went out in the last
``window`` seconds (so the first token and slow streams are not delayed). Tokens of the message
arriving within the window are joined into one frame, sent when the window ends. Any other frame
first sends all held tokens, so within a chat the order of frames never changes (tokens of
different chats may pass each other; each chat's text arrives whole and in order). The text a
client receives is the same; only the number of frames (JSON encodings, websocket writes,
syscalls) drops.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger("mcpchat_ext")

Send = Callable[[dict[str, Any]], Awaitable[None]]
DEFAULT_WINDOW_MS = 10.0


Key = tuple[str, str]  # (chat_id, message_id)


class TokenCoalescer:
    def __init__(self, send: Send, *, window: float = DEFAULT_WINDOW_MS / 1000) -> None:
        self._send = send
        self.window = window
        self._held: dict[Key, dict[str, Any]] = {}
        self._last: dict[Key, float] = {}  # when a token frame of the message last went out
        self._timer: asyncio.TimerHandle | None = None
        self._flushing: set[asyncio.Task[None]] = set()
        # Frames leave in the order they were accepted, written by one caller at a time: a frame
        # accepted later never overtakes held tokens that are still being written.
        self._outbox: deque[dict[str, Any]] = deque()
        self._writing = False
        self._idle = asyncio.Event()
        self._idle.set()

    async def __call__(self, frame: dict[str, Any]) -> None:
        self._outbox.extend(self._accept(frame))
        await self._drain()

    async def _drain(self) -> None:
        """Write the outbox; while another caller writes, wait until it is done (backpressure)."""
        if self._writing:
            await self._idle.wait()
            return
        self._writing = True
        self._idle.clear()
        try:
            while self._outbox:
                await self._send(self._outbox.popleft())
        finally:
            self._writing = False
            self._idle.set()

    def _accept(self, frame: dict[str, Any]) -> list[dict[str, Any]]:
        """The frames to send now, in order; holds or joins fast tokens."""
        if frame.get("type") != "token" or self.window <= 0:
            return [*self._take_held(), frame]
        key: Key = (str(frame.get("chat_id")), str(frame.get("message_id")))
        held = self._held.get(key)
        if held is not None:
            held["text"] += frame["text"]
            return []
        now = time.monotonic()
        if now - self._last.get(key, -float("inf")) >= self.window:
            self._last[key] = now
            return [frame]
        self._held[key] = dict(frame)
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.window, self._flush_later)
        return []

    def _take_held(self) -> list[dict[str, Any]]:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        held, self._held = list(self._held.items()), {}
        now = time.monotonic()
        for key, _ in held:
            self._last[key] = now
        if len(self._last) > 256:  # forget messages that are long done
            self._last = {k: t for k, t in self._last.items() if now - t < self.window}
        return [frame for _, frame in held]

    async def flush(self) -> None:
        """Send the held tokens now (the window ended, or the connection is closing)."""
        self._outbox.extend(self._take_held())
        await self._drain()

    def _flush_later(self) -> None:
        self._timer = None
        task = asyncio.ensure_future(self._flush_quietly())
        self._flushing.add(task)
        task.add_done_callback(self._flushing.discard)

    async def _flush_quietly(self) -> None:
        try:
            await self.flush()
        except Exception:  # the connection closed meanwhile: nothing to deliver to
            log.debug("could not send held tokens", exc_info=True)

    def close(self) -> None:
        """Drop held tokens of a closed connection."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._held = {}
        self._outbox.clear()
