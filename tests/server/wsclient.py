"""A small client for the chat websocket used by the server tests."""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

from tornado.websocket import WebSocketClientConnection

_ids = itertools.count(1)


class ChatSocket:
    def __init__(self, ws: WebSocketClientConnection) -> None:
        self.ws = ws
        self.seen: list[dict[str, Any]] = []

    async def send(self, frame: dict[str, Any] | str) -> None:
        await self.ws.write_message(frame if isinstance(frame, str) else json.dumps(frame))

    async def recv(self, timeout: float = 60) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.ws.read_message(), timeout)
        assert raw is not None, "websocket closed"
        frame: dict[str, Any] = json.loads(raw)
        self.seen.append(frame)
        return frame

    async def until(
        self, *types: str, chat_id: str | None = None, timeout: float = 60
    ) -> list[dict[str, Any]]:
        """Frames up to and including the first whose type is in ``types``."""
        frames = []
        while True:
            frame = await self.recv(timeout)
            if chat_id is not None and frame.get("chat_id") not in (None, chat_id):
                continue
            frames.append(frame)
            if frame["type"] in types:
                return frames

    async def call(self, method: str, **params: Any) -> Any:
        call_id = f"c{next(_ids)}"
        await self.send({"type": "call", "id": call_id, "method": method, "params": params})
        while True:
            frame = await self.recv()
            if frame.get("id") == call_id:
                if frame["type"] == "error":
                    raise CallError(frame)
                return frame["result"]


class CallError(Exception):
    def __init__(self, frame: dict[str, Any]) -> None:
        super().__init__(frame["message"])
        self.frame = frame
        self.code = frame["code"]
