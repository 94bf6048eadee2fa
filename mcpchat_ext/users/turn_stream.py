"""Follow one chat's turn as a stream of frames (the Python API and the REST handlers use it).

The turn runs as a background task whose frames go to every subscriber of the user; this
subscribes before the turn starts, so no frame is missed, and ends at the turn's last frame.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from pydantic import BaseModel

from .. import protocol as p
from .fanout import Subscriber

TERMINAL = (p.DoneFrame, p.ApprovalRequiredFrame, p.StoppedFrame, p.ErrorFrame)
Begin = Callable[[], Awaitable[asyncio.Task[None]]]  # starts the turn (TurnManager.start, ...)


async def follow_turn(
    subscribe: Callable[[Subscriber], None],
    unsubscribe: Callable[[Subscriber], None],
    chat_id: str,
    begin: Begin,
) -> AsyncIterator[BaseModel]:
    """Start a turn with ``begin`` and yield its frames until it ends or pauses for approval."""
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def collect(frame: dict[str, Any]) -> None:
        if frame.get("chat_id") == chat_id:
            queue.put_nowait(frame)

    subscribe(collect)
    try:
        task = await begin()
        while True:
            getter = asyncio.ensure_future(queue.get())
            done, _ = await asyncio.wait({getter, task}, return_when=asyncio.FIRST_COMPLETED)
            if getter in done:
                frame = p.server_frame_adapter.validate_python(getter.result())
                yield frame
                if isinstance(frame, TERMINAL):
                    # let the turn finish its bookkeeping (title, updated_at) first
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await asyncio.shield(task)
                    return
            else:
                getter.cancel()
                while not queue.empty():
                    yield p.server_frame_adapter.validate_python(queue.get_nowait())
                return
    finally:
        unsubscribe(collect)
