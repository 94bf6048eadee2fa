"""One run of an action for a burst of requests (the chat list sent once when many turns end).

After each turn the user's clients get the whole chat list (``chats_changed``: its order and
titles changed). With 100 chats answering at once that was 100 lists of 100 chats, each encoded
for every connection, while the other replies streamed; now the turns ending within ``delay`` of
the first one share one list, queried after they all wrote.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("mcpchat_ext")

# Seconds a requested run waits for more requests to join it.
CHATS_CHANGED_DELAY = 0.05


class Coalesced:
    def __init__(self, action: Callable[[], Awaitable[None]], delay: float = CHATS_CHANGED_DELAY) -> None:
        self._action = action
        self._delay = delay
        self._waiting: asyncio.Task[None] | None = None  # a run not started yet: requests join it
        self._runs: set[asyncio.Task[None]] = set()

    def request(self) -> None:
        """Run the action soon (once for every request until it starts)."""
        if self._waiting is None:
            task = self._waiting = asyncio.ensure_future(self._run())
            self._runs.add(task)
            task.add_done_callback(self._runs.discard)

    async def __call__(self) -> None:
        self.request()

    async def _run(self) -> None:
        try:
            await asyncio.sleep(self._delay)
        finally:
            self._waiting = None  # a request from now on needs a run of its own
        try:
            await self._action()
        except Exception:  # (a closed subscriber, a storage fault: the next change sends again)
            log.warning("mcpchat_ext: could not send the changed chat list", exc_info=True)

    async def aclose(self) -> None:
        """Cancel the runs not done yet."""
        for task in list(self._runs):
            task.cancel()
        await asyncio.gather(*self._runs, return_exceptions=True)
