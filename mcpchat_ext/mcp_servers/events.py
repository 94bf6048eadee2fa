"""What an MCP server tells its client besides answers: logging messages, "list changed"
notifications, and its instructions, each kept as hostile text.

:class:`ServerEvents` is given to the ``ClientSession`` (``logging_callback``,
``message_handler``). The callbacks run in the session's receive loop, so they only record and
signal: a tool list that changed is listed again by the worker's own task (``refresh``), never
from inside the callback (a request there would wait on the loop that is running it).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import deque
from collections.abc import Callable
from typing import Any

from mcp import types

from ..protocol import ServerLogEntry

MAX_LOG = 200
MAX_LOG_TEXT = 2000
MAX_INSTRUCTIONS = 4000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
LEVELS = ("debug", "info", "notice", "warning", "error", "critical", "alert", "emergency")


def clean_text(text: str, limit: int) -> str:
    return _CONTROL.sub("", text)[:limit]


def clean_instructions(text: object) -> str | None:
    return (clean_text(text, MAX_INSTRUCTIONS).strip() or None) if isinstance(text, str) else None


class ServerEvents:
    """The session callbacks of one server: a log ring buffer and a refresh signal."""

    def __init__(self) -> None:
        self.log: deque[ServerLogEntry] = deque(maxlen=MAX_LOG)
        self._seq = 0
        self.refresh = asyncio.Event()  # the server's tools changed
        # told the URI of a resource the server says changed, and that its resource or prompt
        # list changed (set by the worker; only record and signal: see the module docstring)
        self.on_updated: Callable[[str], None] | None = None
        self.on_offerings: Callable[[], None] | None = None

    def session_kwargs(self) -> dict[str, Any]:
        return {"logging_callback": self.on_log, "message_handler": self.on_message}

    def add(self, level: str, text: str, logger: str | None = None) -> None:
        self._seq += 1
        level = level if level in LEVELS else "info"
        entry = ServerLogEntry(
            seq=self._seq,
            level=level,
            logger=clean_text(logger, 100) if logger else None,
            text=clean_text(text, MAX_LOG_TEXT),
        )
        self.log.append(entry)

    async def on_log(self, params: types.LoggingMessageNotificationParams) -> None:
        data = params.data
        text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, default=str)
        self.add(str(params.level), text, params.logger)

    async def on_message(self, message: Any) -> None:
        if isinstance(message, types.ServerNotification):
            root = message.root
            if isinstance(root, types.ToolListChangedNotification):
                self.refresh.set()
            elif isinstance(root, types.ResourceUpdatedNotification) and self.on_updated is not None:
                self.on_updated(str(root.params.uri)[:4096])
            elif isinstance(
                root, types.ResourceListChangedNotification | types.PromptListChangedNotification
            ) and (self.on_offerings is not None):
                self.on_offerings()
