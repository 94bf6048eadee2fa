"""The kernel side of the notebook widget: comm messages in, protocol frames out.

One :class:`CommBridge` serves one ``ChatWidget``. It gets the user's workspace from the process
engine (:func:`mcpchat_ext.api.get_workspace`) in the background and hands every incoming message to
a :class:`~mcpchat_ext.frames.dispatcher.FrameDispatcher` on the kernel's asyncio loop, one task per
message (like the websocket), so a slow call never delays ``stop``.

Handshake: the frontend sends ``{"type": "hello"}`` whenever a view renders; the bridge answers
with the ``welcome`` frame (also to the first ``ping`` if no ``hello`` came before it). Every other
message is a protocol client frame (:data:`mcpchat_ext.protocol.ClientFrame`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from .. import protocol as p
from ..errors import ChatExtError
from ..frames.dispatcher import FrameDispatcher

log = logging.getLogger("mcpchat_ext")

HELLO = "hello"
SendSync = Callable[[dict[str, Any]], None]


def _kernel_loop() -> asyncio.AbstractEventLoop:
    """The running loop (ipykernel runs cells and comm handlers on one), else the thread's loop."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.get_event_loop_policy().get_event_loop()


class CommBridge:
    """Serves one widget comm with a FrameDispatcher of ``user``'s session."""

    def __init__(self, send: SendSync, *, user: str | None = None, warm: bool = True) -> None:
        self._send_sync = send
        self.user = user
        self.loop = _kernel_loop()
        self._tasks: set[asyncio.Future[Any]] = set()
        self._dispatcher: FrameDispatcher | None = None
        self._lock = asyncio.Lock()
        self._welcomed = False
        self._closed = False
        if warm:
            self._spawn(self._warm_up())  # start the engine while the frontend loads

    # -- scheduling on the kernel loop -----------------------------------------------------

    def _spawn(self, coro: Any) -> asyncio.Future[Any]:
        task: asyncio.Future[Any] = asyncio.ensure_future(coro, loop=self.loop)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _schedule(self, coro: Any) -> None:
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:
            self._spawn(coro)
        else:  # a comm message handled on another thread (kernel subshells)
            self.loop.call_soon_threadsafe(self._spawn, coro)

    # -- frames ----------------------------------------------------------------------------

    async def _send(self, frame: dict[str, Any]) -> None:
        if not self._closed:
            self._send_sync(frame)

    async def _warm_up(self) -> None:
        try:
            await self.dispatcher()
        except Exception:  # reported to the frontend when its first message arrives
            log.warning("the mcpchat engine did not start", exc_info=True)

    async def dispatcher(self) -> FrameDispatcher:
        """The dispatcher of the user's current session (starts the engine on first use).

        After ``api.shutdown()`` (or an idle eviction) the user's session is a new object: the
        bridge follows it, so the widget keeps working; a failed engine start is retried.
        """
        from ..api import get_workspace

        async with self._lock:
            if self._closed:
                raise RuntimeError("the widget is closed")
            workspace = await get_workspace(self.user)
            self.user = workspace.user
            if self._dispatcher is None or self._dispatcher.workspace is not workspace:
                if self._dispatcher is not None:
                    await self._dispatcher.close()
                self._dispatcher = FrameDispatcher(workspace, self._send)
            return self._dispatcher

    def receive(self, content: Any) -> None:
        """Called by the widget for every custom message (any thread)."""
        if not self._closed:
            self._schedule(self._handle(content))

    async def _handle(self, content: Any) -> None:
        try:
            dispatcher = await self.dispatcher()
        except ChatExtError as exc:  # e.g. a StorageError naming the data directory and the fix
            log.warning("the mcpchat engine did not start: %s", exc)
            frame = p.ErrorFrame(code=exc.code, message=f"the chat engine did not start: {exc}")
        except Exception as exc:
            log.exception("the mcpchat engine did not start")
            frame = p.ErrorFrame(code="internal", message=f"the chat engine did not start: {exc}")
            await self._send(p.dump(frame))
            return
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == HELLO or (kind == "ping" and not self._welcomed):
            self._welcomed = True
            await dispatcher.welcome()
            if kind == HELLO:
                return
        await dispatcher.handle_raw(content)

    async def aclose(self) -> None:
        """Stop serving: unsubscribe from the session (running turns continue)."""
        self._closed = True
        current = asyncio.current_task()
        pending = [t for t in self._tasks if t is not current and not t.done()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        async with self._lock:
            dispatcher, self._dispatcher = self._dispatcher, None
        if dispatcher is not None:
            await dispatcher.close()

    def close(self) -> None:
        """Synchronous :meth:`aclose` (schedules it on the kernel loop)."""
        if not self._closed:
            self._closed = True
            self._schedule(self.aclose())
