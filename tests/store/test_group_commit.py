"""store/group_commit.py: work asked for together runs in one batch, each asker gets its own
result; a failed batch fails only its own askers; a cancelled worker leaves nobody waiting."""

from __future__ import annotations

import asyncio

import pytest

from mcpchat_ext.store.group_commit import GroupCommit

pytestmark = [pytest.mark.timeout(30)]


async def test_asked_together_one_batch_each_its_own_result() -> None:
    batches: list[list[int]] = []

    async def run(items: list[int]) -> list[int]:
        batches.append(items)
        await asyncio.sleep(0)
        return [i * 10 for i in items]

    group = GroupCommit[int, int](run, stopped="stopped")
    assert await asyncio.gather(*(group.submit(i) for i in range(5))) == [0, 10, 20, 30, 40]
    assert batches == [[0, 1, 2, 3, 4]]


async def test_a_failed_batch_fails_only_its_own_askers() -> None:
    gate = asyncio.Event()

    async def run(items: list[str]) -> list[str]:
        await gate.wait()
        if "bad" in items:
            raise ValueError("disk says no")
        return items

    group = GroupCommit[str, str](run, stopped="stopped")
    bad = group.submit("bad")
    await asyncio.sleep(0)  # the first batch is running
    good = group.submit("good")  # asked meanwhile: the next batch
    gate.set()
    with pytest.raises(ValueError, match="disk says no"):
        await bad
    assert await good == "good"


async def test_a_cancelled_worker_leaves_nobody_waiting() -> None:
    async def run(items: list[int]) -> list[int]:
        await asyncio.Event().wait()  # never done
        return items

    group = GroupCommit[int, int](run, stopped="the writer stopped")
    first = group.submit(1)
    await asyncio.sleep(0)
    second = group.submit(2)  # queued behind the running batch
    assert group._worker is not None
    group._worker.cancel()
    for fut in (first, second):
        with pytest.raises(RuntimeError, match="the writer stopped"):
            await fut
