"""Group commit: work asked for while a batch is being done goes together in the next batch.

One database transaction for many small writes asked for at once (100 chats starting a turn
together): the checkpointer's writes (agent/checkpoint_hops.py) and the run-lease takes
(store/leases.py); and one query for the reads every turn start makes (its chat,
store/chat_rows.py; the user's rules, store/rules.py). A batch starts after each of its items was
asked for, so it sees every write made before. Each asker gets its own item's result, or the
batch's error; a failed batch fails only its own items (those asked for meanwhile go in the next
one); the batches run in a task of their own, so an asker's cancellation cancels nobody else's
work.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

# Askers of a batch given their result on one loop iteration (see GroupCommit._hand_out).
RESUMED_PER_TURN = 8

Item = TypeVar("Item")
Result = TypeVar("Result")


class GroupCommit(Generic[Item, Result]):
    def __init__(self, run: Callable[[list[Item]], Awaitable[list[Result]]], *, stopped: str) -> None:
        """``run(items)``: one result per item, in order. ``stopped``: what the askers waiting
        are told when the batches' task itself is cancelled (the loop is closing)."""
        self._run = run
        self._stopped = stopped
        self._asked: list[tuple[Item, asyncio.Future[Result]]] = []
        self._worker: asyncio.Task[None] | None = None
        self._handing: asyncio.Future[None] | None = None  # the last batch's hand-out

    def submit(self, item: Item) -> asyncio.Future[Result]:
        """The future of ``item``'s result (done once its batch is)."""
        done: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._asked.append((item, done))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.ensure_future(self._work())
        return done

    async def _work(self) -> None:
        while self._asked:
            batch, self._asked = self._asked, []
            try:
                results = await self._run([item for item, _ in batch])
            except Exception as exc:
                _fail(batch, exc)
            except BaseException:
                # the task itself cancelled: nobody waits forever
                _fail([*batch, *self._asked], RuntimeError(self._stopped))
                self._asked = []
                raise
            else:
                before = self._handing
                if len(batch) <= RESUMED_PER_TURN and (before is None or before.done()):
                    _succeed(batch, results)  # (a small batch: at once, no task of its own)
                else:
                    self._handing = asyncio.ensure_future(self._hand_out(batch, results, before))

    async def _hand_out(
        self,
        batch: list[tuple[Item, asyncio.Future[Result]]],
        results: list[Result],
        before: asyncio.Future[None] | None,
    ) -> None:
        """Each asker's result, :data:`RESUMED_PER_TURN` of them per loop iteration (while the
        next batch runs): the askers resume on the iteration after their result is set, and 100
        of them resuming on one iteration held every other callback for tens of milliseconds.
        The batches' results go out in the order the batches ran (``before``: the previous
        batch's hand-out), so the done callbacks of a write never run before an earlier one's."""
        try:
            if before is not None and not before.done():
                await asyncio.wait([before])
            for at in range(0, len(batch), RESUMED_PER_TURN):
                if at:
                    await asyncio.sleep(0)
                _succeed(batch[at : at + RESUMED_PER_TURN], results[at : at + RESUMED_PER_TURN])
        finally:  # (cancelled: the loop is closing; nobody waits forever)
            _fail(batch, RuntimeError(self._stopped))


def _succeed(batch: list[tuple[Item, asyncio.Future[Result]]], results: list[Result]) -> None:
    for (_, done), result in zip(batch, results, strict=True):
        if not done.done():
            done.set_result(result)


def _fail(batch: list[tuple[Item, asyncio.Future[Result]]], exc: BaseException) -> None:
    for _, done in batch:
        if not done.done():
            done.set_exception(exc)
