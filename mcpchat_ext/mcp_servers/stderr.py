"""The stderr of a stdio MCP server: captured through a pipe, its tail kept for error messages.

A server that fails at start-up usually says why on stderr ("ModuleNotFoundError: ...",
"ENOENT: no such directory"). :class:`StderrTail` hands the server process the write end of a
pipe and reads the other end on the event loop (no thread, no blocking read), keeping the last
:data:`MAX_TAIL` characters; each line also goes to the debug log. Everything it keeps is
hostile text: control characters (ANSI escapes included) are removed before anyone sees it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
from collections import deque
from typing import IO, TextIO

log = logging.getLogger(__name__)

MAX_TAIL = 2000  # characters kept (and shown) of a server's stderr
MAX_LINES = 12
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-_]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """``text`` without ANSI escapes and control characters (tabs and newlines kept)."""
    return _CONTROL.sub("", _ANSI.sub("", text))


class _Reader(asyncio.Protocol):
    def __init__(self, tail: StderrTail) -> None:
        self.tail = tail

    def data_received(self, data: bytes) -> None:
        self.tail.feed(data)

    def eof_received(self) -> bool | None:
        self.tail.closed.set()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.tail.closed.set()


class StderrTail:
    """A pipe for one server process's stderr and the tail of what came through it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lines: deque[str] = deque(maxlen=MAX_LINES)
        self._partial = ""
        self.closed = asyncio.Event()  # the pipe reached EOF (every writer exited)
        self._transport: asyncio.ReadTransport | None = None
        self._read: IO[bytes] | None = None
        self.writer: TextIO | None = None

    async def open(self) -> TextIO:
        """The stream to give the process as its stderr."""
        r, w = os.pipe()
        os.set_inheritable(w, True)
        self._read = os.fdopen(r, "rb", buffering=0)
        self.writer = os.fdopen(w, "w")
        loop = asyncio.get_running_loop()
        self._transport, _ = await loop.connect_read_pipe(lambda: _Reader(self), self._read)
        return self.writer

    def spawned(self) -> None:
        """The process has its copy of the write end: close ours, so EOF means it exited."""
        if self.writer is not None:
            with contextlib.suppress(OSError):
                self.writer.close()
            self.writer = None

    def feed(self, data: bytes) -> None:
        text = self._partial + data.decode("utf-8", "replace")
        *lines, self._partial = text.split("\n")
        if len(self._partial) > MAX_TAIL:  # one endless line
            lines.append(self._partial[-MAX_TAIL:])
            self._partial = ""
        for line in lines:
            line = clean(line).rstrip()
            if line:
                self._lines.append(line[-MAX_TAIL:])
                log.debug("MCP server %s stderr: %s", self.name, line[:500])

    def text(self) -> str:
        """The last lines of stderr (at most MAX_TAIL characters), "" when it said nothing."""
        lines = [*self._lines]
        if rest := clean(self._partial).strip():
            lines.append(rest)
        return "\n".join(lines)[-MAX_TAIL:].strip()

    async def settled(self, seconds: float = 1.0) -> str:
        """The tail once the pipe reached EOF (the process exited), waiting at most ``seconds``:
        a process that just died may still have its last words in the pipe."""
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.closed.wait(), seconds)
        return self.text()

    def close(self) -> None:
        self.spawned()
        if self._transport is not None:
            self._transport.close()
            self._transport = None
