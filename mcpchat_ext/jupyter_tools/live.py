"""The open notebooks of a user's JupyterLab: ask for one's current (unsaved) state.

A request goes to the user's own clients as a ``notebook_request`` frame; the first client that
has the notebook open answers with ``notebooks.answer``. Answers are accepted only from the user
who asked (an answer names a request id, which another user's client cannot complete), and a
request not answered within ``timeout`` seconds ends with None: the caller reads the file.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

# (user, request id, path): send the request to that user's clients
Ask = Callable[[str, str, str], Awaitable[None]]


class OpenNotebooks:
    def __init__(self, timeout: float = 3.0) -> None:
        self.timeout = timeout
        self.ask: Ask | None = None  # set by the engine
        self._waiting: dict[str, tuple[str, asyncio.Future[dict[str, Any]]]] = {}

    async def request(self, user: str, path: str) -> dict[str, Any] | None:
        """The frontend's state of ``path`` ({"dirty", "cells"}), or None (not open, no client)."""
        if self.ask is None:
            return None
        request_id = uuid.uuid4().hex
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[request_id] = (user, future)
        try:
            await self.ask(user, request_id, path)
            return await asyncio.wait_for(future, self.timeout)
        except asyncio.TimeoutError:
            return None
        finally:
            self._waiting.pop(request_id, None)

    def answer(self, user: str, request_id: str, state: dict[str, Any] | None) -> bool:
        """``user``'s client answers (None: not open there); whether it answered a request of theirs."""
        waiting = self._waiting.get(request_id)
        if waiting is None or waiting[0] != user:
            return False
        if state is not None and not waiting[1].done():
            waiting[1].set_result(state)
        return True
