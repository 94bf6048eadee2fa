"""The latest checkpoint row of each thread this process runs a turn in, kept in memory.

A turn start reads the thread's latest checkpoint twice: once to write the user's message
(``aupdate_state``) and once when the graph starts, right after that write. Each read was a hop
to the database thread, and with 100 chats starting at once each hop waited ~80 ms for the loop
(benchmarks/README.md, session 7). While this process holds a chat's run lease, no other process
writes its thread (users/run_lease.py), and every write of this process goes through the one
saver: so the saver can know the latest row without reading it back.

:class:`LatestRows` keeps, for the threads it is told to :meth:`~LatestRows.hold`, the rows a
read of the latest checkpoint would return: the checkpoint row and its pending-write rows, as
bytes, exactly as the database has them once committed (the saver still deserialises a fresh copy
on every read).
It learns them from a read of the latest checkpoint, a committed ``aput`` after that (a later
checkpoint id: LangGraph's ids grow, so the newest one is the latest) and committed
``aput_writes`` to that checkpoint (``INSERT OR REPLACE`` / ``OR IGNORE`` by ``(task_id, idx)``,
as the table's key does). Anything it cannot follow drops the thread's rows (a failed write, a
delete), and :meth:`~LatestRows.let_go` drops them before the lease is handed back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Row = tuple[Any, ...]
_Key = tuple[str, str]  # (thread_id, checkpoint_ns)


@dataclass
class _Latest:
    row: Row | None  # (thread_id, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata)
    writes: dict[tuple[str, int], Row] = field(default_factory=dict)  # pending_writes_sql rows


class LatestRows:
    """What a read of the latest checkpoint of each held thread would return."""

    def __init__(self) -> None:
        self._held: dict[str, int] = {}  # thread id -> the hold's number
        self._holds = 0
        self._latest: dict[_Key, _Latest] = {}

    def hold(self, thread_id: str) -> None:
        """Only this process writes ``thread_id`` now (its run lease is held)."""
        if thread_id not in self._held:
            self._holds += 1
            self._held[thread_id] = self._holds

    def let_go(self, thread_id: str) -> None:
        """Another process may write ``thread_id`` from now on: forget its rows."""
        self._held.pop(thread_id, None)
        self.drop(thread_id)

    def reading(self, thread_id: str) -> int | None:
        """(Before a read.) The hold the read's result may be kept under (None: not held)."""
        return self._held.get(thread_id)

    def drop(self, thread_id: str) -> None:
        for key in [k for k in self._latest if k[0] == thread_id]:
            del self._latest[key]

    def get(self, thread_id: str, ns: str, checkpoint_id: str | None) -> tuple[Row | None, list[Row]] | None:
        """The rows a read would return, or None when they are not known here."""
        latest = self._latest.get((thread_id, ns))
        if latest is None or (checkpoint_id and (latest.row is None or latest.row[1] != checkpoint_id)):
            return None
        return latest.row, list(latest.writes.values())

    def read(
        self,
        hold: int | None,
        thread_id: str,
        ns: str,
        checkpoint_id: str | None,
        row: Row | None,
        writes: list[Row],
    ) -> None:
        """The database returned ``row`` and ``writes`` (``checkpoint_id`` None: the latest) for a
        read begun under ``hold`` (:meth:`reading`): kept if that hold still lasts (a read begun
        before the lease was taken may predate another process's last write)."""
        if hold is not None and self._held.get(thread_id) == hold and not checkpoint_id:
            self._latest[(thread_id, ns)] = _Latest(row, {(str(w[0]), int(w[5])): w for w in writes})

    def put(self, row: Row) -> None:
        """A checkpoint row (the saver's ``PUT`` columns) was committed."""
        thread_id, ns, checkpoint_id, parent_id, type_, blob, meta = row
        latest = self._latest.get((thread_id, ns))
        if latest is None:
            return
        read_row = (thread_id, checkpoint_id, parent_id, type_, blob, meta)  # (as _read returns it)
        if latest.row is None or checkpoint_id > latest.row[1]:
            self._latest[(thread_id, ns)] = _Latest(read_row)
        elif checkpoint_id == latest.row[1]:  # (rewritten in place: its writes stay)
            latest.row = read_row

    def put_writes(self, rows: list[Row], *, replace: bool) -> None:
        """Pending-write rows (the saver's write columns) were committed."""
        for thread_id, ns, checkpoint_id, task_id, task_path, idx, channel, type_, value in rows:
            latest = self._latest.get((thread_id, ns))
            if latest is None or latest.row is None or latest.row[1] != checkpoint_id:
                continue  # (a write to an older checkpoint: not the latest's)
            key = (str(task_id), int(idx))
            if replace or key not in latest.writes:
                latest.writes[key] = (task_id, channel, type_, value, task_path, idx)
