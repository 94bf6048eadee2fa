"""Live progress of running tool calls, and cancelling one call from its card.

The tools node runs each approved call in a task of its own with :data:`current_call` set to the
call's id, and registers the task in the turn's :class:`RunningCalls` (when the run has one), so
that the user can cancel that call alone: it is answered "cancelled by the user" and the turn goes
on. While it runs, the MCP server's progress notifications become ``mcpchat.progress`` custom
stream events (:func:`report_progress`), which the runner turns into ``tool_progress`` frames.

Progress comes from the server: its message is cut and cleaned of control characters, and
reports are thinned to at most one per :data:`MIN_INTERVAL` seconds per call (the last one of a
burst may be dropped; the result follows anyway).
"""

from __future__ import annotations

import asyncio
import contextvars
import math
import re
from dataclasses import dataclass, field
from typing import Any

from langgraph.config import get_stream_writer

PROGRESS_EVENT = "mcpchat.progress"
MIN_INTERVAL = 0.1
MAX_MESSAGE = 300
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")

# the id of the tool call the current task runs (set by the tools node)
current_call: contextvars.ContextVar[str | None] = contextvars.ContextVar("mcpchat_call", default=None)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def progress_event(call_id: str, progress: Any, total: Any, message: Any) -> dict[str, Any]:
    text = " ".join(_CONTROL.sub(" ", message).split())[:MAX_MESSAGE] if isinstance(message, str) else None
    whole = _number(total)
    return {
        "event": PROGRESS_EVENT,
        "call_id": call_id,
        "progress": _number(progress) or 0.0,
        "total": whole if whole is not None and whole > 0 else None,
        "message": text or None,
    }


class ProgressReporter:
    """Hands one call's progress notifications to the run's stream (thinned, cleaned)."""

    def __init__(self) -> None:
        self.call_id = current_call.get()
        try:
            self._write: Any = get_stream_writer() if self.call_id else None
        except RuntimeError:  # not inside a graph run (a tool called directly)
            self._write = None
        self._last = -math.inf
        # the notifications arrive in the MCP session's own task: write from the tool's context
        self._context = contextvars.copy_context()

    async def __call__(self, progress: float, total: float | None, message: str | None) -> None:
        if self._write is None or self.call_id is None:
            return
        now = asyncio.get_running_loop().time()
        if now - self._last < MIN_INTERVAL:
            return
        self._last = now
        self._context.run(self._write, progress_event(self.call_id, progress, total, message))


@dataclass
class RunningCalls:
    """The tool calls running in one chat, by call id: what "Cancel" on a card cancels."""

    _tasks: dict[str, asyncio.Task[Any]] = field(default_factory=dict)
    cancelled: set[str] = field(default_factory=set)

    def add(self, call_id: str, task: asyncio.Task[Any]) -> None:
        self._tasks[call_id] = task
        task.add_done_callback(lambda _t: self._tasks.pop(call_id, None))

    def cancel(self, call_id: str) -> bool:
        """Cancel one running call (the MCP server is told to cancel it); False: not running."""
        task = self._tasks.get(call_id)
        if task is None or task.done():
            return False
        self.cancelled.add(call_id)
        task.cancel()
        return True

    def __contains__(self, call_id: str) -> bool:
        return call_id in self._tasks
