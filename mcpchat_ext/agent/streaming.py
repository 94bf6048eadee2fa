"""Model tokens as custom stream events.

The agent node streams the model itself and hands each text chunk to LangGraph's stream writer,
so :func:`mcpchat_ext.agent.runner.run_turn` reads tokens from the ``custom`` stream mode. The
``messages`` stream mode would do the same through a callback handler that, at the start of every
node, walks the whole message history to remember which ids it has seen: a cost that grows with
the chat (benchmarks/bench_checkpoint_growth.py).

Chunks are joined before they enter LangGraph's stream (:class:`TokenJoiner`): a message's first
text goes out at once, later text within ``JOIN_WINDOW`` of the last write is joined into one
event, written when the window ends (a timer) or the reply ends. Each write costs LangGraph a
thread-safe loop wake-up and a stream-queue item, and downstream a protocol frame, a fan-out and a
websocket write: at a fast model's rate that per-chunk work, not the model client, saturated the
event loop (issue 12, benchmarks/README.md). The text is unchanged; the first token is not delayed.

The model's own per-chunk timeout (ChatOpenAI ``stream_chunk_timeout``: an ``asyncio.wait_for``,
so a new task, per chunk) is replaced by :class:`ChunkWatchdog`, one timer per stream that checks
when the last chunk came (:func:`fast_streaming`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, message_chunk_to_message
from langchain_core.runnables import RunnableConfig
from langgraph.config import get_stream_writer

from ..errors import ModelError

TOKEN_EVENT = "mcpchat.token"
# Seconds within which a message's text chunks are joined into one token event: 40 updates a
# second still read as smooth streaming; at 10 ms, 100 chats streaming made 10,000 events a second,
# each a frame for every connection of the user (the websocket fan-out was the largest cost left
# after the model client's, benchmarks/README.md 2026-12-02 issue 12 follow-up).
JOIN_WINDOW = 0.025
# Seconds a streamed reply may go without a chunk before it counts as failed (ChatOpenAI's default).
CHUNK_TIMEOUT = 120.0
# Loop turns the first token event needs to reach the client (see TokenJoiner.give_way).
YIELDS_AFTER_FIRST = 4


def fast_streaming(model: Any) -> Any:
    """``model`` without a per-chunk ``wait_for`` (ChatOpenAI's ``stream_chunk_timeout``): the
    stream's :class:`ChunkWatchdog` bounds the gap between chunks instead."""
    if getattr(model, "stream_chunk_timeout", None) and hasattr(model, "model_copy"):
        return model.model_copy(update={"stream_chunk_timeout": None})
    return model


class ChunkWatchdog:
    """Fails a stream that sends no chunk for ``timeout`` seconds: one timer per stream, checked
    every quarter of the timeout, instead of a task per chunk. A stall cancels the streaming task
    and :meth:`failure` turns that cancellation into a ModelError (a Stop stays a cancellation)."""

    def __init__(self, timeout: float | None = None) -> None:
        self._timeout = timeout if timeout is not None else CHUNK_TIMEOUT
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.current_task()
        self.last = self._loop.time()
        self.fired = False
        self._timer = self._loop.call_later(self._timeout / 4, self._check)

    def beat(self) -> None:
        """A chunk came."""
        self.last = self._loop.time()

    def _check(self) -> None:
        if self._loop.time() - self.last >= self._timeout and self._task is not None:
            self.fired = True
            self._task.cancel()
        else:
            self._timer = self._loop.call_later(self._timeout / 4, self._check)

    def close(self) -> None:
        self._timer.cancel()

    def failure(self) -> ModelError | None:
        """The error to raise for a cancellation this watchdog caused (None: not its doing)."""
        if not self.fired:
            return None
        if self._task is not None:
            self._task.uncancel()
        return ModelError(f"the model sent nothing for {self._timeout:g} s: its stream was closed; try again")


def message_text(message: BaseMessage) -> str:
    """The text of a message (string content, or the text blocks of block content)."""
    content = message.content
    if isinstance(content, str):
        return content
    parts: list[str] = []
    for block in content:
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, dict) and block.get("type") == "text":
            parts.append(str(block.get("text", "")))
    return "".join(parts)


