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


async def test_a_big_batchs_askers_resume_a_few_per_loop_iteration_in_order() -> None:
    """100 askers of one batch do not all resume on one loop iteration (each would hold the
    iteration: every other callback waited behind them), and a later batch's askers resume only
    after an earlier batch's."""
    from mcpchat_ext.store.group_commit import RESUMED_PER_TURN

    iteration = [0]
    counting = [True]

    def count() -> None:
        iteration[0] += 1
        if counting[0]:
            asyncio.get_running_loop().call_soon(count)

    gate = asyncio.Event()

    async def run(items: list[int]) -> list[int]:
        await gate.wait()
        return items

    group = GroupCommit[int, int](run, stopped="stopped")
    resumed: list[tuple[int, int]] = []  # (item, loop iteration)

    async def ask(i: int) -> None:
        await group.submit(i)
        resumed.append((i, iteration[0]))

    first = [asyncio.ensure_future(ask(i)) for i in range(100)]
    await asyncio.sleep(0)  # (the first batch runs: the next asks go in the second)
    second = [asyncio.ensure_future(ask(i)) for i in range(100, 110)]
    asyncio.get_running_loop().call_soon(count)
    gate.set()
    await asyncio.gather(*first, *second)
    counting[0] = False
    assert [i for i, _ in resumed] == list(range(110))  # (in order, batch after batch)
    per_iteration: dict[int, int] = {}
    for _, it in resumed:
        per_iteration[it] = per_iteration.get(it, 0) + 1
    assert max(per_iteration.values()) <= RESUMED_PER_TURN
