"""The chat websocket: one per client; frames of mcpchat_ext.protocol in both directions."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import ws_authenticated
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.base.websocket import WebSocketMixin
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web
from tornado.websocket import WebSocketClosedError, WebSocketHandler

from ..frames.coalesce import TokenCoalescer
from .base import AUTH_RESOURCE, visitor_name

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
        # Token frames are small and frequent: without TCP_NODELAY, Nagle's algorithm holds each
        # one until the client's delayed ACK (~40 ms on Linux), which shows as first-token lag.
        self.set_nodelay(True)
        engine = self.settings["mcpchat_engine"]
        workspace = await engine.workspace(visitor_name(self))
        from ..frames.dispatcher import FrameDispatcher  # lazily: pydantic stays off the start-up path

        # fast token streams go out as fewer, larger frames (see mcpchat_ext.frames.coalesce)
        window = float(self.settings.get("mcpchat_coalesce_window", 0.0))
        self.coalescer = TokenCoalescer(self._send, window=window)
        self.dispatcher = FrameDispatcher(workspace, self.coalescer)
        await self.dispatcher.welcome()

    async def on_message(self, message: str | bytes) -> None:
        if self.dispatcher is not None:
            self.dispatcher.submit(message)

    def on_close(self) -> None:
        if self.coalescer is not None:
            self.coalescer.close()
        if self.dispatcher is not None:
            dispatcher, self.dispatcher = self.dispatcher, None
            task = asyncio.ensure_future(dispatcher.close())
            _closing.add(task)
            task.add_done_callback(_closing.discard)

    async def _send(self, frame: dict[str, Any]) -> None:
        try:
            await self.write_message(json.dumps(frame))
        except WebSocketClosedError:
            raise ConnectionError("websocket closed") from None
