"""The stream process's frames: one JSON object per line, both ways.

To the worker (its stdin)::

    {"op": "open", "id": N, "client": {AsyncOpenAI arguments, the key among them}, "payload": {...}}
    {"op": "cancel", "id": N}

From the worker (its stdout)::

    {"ready": PID}                      once, before it reads any request
    {"id": N, "c": [chunk, ...]}        chat-completion chunks, parsed, checked, text runs joined
    {"id": N, "end": 1}                 the stream ended
    {"id": N, "err": {"kind": ...}}     it failed (agent/stream_process/errors.py)

The key travels in the ``open`` frame only: never on a command line, in the environment or in a
file, and the worker keeps it in memory alone.
"""

from __future__ import annotations

import json
from typing import Any

import httpx2 as httpx

WORKER_MODULE = "mcpchat_ext.agent.stream_process.worker"

_dumps = json.JSONEncoder(separators=(",", ":")).encode


def frame(obj: dict[str, Any]) -> bytes:
    """``obj`` as one line of the wire (TypeError or ValueError: not JSON)."""
    return _dumps(obj).encode() + b"\n"


class Lines:
    """Splits what a pipe delivers into whole lines (the last, unfinished one is kept)."""

    def __init__(self) -> None:
        self._rest = b""

    def feed(self, data: bytes) -> list[bytes]:
        *lines, self._rest = (self._rest + data).split(b"\n") if self._rest else data.split(b"\n")
        return lines


def encode_timeout(timeout: Any) -> Any:
    """An SDK client's timeout as JSON (a float, None, or an ``httpx.Timeout``'s four parts)."""
    if isinstance(timeout, httpx.Timeout):
        return {k: getattr(timeout, k) for k in ("connect", "read", "write", "pool")}
    return float(timeout) if isinstance(timeout, (int, float)) else None


def decode_timeout(value: Any) -> float | httpx.Timeout | None:
    if isinstance(value, dict):
        return httpx.Timeout(**value)
    return float(value) if isinstance(value, (int, float)) else None
