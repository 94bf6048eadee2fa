"""A CPU profile of a stretch of page work through CDP (``Profiler``), summed by function.

Used by ``bench_ui.py --profile``: where the main thread's time goes while a reply streams, self
time per function (``(program)``, ``(garbage collector)`` and ``(idle)`` as Chromium names them;
layout and style are under ``(program)`` as they run outside JavaScript).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def profiled(cdp: Any, work: Callable[[], T]) -> tuple[T, dict[str, float]]:
    """Run ``work`` under the sampling profiler; its result and ms of self time per function."""
    cdp.send("Profiler.enable")
    cdp.send("Profiler.setSamplingInterval", {"interval": 200})  # microseconds
    cdp.send("Profiler.start")
    try:
        result = work()
    finally:
        profile = cdp.send("Profiler.stop")["profile"]
        cdp.send("Profiler.disable")
    return result, self_times(profile)


def self_times(profile: dict[str, Any]) -> dict[str, float]:
    nodes = {n["id"]: n for n in profile["nodes"]}
    deltas = profile.get("timeDeltas") or []
    out: dict[str, float] = defaultdict(float)
    for node_id, delta in zip(profile.get("samples") or [], [*deltas[1:], 0], strict=False):
        frame = nodes[node_id]["callFrame"]
        url = str(frame.get("url") or "").rsplit("/", 1)[-1]
        where = f" {url}:{frame.get('lineNumber', 0) + 1}:{frame.get('columnNumber', 0) + 1}" if url else ""
        out[(frame.get("functionName") or "(anonymous)") + where] += delta / 1000
    return dict(out)


def top(times: dict[str, float], n: int = 15, skip: tuple[str, ...] = ("(idle)",)) -> list[tuple[str, float]]:
    rows = [(k, v) for k, v in times.items() if k not in skip]
    return sorted(rows, key=lambda kv: -kv[1])[:n]
