"""CPU time of processes and threads over a benchmark's window, sampled from ``/proc`` (Linux).

On a shared 2-core VM a latency target can be out of reach because the cores are full, not because
the code waits: the meter says how much of the machine each part used (cores = CPU seconds per
wall second) and so what per-turn and per-token CPU the stack costs.

    meter = CpuMeter({"server": os.getpid(), "endpoint": llm_pid}, threads={"loop": tid})
    meter.start(); ...; meter.stop()
    meter.used(0.0, 0.5)  # {"server": cpu_s, ...} between 0 and 0.5 s after start
"""

from __future__ import annotations

import os
import threading
import time
from bisect import bisect_left

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_of(path: str) -> float | None:
    """utime + stime of a /proc/.../stat file, in seconds (None: gone or not Linux)."""
    try:
        with open(path, "rb") as f:
            stat = f.read()
    except OSError:
        return None
    fields = stat[stat.rindex(b")") + 2 :].split()  # (the name in parentheses may hold spaces)
    return (int(fields[11]) + int(fields[12])) / _TICK


class CpuMeter:
    """Samples every ``every`` seconds on a daemon thread: CPU seconds per named pid and thread."""

    def __init__(
        self, pids: dict[str, int], threads: dict[str, int] | None = None, every: float = 0.05
    ) -> None:
        self._paths = {name: f"/proc/{pid}/stat" for name, pid in pids.items()}
        me = os.getpid()
        self._paths.update({name: f"/proc/{me}/task/{tid}/stat" for name, tid in (threads or {}).items()})
        self._every = every
        self._times: list[float] = []
        self._samples: list[dict[str, float | None]] = []
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self.t0 = 0.0

    def _sample(self) -> None:
        self._times.append(time.perf_counter() - self.t0)
        self._samples.append({name: _cpu_of(path) for name, path in self._paths.items()})

    def start(self) -> None:
        self.t0 = time.perf_counter()
        self._sample()

        def run() -> None:
            while not self._done.wait(self._every):
                self._sample()

        self._thread = threading.Thread(target=run, name="cpu-meter", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()
        self._sample()

    def _at(self, t: float) -> dict[str, float | None]:
        return self._samples[min(bisect_left(self._times, t), len(self._samples) - 1)]

    def window(self, t: float) -> float:
        """The sampled time nearest after ``t`` (the window really measured)."""
        return self._times[min(bisect_left(self._times, t), len(self._times) - 1)]

    def used(self, start: float, end: float) -> dict[str, float]:
        """CPU seconds of each part between two times after :meth:`start` (parts that vanished
        are left out)."""
        a, b = self._at(start), self._at(end)
        return {
            name: y - x for name in self._paths if (x := a[name]) is not None and (y := b[name]) is not None
        }
