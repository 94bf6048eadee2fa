"""The SQLite checkpointer of the agent graph.

``ChatSaver`` is LangGraph's ``AsyncSqliteSaver`` with two changes, both measured with
``benchmarks/bench_checkpoint_growth.py``:

* compact channel versions: plain integers instead of 52-byte ``"<32 digits>.<random>"``
  strings (a checkpoint holds ~12 of them and its ``versions_seen`` as many again; a tool-using
  turn writes ~6 checkpoints). Threads whose versions are already strings keep string versions,
  so versions within one thread always compare.
* an in-process cache of each thread's rebuilt delta channels (the message log), keyed by the
  checkpoint id it was rebuilt at. Loading a later checkpoint walks parent ids back to the cached
  one (a few steps: one turn's checkpoints) and replays only the writes since, instead of
  walking back to the last snapshot and deserialising the whole history every load.
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections import OrderedDict
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite
from langchain_core.runnables import RunnableConfig
from langgraph.channels import DeltaChannel
from langgraph.checkpoint.base import DeltaChannelHistory, get_checkpoint_id
from langgraph.checkpoint.serde.types import _DeltaSnapshot
from langgraph.checkpoint.sqlite._delta import (
    DELTA_STAGE1_SQL,
    build_delta_channels_writes_history,
    build_delta_stage2_sql,
)

from .checkpoint_hops import OneHopSaver
from .state import MESSAGES_CHANNEL, share_ids

CACHED_THREADS = 64  # threads whose rebuilt message log is kept in memory (LRU)
MAX_WALK = 64  # parent steps searched for the cached checkpoint before a full rebuild

_Key = tuple[str, str]  # (thread_id, checkpoint_ns)


class ChatSaver(OneHopSaver):
    """``AsyncSqliteSaver`` with integer channel versions, a delta-channel cache and one database
    hop per tuple read or write (agent/checkpoint_hops.py)."""

    def __init__(
        self,
        conn: aiosqlite.Connection,
        *,
        delta_specs: Mapping[str, DeltaChannel[Any]] | None = None,
        cached_threads: int = CACHED_THREADS,
    ) -> None:
        super().__init__(conn)
        # Channels the cache rebuilds itself (name -> a channel of the same reducer).
        self._delta_specs = dict(delta_specs if delta_specs is not None else {"messages": MESSAGES_CHANNEL})
        self._cached_threads = cached_threads
        # (thread, ns) -> (checkpoint id, {channel: value at that checkpoint})
        self._cache: OrderedDict[_Key, tuple[str, dict[str, Any]]] = OrderedDict()

    def get_next_version(self, current: str | int | None, channel: None) -> Any:
        if isinstance(current, str):  # a thread written with string versions keeps them
            return super().get_next_version(current, channel)
        return 1 if current is None else int(current) + 1

    async def adelete_thread(self, thread_id: str) -> None:
        for key in [k for k in self._cache if k[0] == str(thread_id)]:
            del self._cache[key]
        await super().adelete_thread(thread_id)

    def _remember(self, key: _Key, checkpoint_id: str, values: dict[str, Any]) -> None:
        self._cache[key] = (checkpoint_id, values)
        self._cache.move_to_end(key)
        while len(self._cache) > self._cached_threads:
            self._cache.popitem(last=False)

    def _rebuild(self, ch: str, history: DeltaChannelHistory) -> Any:
        spec = self._delta_specs[ch]
        channel = spec.from_checkpoint(history.get("seed", None))
        channel.replay_writes(history["writes"])
        return channel.value

    async def _walk_to(
        self, key: _Key, target_id: str, channels: Sequence[str], cached_id: str, cached: dict[str, Any]
    ) -> tuple[list[str], dict[str, Any]] | None:
        """Ancestors of target (newest first) up to the cached checkpoint or a stored snapshot.

        Returns the chain (whose writes rebuild target from the seed) and each channel's seed
        blob, or None when neither is within ``MAX_WALK`` steps. A snapshot must stop the walk:
        a run with ``durability="exit"`` stores no writes for a channel it snapshots.
        """
        thread_id, ns = key
        chain: list[str] = []
        seeds: dict[str, Any] | None = None
        started = False
        async with self.lock, self.conn.cursor() as cur:
            await cur.execute(DELTA_STAGE1_SQL, (thread_id, ns, target_id, thread_id, ns))
            async for cid, type_tag, blob in cur:
                if not started:
                    started = cid == target_id
                    continue
                if cid == target_id or cid in chain or len(chain) >= MAX_WALK:
                    break  # a loop in the chain, or too far: full rebuild
                chain.append(cid)
                if cid == cached_id:
                    seeds = {ch: _DeltaSnapshot(cached[ch]) for ch in channels}
                    break
                values = self.serde.loads_typed((type_tag, blob)).get("channel_values") or {}
                found = [ch for ch in channels if ch in values]
                if found:
                    if len(found) == len(channels):
                        seeds = {ch: values[ch] for ch in channels}
                    break
        return None if seeds is None else (chain, seeds)

    async def _writes_since(
        self, key: _Key, channels: Sequence[str], chain: list[str], seeds: dict[str, Any]
    ) -> dict[str, DeltaChannelHistory]:
        thread_id, ns = key
        sql = build_delta_stage2_sql(
            has_task_path=self._has_task_path, chain_lens=[len(chain)] * len(channels)
        )
        params: list[Any] = []
        for ch in channels:
            params.extend([thread_id, ns, ch, *chain])
        async with self.lock, self.conn.cursor() as cur:
            await cur.execute(sql, params)
            rows = list(await cur.fetchall())
        return build_delta_channels_writes_history(
            channels=channels,
            chain_by_ch={ch: chain for ch in channels},
            seed_val_by_ch=seeds,
            seeded=set(channels),
            stage2_rows=rows,  # type: ignore[arg-type]
            serde=self.serde,
        )

    async def aget_delta_channel_history(
        self, *, config: RunnableConfig, channels: Sequence[str]
    ) -> Mapping[str, DeltaChannelHistory]:
        channels = list(channels)
        if not channels or any(ch not in self._delta_specs for ch in channels):
            return await super().aget_delta_channel_history(config=config, channels=channels)
        await self.setup()
        conf = config["configurable"]
        key: _Key = (str(conf["thread_id"]), str(conf.get("checkpoint_ns", "")))
        target_id = get_checkpoint_id(config)
        if not target_id:
            target = await self.aget_tuple(config)
            if target is None:
                return {ch: {"writes": []} for ch in channels}
            target_id = target.config["configurable"]["checkpoint_id"]
        history: Mapping[str, DeltaChannelHistory] | None = None
        cached = self._cache.get(key)
        if cached is not None and all(ch in cached[1] for ch in channels):
            cached_id, values = cached
            if cached_id == target_id:
                history = {ch: {"writes": [], "seed": _DeltaSnapshot(values[ch])} for ch in channels}
            else:
                walk = await self._walk_to(key, target_id, channels, cached_id, values)
                if walk is not None:
                    history = await self._writes_since(key, channels, *walk)
        if history is None:
            target_config: RunnableConfig = {"configurable": {**conf, "checkpoint_id": target_id}}
            history = await super().aget_delta_channel_history(config=target_config, channels=channels)
        values = {ch: self._rebuild(ch, history[ch]) for ch in channels}
        self._remember(key, target_id, values)
        # Each caller gets its own list: the graph must not grow the cached one in place.
        return {ch: {"writes": [], "seed": _DeltaSnapshot(self._copy(values[ch]))} for ch in channels}

    async def lineage(self, thread_id: str) -> list[tuple[str, str | None, dict[str, Any]]]:
        """Every checkpoint of the thread's root namespace: ``(id, parent id, metadata)``, without
        loading any state (agent/branches.py builds the conversation's branches from it)."""
        await self.setup()
        sql = (
            "SELECT checkpoint_id, parent_checkpoint_id, metadata FROM checkpoints "
            "WHERE thread_id = ? AND checkpoint_ns = ''"
        )
        async with self.lock, self.conn.cursor() as cur:
            await cur.execute(sql, (str(thread_id),))
            rows = list(await cur.fetchall())
        return [(str(cid), parent, json.loads(meta) if meta else {}) for cid, parent, meta in rows]

    @staticmethod
    def _copy(value: Any) -> Any:
        duplicate = copy.copy(value)
        share_ids(value, duplicate)  # the next fold onto the copy skips rebuilding its id set
        return duplicate


@asynccontextmanager
async def open_checkpointer(path: Path, saver_class: type[ChatSaver] = ChatSaver) -> AsyncIterator[ChatSaver]:
    """A ``ChatSaver`` (or ``saver_class``) on ``path`` (WAL mode; the parent directory is created)."""
    path = Path(path)
    await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
    conn = await aiosqlite.connect(str(path))
    try:
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.commit()
        saver = saver_class(conn)
        await saver.setup()
        yield saver
    finally:
        await conn.close()
