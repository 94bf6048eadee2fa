"""The chat websocket: one per client; frames of mcpchat_ext.protocol in both directions.

Keep-alive: jupyter_server's ``WebSocketMixin`` pings every ``ws_ping_interval`` ms (30 s) and
closes a socket whose client has not answered for ``ws_ping_timeout`` ms (90 s); both are the
server's ``tornado_settings`` shared with the kernel sockets
(``c.ServerApp.tornado_settings = {"ws_ping_interval": 30000, "ws_ping_timeout": 90000}``).
A socket that is closed, by either side or for a missed ping, unsubscribes from its user's
workspace at once, so an idle workspace is released by ``idle_timeout`` even when the client
vanished without a word (a suspended laptop, a dropped VPN).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import ws_authenticated
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.base.websocket import WebSocketMixin
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web
from tornado.websocket import WebSocketClosedError, WebSocketHandler

from ..frames.coalesce import TokenCoalescer
from ..frames.encode import encode
from .base import AUTH_RESOURCE, visitor_name
from .ws_batch import BatchedWriter

if TYPE_CHECKING:
    from ..frames.dispatcher import FrameDispatcher

MAX_FRAME_BYTES = 1024 * 1024
_closing: set[asyncio.Future[None]] = set()


class ChatWebSocketHandler(
    ExtensionHandlerMixin,
    WebSocketMixin,
    WebSocketHandler,
    JupyterHandler,
):
    auth_resource = AUTH_RESOURCE
    dispatcher: FrameDispatcher | None = None
    coalescer: TokenCoalescer | None = None
    writer: BatchedWriter | None = None

    @ws_authenticated
    async def get(self, *args: Any, **kwargs: Any) -> None:
        user = self.current_user
        if not await ensure_async(self.authorizer.is_authorized(self, user, "execute", AUTH_RESOURCE)):
            raise web.HTTPError(403, f"User is not authorized to use {AUTH_RESOURCE}")
        await super().get(*args, **kwargs)

    @property
    def max_message_size(self) -> int:
        return MAX_FRAME_BYTES

    async def open(self, *args: Any, **kwargs: Any) -> None:
        super().open(*args, **kwargs)  # WebSocketMixin: starts the keep-alive pings
        # Token frames are small and frequent: without TCP_NODELAY, Nagle's algorithm holds each
        # one until the client's delayed ACK (~40 ms on Linux), which shows as first-token lag.
        self.set_nodelay(True)
        from ..errors import ChatExtError

        try:
            engine = self.settings["mcpchat_engine"]
            workspace = await engine.workspace(visitor_name(self), visitor=self)
        except Exception as exc:  # e.g. the data directory is unusable: say so, then close
            from ..incidents import incident

            error = (
                exc
                if isinstance(exc, ChatExtError)
                else incident(self.log, exc, "opening the chat socket failed")
            )
            if isinstance(exc, ChatExtError):
                self.log.warning("mcpchat websocket refused: %s", exc)
            await self._send({"type": "error", "code": error.code, "message": str(error)})
            self.close(1011, "the chat service is unavailable")
            return
        from ..frames.dispatcher import FrameDispatcher  # lazily: pydantic stays off the start-up path

        # fast token streams go out as fewer, larger frames (see mcpchat_ext.frames.coalesce)
        window = float(self.settings.get("mcpchat_coalesce_window", 0.0))
        self.coalescer = TokenCoalescer(self._send, window=window)
        self.dispatcher = FrameDispatcher(workspace, self.coalescer)
        if self.ws_connection is None:  # the client left while the workspace opened
            self._release()
            return
        await self.dispatcher.welcome()

    def on_message(self, message: str | bytes) -> None:
        # not a coroutine: tornado awaits one before it reads the connection's next frame (two
        # loop iterations a frame: 100 frames sent at once took 0.4 s to be read on a busy loop)
        if self.dispatcher is not None:
            self.dispatcher.submit(message)

    def close(self, code: int | None = None, reason: str | None = None) -> None:
        # also how WebSocketMixin ends a socket whose pings went unanswered: release the workspace
        # now rather than after tornado's closing handshake times out
        self._release()
        if self.writer is not None:
            self.writer.flush()  # the frames sent before the close go before it
        super().close(code, reason)

    def on_close(self) -> None:
        self._release()

    def _release(self) -> None:
        """Stop pinging, stop sending, unsubscribe from the workspace (idempotent)."""
        if self.ping_callback is not None:
            self.ping_callback.stop()
        if self.coalescer is not None:
            self.coalescer.close()
        if self.dispatcher is not None:
            dispatcher, self.dispatcher = self.dispatcher, None
            dispatcher.detach()
            task = asyncio.ensure_future(dispatcher.close())
            _closing.add(task)
            task.add_done_callback(_closing.discard)

    async def _send(self, frame: dict[str, Any]) -> None:
        """Send ``frame``; the frames of one loop iteration leave in one write (ws_batch.py)."""
        if self.writer is None:
            self.writer = BatchedWriter(self)
        try:
            await self.writer.send(encode(frame))
        except WebSocketClosedError:
            raise ConnectionError("websocket closed") from None