def token_event(data: Any) -> tuple[str, str] | None:
    """``(message_id, text)`` of a custom stream item written by :func:`stream_model`."""
    if isinstance(data, dict) and data.get("event") == TOKEN_EVENT:
        return str(data["message_id"]), str(data["text"])
    return None


class TokenJoiner:
    """Writes text chunks as token events, joining those within ``window`` of the last write."""

    def __init__(self, write: Callable[[dict[str, Any]], None], window: float = JOIN_WINDOW) -> None:
        self._write = write
        self._window = window
        self._id = ""
        self._held: list[str] = []
        self._last = -float("inf")  # when an event was last written
        self._timer: asyncio.TimerHandle | None = None
        self._emitted = False
        self.turns_due = 0  # loop turns to give way after a write (see give_way)

    def add(self, message_id: str, text: str) -> None:
        if self._held and message_id != self._id:
            self.flush()
        self._id = message_id
        now = time.monotonic()
        if not self._held and now - self._last >= self._window:
            self._emit(text, now)
            return
        self._held.append(text)
        if self._timer is None:
            delay = max(0.0, self._last + self._window - now)
            self._timer = asyncio.get_running_loop().call_later(delay, self.flush)

    def flush(self) -> None:
        """Write the held text now (its window ended, or the reply is complete)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._held:
            text, self._held = "".join(self._held), []
            self._emit(text, time.monotonic())

    def close(self) -> None:
        """Drop the held text (the reply failed or was stopped: nothing more is written)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._held = []

    def _emit(self, text: str, now: float) -> None:
        self._last = now
        self._write({"event": TOKEN_EVENT, "message_id": self._id, "text": text})
        # the first event of a reply needs the loop a few turns to reach the client (LangGraph's
        # queue, the runner, the fan-out, the socket), the others one: see give_way
        self.turns_due = YIELDS_AFTER_FIRST if not self._emitted else 1
        self._emitted = True

    async def give_way(self) -> None:
        """Let the loop forward what was just written before the stream is read on: a fast model's
        chunks arrive in batches that are read without a pause, which would hold the first token
        back until the whole batch is processed (without the per-chunk ``wait_for`` of
        ChatOpenAI, nothing else pauses the stream)."""
        while self.turns_due:
            self.turns_due -= 1
            await asyncio.sleep(0)


async def stream_model(runnable: Any, prompt: list[Any], config: RunnableConfig) -> AIMessage:
    """Stream ``runnable`` (a chat model, maybe with bound tools); write its text chunks as token
    events (joined, see :class:`TokenJoiner`) and return the whole reply (tool calls assembled
    from their chunks).

    A model without streaming support yields its whole reply once, as an ``AIMessage``.
    """
    joiner = TokenJoiner(get_stream_writer())
    watchdog = ChunkWatchdog()
    chunks: list[AIMessageChunk] = []
    whole: AIMessage | None = None
    try:
        async for item in runnable.astream(prompt, config):
            watchdog.beat()
            if not isinstance(item, AIMessage):
                continue
            if text := message_text(item):
                joiner.add(str(item.id or ""), text)
                await joiner.give_way()
            if isinstance(item, AIMessageChunk):
                chunks.append(item)
            else:
                whole = item
        joiner.flush()  # all text is written before the node returns the reply
    except asyncio.CancelledError:
        if (error := watchdog.failure()) is not None:
            raise error from None
        raise
    finally:
        watchdog.close()
        joiner.close()
    if not chunks:
        return whole if whole is not None else AIMessage(content="")
    # one merge at the end: adding chunk by chunk would copy the growing reply every token
    merged = chunks[0] + chunks[1:] if len(chunks) > 1 else chunks[0]
    reply = message_chunk_to_message(merged)
    assert isinstance(reply, AIMessage)
    return reply
