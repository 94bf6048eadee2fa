"""users/coalesced.py: a burst of requests makes one run; a request while it runs makes another."""

from __future__ import annotations

import asyncio

import pytest

from mcpchat_ext.users.coalesced import Coalesced

pytestmark = [pytest.mark.timeout(30), pytest.mark.asyncio]


async def test_a_burst_makes_one_run_and_a_later_request_another() -> None:
    runs: list[int] = []
    started, release = asyncio.Event(), asyncio.Event()

    async def action() -> None:
        runs.append(len(runs))
        started.set()
        await release.wait()

    once = Coalesced(action, delay=0.01)
    for _ in range(100):  # (100 turns ending together)
        await once()
    await started.wait()
    assert runs == [0]
    await once()  # a change after the list was queried: it is sent again
    release.set()
    for _ in range(200):
        if len(runs) == 2:
            break
        await asyncio.sleep(0.01)
    assert runs == [0, 1]
    await once.aclose()


async def test_a_failing_run_is_logged_and_the_next_request_runs(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[str] = []

    async def action() -> None:
        calls.append("run")
        if len(calls) == 1:
            raise RuntimeError("subscriber gone")

    once = Coalesced(action, delay=0)
    await once()
    await asyncio.sleep(0.05)
    await once()
    await asyncio.sleep(0.05)
    assert calls == ["run", "run"]
    assert "could not send the changed chat list" in caplog.text
    await once.aclose()


async def test_close_cancels_a_run_not_started() -> None:
    calls: list[str] = []

    async def action() -> None:
        calls.append("run")

    once = Coalesced(action, delay=10)
    await once()
    await once.aclose()
    assert calls == []
