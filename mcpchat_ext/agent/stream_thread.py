"""Model reply streams read on a thread of their own, handed to the event loop in batches.

Reading a streamed reply costs Python work per chunk: an HTTP read, the server-sent-event split,
``json.loads``. With 100 chats streaming at once that is 20,000 chunks a second, and on the
Jupyter server's event loop it made every loop iteration long: every other user's request, every
websocket frame and every first token waited behind it (issue 12, benchmarks/README.md).

:class:`StreamThread` runs one more asyncio loop, on a daemon thread, that sends the requests and
reads the streams. Parsed chunks go into a :class:`ChunkSink`; the event loop is woken once per
batch (not once per chunk) and takes everything that arrived since it last looked, so the
per-chunk work left on it (LangChain's chunk objects, LangGraph's stream, the fan-out) shrinks to
per-batch work when the loop is busy, and stays per-chunk when it is idle (no added latency).

The GIL still serialises the Python work of both threads, but the event loop no longer runs one
long iteration over all streams' reads: it waits at most one switch interval (5 ms) for the GIL.

A reply's first text is the one exception (:meth:`ChunkSink.hold_for_first`): the stream thread
stops reading that stream until the event loop has passed the first text on. A fast model's reply
is all in the socket at once, and parsing it on the stream thread kept the GIL from the event
loop, 5 ms at a time, while the first token went through (3-25 ms from the thread's first put to
the loop taking it, vs 0.2-0.5 ms at a paced rate, bench_stack_overhead.py; benchmarks/README.md).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import threading
from collections import deque
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

# The longest the stream thread waits for the event loop to pass a reply's first text on (it
# goes on reading after that, so a consumer that never takes it costs no more than this).
FIRST_TEXT_HOLD = 0.05


class StreamThread:
    """An asyncio loop on a daemon thread, started on first use, for model HTTP streams."""

    def __init__(self, name: str = "mcpchat-model-streams") -> None:
        self._name = name
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        # a forked child has the loop but not its thread: it starts one of its own on first use
        # (a kernel's multiprocessing with "fork" would otherwise wait forever on its first reply)
        os.register_at_fork(after_in_child=self._forget)

    def _forget(self) -> None:
        self._lock = threading.Lock()
        self._loop = None

    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._loop.is_closed():
                loop = asyncio.new_event_loop()
                started = threading.Event()

                def run() -> None:
                    asyncio.set_event_loop(loop)
                    loop.call_soon(started.set)
                    loop.run_forever()

                threading.Thread(target=run, name=self._name, daemon=True).start()
                started.wait()
                self._loop = loop
            return self._loop

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Run ``coro`` on the stream thread's loop."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop())

    def on_thread(self) -> bool:
        """Whether the caller runs on the stream thread's loop."""
        try:
            return asyncio.get_running_loop() is self._loop
        except RuntimeError:
            return False


STREAMS = StreamThread()


class ChunkSink:
    """Items put on the stream thread, taken in batches on the event loop that made the sink."""

    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._items: deque[Any] = deque()
        self._lock = threading.Lock()
        self._signalled = False
        self._ready = asyncio.Event()
        self._first_taken = False  # (under _lock) the loop passed the first text on
        self._holding: tuple[asyncio.AbstractEventLoop, asyncio.Future[None]] | None = None

    def put(self, item: Any) -> None:
        """(Stream thread.) Add ``item``; wake the event loop if it is not woken already.

        No lock: ``deque.extend`` and ``popleft`` are atomic, and :meth:`take` clears the flag
        before it drains, so an item appended after the drain finds the flag clear and wakes the
        loop (a lock here made the two threads queue on it behind GIL switches: a convoy)."""
        if self.add([item]):
            self.wake()

    def add(self, items: list[Any]) -> bool:
        """(Stream thread.) Add ``items`` without waking the event loop; True when the caller must
        wake it (:func:`wake_all`, once for all the sinks one read of the pipe filled)."""
        self._items.extend(items)
        if self._signalled:
            return False
        self._signalled = True
        return True

    def wake(self) -> None:
        """(Any thread.) Wake the event loop's :meth:`wait`."""
        try:
            self._loop.call_soon_threadsafe(self._ready.set)
        except RuntimeError:  # the loop is closed: nobody is waiting any more
            pass

    def take(self) -> list[Any]:
        """(Event loop.) Everything put since the last take, in order."""
        self._signalled = False
        items, batch = self._items, []
        while items:
            batch.append(items.popleft())
        return batch

    async def wait(self) -> None:
        """(Event loop.) Until something was put or :meth:`wake` was called."""
        await self._ready.wait()
        self._ready.clear()

    async def hold_for_first(self, timeout: float | None = None) -> None:
        """(Stream thread, after putting the reply's first text.) Read nothing more of this stream
        until :meth:`first_taken` (or ``timeout``): with the stream thread idle, the event loop
        has the GIL to itself while the first token goes through."""
        loop = asyncio.get_running_loop()
        held: asyncio.Future[None] = loop.create_future()
        with self._lock:
            if self._first_taken:
                return
            self._holding = (loop, held)
        try:
            await asyncio.wait_for(held, FIRST_TEXT_HOLD if timeout is None else timeout)
        except TimeoutError:
            pass
        finally:
            with self._lock:
                self._holding = None

    def first_taken(self) -> None:
        """(Event loop; idempotent.) The first text was passed on: the stream thread reads on."""
        if self._first_taken:  # (called for every text chunk; only this thread sets it)
            return
        with self._lock:
            if self._first_taken:
                return
            self._first_taken = True
            holding, self._holding = self._holding, None
        if holding is not None:
            loop, held = holding
            try:
                loop.call_soon_threadsafe(_settle, held)
            except RuntimeError:  # the stream thread's loop is closed
                pass


def wake_all(sinks: list[ChunkSink]) -> None:
    """(Stream thread.) Wake the event loops of ``sinks`` (:meth:`ChunkSink.add`): one cross-thread
    call per loop, not one per sink. Each call writes the loop's wake-up pipe, a system call that
    lets go of the GIL: with 100 replies streaming, one read of the stream process's pipe woke
    the event loop once per reply in it, and each time the two threads handed the GIL back and
    forth, up to a switch interval (5 ms) a time (benchmarks/README.md 2026-12-04)."""
    by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Event]] = {}
    for sink in sinks:
        by_loop.setdefault(sink._loop, []).append(sink._ready)
    for loop, events in by_loop.items():
        try:
            loop.call_soon_threadsafe(_set_all, events)
        except RuntimeError:  # the loop is closed: nobody is waiting any more
            pass


def _set_all(events: list[asyncio.Event]) -> None:
    for event in events:
        event.set()


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
