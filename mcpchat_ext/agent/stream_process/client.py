"""The server side of the stream process: one worker per server process, run from the stream
thread's loop (agent/stream_thread.py), started on first use or by :meth:`StreamProcess.prewarm`.

- A request goes out as an ``open`` frame; its chunks are put into the reply's ChunkSink as the
  worker's lines arrive (a pipe protocol: no task wake-up per frame); a Stop sends ``cancel``.
- A worker that cannot start, or ends before it said ``ready``, read no request: those go back
  to the caller (:class:`WorkerUnavailable`), which reads them on the stream thread instead, and
  the worker is not started again for :data:`RESTART_AFTER` seconds.
- A worker that ends later (killed, out of memory) fails the replies it was reading with
  :class:`StreamCutOff`; the next request starts a new one.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..stream_thread import STREAMS, ChunkSink, wake_all
from .errors import RemoteError
from .wire import WORKER_MODULE, Lines, frame

log = logging.getLogger("mcpchat_ext")

# Seconds before a worker that failed to start is tried again (meanwhile: the stream thread).
RESTART_AFTER = 30.0
# Seconds to wait for an ended worker's exit status (it closed its stdout: it is ending).
EXIT_WAIT = 2.0
# Seconds a new worker has to say it is ready (it takes about 0.7 s) before it is ended.
READY_TIMEOUT = 30.0
# Where the worker starts: the directory this package was imported from, so that ``-m`` finds
# this code, not a json.py or openai.py in the notebook directory the server was started in
# (it would read every request, keys included); Python 3.11+ also leaves that directory out (-P).
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[3])


def _worker_argv() -> list[str]:
    safe_path = ["-P"] if sys.version_info >= (3, 11) else []
    return [sys.executable, *safe_path, "-m", WORKER_MODULE]


class WorkerUnavailable(Exception):
    """The stream process cannot take this request (it did not start, or the request is not
    JSON); nothing of it was sent: read it another way."""


class StreamCutOff(Exception):
    """The stream process ended while it read this reply; ``delivered``: chunks of it arrived."""

    def __init__(self, how: str, delivered: bool) -> None:
        super().__init__(
            f"the model reply was cut off: the model stream process ended ({how}); "
            "send the message again (or Retry)"
        )
        self.delivered = delivered


@dataclass
class _Entry:
    sink: ChunkSink
    done: asyncio.Future[None]
    delivered: bool = False


@dataclass
class _Worker:
    proc: subprocess.Popen[bytes]
    stdin: asyncio.WriteTransport
    ready: asyncio.Future[None]
    entries: dict[int, _Entry] = field(default_factory=dict)
    ended: bool = False


class StreamProcess:
    def __init__(self, argv: Sequence[str] | None = None) -> None:
        self.argv = list(argv or _worker_argv())
        self._worker: _Worker | None = None
        self._starting: asyncio.Lock | None = None
        self._down_until = 0.0
        self._ids = itertools.count(1)
        self._ending: set[asyncio.Task[None]] = set()
        os.register_at_fork(after_in_child=self._forget)

    def _forget(self) -> None:  # a forked child starts a worker of its own
        worker, self._worker, self._starting = self._worker, None, None
        if worker is not None:  # (its pipes would keep the parent's worker from ending)
            for pipe in (worker.proc.stdin, worker.proc.stdout):
                try:
                    os.close(pipe.fileno()) if pipe is not None else None
                except OSError:
                    pass

    def prewarm(self) -> None:
        """(Any thread.) Start the worker now, so that the first reply does not wait for it."""
        STREAMS.submit(self._prewarm())

    async def _prewarm(self) -> None:
        try:
            await self._running()
        except WorkerUnavailable:
            pass  # (logged)

    @property
    def pid(self) -> int | None:
        """The running worker's process id (None: none runs)."""
        worker = self._worker
        return worker.proc.pid if worker is not None and not worker.ended else None

    async def stream(self, spec: dict[str, Any], payload: dict[str, Any], sink: ChunkSink) -> None:
        """(Stream thread.) Stream one reply into ``sink``; RemoteError: the request failed there."""
        rid = next(self._ids)
        try:
            line = frame({"op": "open", "id": rid, "client": spec, "payload": payload})
        except (TypeError, ValueError) as exc:
            raise WorkerUnavailable(f"the request is not JSON: {exc}") from None
        worker = await self._running()
        entry = _Entry(sink, asyncio.get_running_loop().create_future())
        worker.entries[rid] = entry
        worker.stdin.write(line)
        try:
            await entry.done
        except asyncio.CancelledError:
            if worker.entries.pop(rid, None) is not None and not worker.ended:
                worker.stdin.write(frame({"op": "cancel", "id": rid}))
            raise

    async def stop(self) -> None:
        """(Stream thread.) End the worker (its replies fail as cut off); the next request starts one."""
        worker = self._worker
        if worker is not None and not worker.ended:
            worker.stdin.close()
            await asyncio.get_running_loop().run_in_executor(None, _wait, worker.proc)

    async def _running(self) -> _Worker:
        worker = self._worker
        if worker is not None and not worker.ended:
            return worker
        if self._starting is None:
            self._starting = asyncio.Lock()
        async with self._starting:
            worker = self._worker
            if worker is not None and not worker.ended:
                return worker
            if time.monotonic() < self._down_until:
                raise WorkerUnavailable("the model stream process failed to start a moment ago")
            try:  # (shielded: a Stop meanwhile must not leave a started worker unrecorded)
                self._worker = await asyncio.shield(self._start())
            except OSError as exc:
                self._failed(f"{type(exc).__name__}: {exc}")
                raise WorkerUnavailable(f"the model stream process did not start: {exc}") from None
            return self._worker

    async def _start(self) -> _Worker:
        loop = asyncio.get_running_loop()
        pipe = subprocess.PIPE
        proc = await loop.run_in_executor(
            None, lambda: subprocess.Popen(self.argv, stdin=pipe, stdout=pipe, cwd=_PACKAGE_ROOT)
        )
        assert proc.stdin is not None and proc.stdout is not None
        try:
            ready: asyncio.Future[None] = loop.create_future()
            stdin, _ = await loop.connect_write_pipe(asyncio.Protocol, proc.stdin)
            worker = _Worker(proc, stdin, ready)
            await loop.connect_read_pipe(lambda: _Replies(self, worker), proc.stdout)
        except BaseException:
            proc.kill()
            raise
        # a worker that never says ready (stuck importing, stopped) is ended: its requests are read
        # in this process instead (nothing of them was read there)
        loop.call_later(READY_TIMEOUT, lambda: None if ready.done() else proc.kill())
        return worker

    def _failed(self, how: str) -> None:
        self._down_until = time.monotonic() + RESTART_AFTER
        log.warning(
            "mcpchat_ext: the model stream process did not start (%s): model replies are read in "
            "the server process for the next %g s (set MCPChatExtension.model_stream_process = False "
            "to always do so)",
            how,
            RESTART_AFTER,
        )

    # -- the worker's lines (pipe protocol callbacks, on the stream thread) ---------------------

    def received(self, worker: _Worker, msg: dict[str, Any], woken: list[ChunkSink]) -> None:
        """A line of ``worker``'s: chunks for a reply's sink (added to ``woken`` when its loop is
        to be woken, after the whole read: stream_thread.wake_all), its end, or its error."""
        rid = msg.get("id")
        entry = worker.entries.get(rid) if isinstance(rid, int) else None
        if entry is None or not isinstance(rid, int):
            if "ready" in msg and not worker.ready.done():
                worker.ready.set_result(None)
            return  # (or the rest of a stream cancelled here meanwhile)
        if entry.done.done():  # (cancelled: a Stop in this same loop pass; its cleanup follows)
            del worker.entries[rid]
            return
        if "c" in msg:
            entry.delivered = True
            if entry.sink.add(list(msg["c"])):
                woken.append(entry.sink)
            return
        del worker.entries[rid]
        if "err" in msg:
            entry.done.set_exception(RemoteError(msg["err"]))
        else:
            entry.done.set_result(None)

    def ended(self, worker: _Worker) -> None:
        """``worker`` closed its stdout: it is ending (or ended)."""
        worker.ended = True
        task = asyncio.get_running_loop().create_task(self._settle(worker))
        self._ending.add(task)
        task.add_done_callback(self._ending.discard)

    async def _settle(self, worker: _Worker) -> None:
        worker.stdin.close()
        code = await asyncio.get_running_loop().run_in_executor(None, _wait, worker.proc)
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit status {code}"
        started = worker.ready.done()
        if not started:
            self._failed(how)
        elif worker.entries:
            log.warning(
                "mcpchat_ext: the model stream process ended (%s) while reading %d replies",
                how,
                len(worker.entries),
            )
        entries, worker.entries = worker.entries, {}
        for entry in entries.values():
            error = StreamCutOff(how, entry.delivered) if started else WorkerUnavailable(how)
            if not entry.done.done():
                entry.done.set_exception(error)


class _Replies(asyncio.Protocol):
    def __init__(self, process: StreamProcess, worker: _Worker) -> None:
        self._process = process
        self._worker = worker
        self._lines = Lines()

    def data_received(self, data: bytes) -> None:
        woken: list[ChunkSink] = []
        try:
            for line in self._lines.feed(data):
                if not line:
                    continue
                try:  # one bad line must not cost the other streams of this read their frames
                    self._process.received(self._worker, json.loads(line), woken)
                except Exception:
                    log.exception("mcpchat_ext: a line of the model stream process could not be read")
        finally:
            wake_all(woken)

    def connection_lost(self, exc: Exception | None) -> None:
        self._process.ended(self._worker)


def _wait(proc: subprocess.Popen[bytes]) -> int | None:
    try:
        return proc.wait(EXIT_WAIT)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


STREAM_PROCESS = StreamProcess()
