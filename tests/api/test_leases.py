"""Cross-process run leases (store/leases.py): one process runs a chat's turn at a time.

Unit tests of :class:`~mcpchat_ext.store.leases.Leases` on one SQLite file with several owners,
then the real thing: two processes approve the same pending call at the same moment, and
exactly one of them runs it (the ledger of a real stdio MCP server says what ran).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from mcpchat_ext import api
from mcpchat_ext import protocol as p
from mcpchat_ext.agent.refusals import INTERRUPTED_TEXT
from mcpchat_ext.store import Store
from mcpchat_ext.store.leases import HOST, Leases
from mcpchat_ext.store.models import RunLease
from mcpchat_ext.users.run_lease import BUSY_ELSEWHERE
from tests.api.children import start_child
from tests.api.crash_child import config as child_config
from tests.fakes.ledger_server import await_line, ledger_lines
from tests.fakes.ledger_server import spec as ledger_spec
from tests.fakes.openai_server import FakeOpenAI, tool_call_reply

# children start slowly on a loaded machine (imports: seconds to tens of seconds)
pytestmark = [pytest.mark.timeout(300), pytest.mark.asyncio]

NOTHING_PENDING = "no tool calls are waiting for approval in this chat"


# -- Leases on one database file ------------------------------------------------------------------


@pytest_asyncio.fixture
async def stores(tmp_path: Path) -> AsyncIterator[list[Store]]:
    """Eight stores on one SQLite file: eight engines, connections and lease owners."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"
    opened = [await Store.open(url)]  # creates the tables
    opened += [await Store.open(url) for _ in range(7)]
    try:
        yield opened
    finally:
        for store in opened:
            await store.close()


def owned_by(store: Store, owner: str, ttl: float = 3600.0) -> Leases:
    """Leases of ``store``'s database under another owner id (another process's, say)."""
    return Leases(async_sessionmaker(store.engine, expire_on_commit=False), owner=owner, ttl=ttl)


async def test_a_held_lease_is_refused_until_it_is_released(stores: list[Store]) -> None:
    a, b = stores[0].leases, stores[1].leases
    assert a.owner != b.owner
    assert await a.acquire("chat-1") is not None
    assert await b.acquire("chat-1") is None
    assert await b.acquire("chat-1") is None  # asking again changes nothing
    assert await stores[1].leases.holder("chat-1") == a.owner
    assert await b.acquire("chat-2") is not None  # leases are per chat
    await b.release("chat-1")  # not its lease: no effect
    assert await stores[2].leases.acquire("chat-1") is None

    await a.release("chat-1")
    assert await b.acquire("chat-1") is not None
    assert await a.holder("chat-1") == b.owner
    assert await a.acquire("chat-1") is None


async def test_a_dead_holder_on_this_host_loses_its_lease_at_once(stores: list[Store]) -> None:
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
    await proc.wait()  # reaped: the pid is gone (a zombie would still answer kill(pid, 0))
    dead = owned_by(stores[0], f"{HOST}:{proc.pid}:deadbeef")
    assert await dead.acquire("chat-1") is not None  # a ttl of an hour: only the pid check frees it
    assert await stores[1].leases.acquire("chat-1") is not None
    assert await stores[1].leases.holder("chat-1") == stores[1].leases.owner


async def test_a_live_holder_keeps_its_lease_until_it_dies(stores: list[Store]) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import sys; sys.stdin.read()", stdin=asyncio.subprocess.PIPE
    )
    try:
        alive = owned_by(stores[0], f"{HOST}:{proc.pid}:cafecafe")
        assert await alive.acquire("chat-1") is not None
        assert await stores[1].leases.acquire("chat-1") is None
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        await proc.wait()
    assert await stores[1].leases.acquire("chat-1") is not None


async def test_a_holder_elsewhere_keeps_its_lease_until_it_expires(stores: list[Store]) -> None:
    # a pid on another host says nothing about that process: only the expiry frees its lease
    elsewhere = owned_by(stores[0], "another-host.example:1:00000000")
    assert await elsewhere.acquire("chat-1") is not None
    assert await stores[1].leases.acquire("chat-1") is None
    lapsed = owned_by(stores[0], "another-host.example:1:11111111", ttl=-1.0)  # expired at once
    assert await lapsed.acquire("chat-2") is not None
    assert await stores[1].leases.acquire("chat-2") is not None


@pytest.mark.parametrize("taken_before", [False, True], ids=["new-row", "released-row"])
async def test_concurrent_acquires_have_exactly_one_winner(stores: list[Store], taken_before: bool) -> None:
    if taken_before:
        assert await stores[0].leases.acquire("chat-1") is not None
        await stores[0].leases.release("chat-1")
    results = await asyncio.gather(*(s.leases.acquire("chat-1") for s in stores))
    winners = [i for i, r in enumerate(results) if r is not None]
    assert len(winners) == 1, results
    assert await stores[0].leases.holder("chat-1") == stores[winners[0]].leases.owner


async def _stored_turns(store: Store, chat_id: str) -> int:
    async with async_sessionmaker(store.engine)() as session:
        return int(await session.scalar(select(RunLease.turns).where(RunLease.chat_id == chat_id)) or 0)


async def test_acquire_returns_the_turn_count_it_stored(stores: list[Store]) -> None:
    """acquire's documented result, 'the turn count after this one': TurnManager compares it with
    the count its own last turn got to see whether another process ran a turn in between."""
    a, b = stores[0].leases, stores[1].leases
    counts = []
    for leases in (a, b, b, a):
        counts.append(await leases.acquire("chat-1"))
        assert counts[-1] == await _stored_turns(stores[0], "chat-1"), counts
        await leases.release("chat-1")
    assert counts == [1, 2, 3, 4]


async def test_acquires_asked_together_share_a_transaction_and_each_get_their_own_answer(
    stores: list[Store],
) -> None:
    """Many chats starting at once take their leases in one transaction (issue 12): each still
    gets its own answer, a chat another owner holds is refused within the same group, and a lease
    another (gone or lapsed) owner left behind is taken over."""
    ours, other = stores[0].leases, stores[1].leases
    assert await other.acquire("held") is not None
    lapsed = owned_by(stores[2], f"{HOST}:999999999:gone", ttl=3600.0)  # no such pid: gone
    assert await lapsed.acquire("left-behind") is not None
    begins = 0
    upserts = 0

    def count(*_: Any) -> None:
        nonlocal begins
        begins += 1

    def count_upserts(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        nonlocal upserts
        upserts += statement.lstrip().upper().startswith("INSERT")

    from sqlalchemy import event

    engine = stores[0].lease_engine
    event.listen(engine, "begin", count)
    event.listen(engine, "before_cursor_execute", count_upserts)
    try:
        ids = [f"chat-{i}" for i in range(40)] + ["held", "left-behind"]
        results = await asyncio.gather(*(ours.acquire(c) for c in ids))
    finally:
        event.remove(engine, "begin", count)
        event.remove(engine, "before_cursor_execute", count_upserts)
    assert results[:40] == [1] * 40
    assert results[40] is None  # another live owner holds it
    assert results[41] == 2  # taken over from the gone process
    assert await ours.holder("left-behind") == ours.owner
    assert await ours.holder("held") == other.owner
    # 42 takes: a handful of transactions (the first alone, the rest together, plus the
    # compare-and-set of each chat another owner held), not one each
    assert begins <= 8, begins
    # and one upsert statement per group, not one per chat (each SQLite call on the writer
    # thread waits for the GIL while the loop is busy: 43 upserts took 250 ms)
    assert upserts <= 4, upserts


# -- two processes, one pending call --------------------------------------------------------------


@pytest_asyncio.fixture
async def engine(data_dir: Path, llm: FakeOpenAI) -> AsyncIterator[dict[str, Any]]:
    try:
        yield child_config(str(data_dir), llm.base_url)
    finally:
        await api.shutdown()


ROUNDS = 5


async def test_two_processes_approving_one_call_run_it_once(
    tmp_path: Path, data_dir: Path, llm: FakeOpenAI, ledger: Path, engine: dict[str, Any]
) -> None:
    client = await api.connect(**engine)
    status = await client.add_server(**ledger_spec(ledger))
    assert status.state == "ready", status.error
    calls: dict[str, str] = {}  # chat id -> its pending call id
    for r in range(ROUNDS):
        chat = await client.new_chat(f"race {r}", servers=["ledger"])
        llm.queue(tool_call_reply([("ledger_record", {"label": f"race-{r}"})]))
        frames = [f async for f in chat.send(f"record race {r}")]
        assert isinstance(frames[-1], p.ApprovalRequiredFrame), frames
        [call] = frames[-1].calls
        calls[chat.id] = call.id
    await api.shutdown()

    children = [
        await start_child("decide", data_dir, llm.base_url, log=tmp_path / f"child-{i}.log") for i in range(2)
    ]
    try:
        for child in children:
            await child.event("ready")  # engine up, ledger server connected, waiting on stdin
        for r, chat_id in enumerate(calls):
            # both get the chat id in the same instant: each approves what it sees pending
            for child in children:
                assert child.proc.stdin is not None
                child.proc.stdin.write(f"{chat_id}\n".encode())
            await asyncio.gather(*(c.proc.stdin.drain() for c in children if c.proc.stdin))
            results = [await c.event("result") for c in children]

            ran = [x for x in results if "tool_result" in x["frames"]]
            refused = [x for x in results if "tool_result" not in x["frames"]]
            assert len(ran) == 1 and len(refused) == 1, results
            assert ran[0]["pending"] == [calls[chat_id]] and ran[0]["frames"][-1] == "done", results
            assert refused[0]["frames"] == [] and "error" not in refused[0], results
            assert refused[0].get("conflict") in (BUSY_ELSEWHERE, NOTHING_PENDING), results
            assert ledger_lines(ledger).count(f"record race-{r}") == 1
        for child in children:
            assert await child.finish() == 0
    finally:
        for child in children:
            await child.kill()

    assert sorted(ledger_lines(ledger)) == sorted(f"record race-{r}" for r in range(ROUNDS))
    client = await api.connect(**engine)
    store = (await api.get_engine()).parts.store
    for chat_id, call_id in calls.items():
        history = await (await client.chat(chat_id)).history()
        answers = [(m.tool_call_id, m.status) for m in history if m.role == "tool"]
        # one real result; a loser that read the history while the winner ran may have added an
        # "interrupted" answer too (test_a_call_running_elsewhere_... pins that bug)
        assert [a for a in answers if a[1] == "success"] == [(call_id, "success")], answers
        assert {a[0] for a in answers} == {call_id}
        [audit] = await store.list_decisions(client.user, chat_id)  # the loser recorded nothing
        assert (audit["call_id"], audit["action"]) == (call_id, "approve")


async def _read_while_running_elsewhere(
    tmp_path: Path, data_dir: Path, llm: FakeOpenAI, ledger: Path, engine: dict[str, Any]
) -> tuple[dict[str, Any], p.HistoryPage, list[p.ChatMessage]]:
    """A child runs an approved ``ledger_slow`` call; this process reads the chat's history while
    it runs (the Jupyter panel next to a notebook using the API). The call, the page read while it
    ran, and the history once the child is done."""
    try:  # a failing set-up is an error, never the expected failure of the tests below
        client = await api.connect(**engine)  # up before the child starts: the read comes at once
        llm.queue(tool_call_reply([("ledger_slow", {"seconds": 6, "label": "elsewhere"})]))
        child = await start_child("tool", data_dir, llm.base_url, str(ledger), log=tmp_path / "child.log")
        try:
            pending = await child.event("pending")
            await await_line(ledger, "start elsewhere")
            page = await client.workspace.history(pending["chat_id"])
            assert "end elsewhere" not in ledger_lines(ledger)  # the read happened while the call ran
            await child.event("finished")
        finally:
            await child.kill()
        history = await (await client.chat(pending["chat_id"])).history()
    except AssertionError as exc:
        raise RuntimeError(f"set-up failed: {exc}") from exc
    return pending, page, history


async def test_a_call_running_elsewhere_is_not_offered_nor_interrupted_and_its_result_stays(
    tmp_path: Path, data_dir: Path, llm: FakeOpenAI, ledger: Path, engine: dict[str, Any]
) -> None:
    # one scenario (a child process, a 6 s call), two findings: what a read while it ran showed,
    # and what the history holds once it ended
    call, page, history = await _read_while_running_elsewhere(tmp_path, data_dir, llm, ledger, engine)
    # the read while it ran: nothing to decide here, and no "interrupted" answer written for it
    assert page.pending == []
    contents = [m.content for m in page.messages]
    assert INTERRUPTED_TEXT not in contents, contents
    assert [m.role for m in page.messages] == ["user", "assistant"]  # no answer yet: it runs
    # once it ended: its one real result, also what the model was told
    assert [m.role for m in history] == ["user", "assistant", "tool", "assistant"], history
    answers = [m for m in history if m.role == "tool"]
    assert [(m.tool_call_id, m.status) for m in answers] == [(call["call_id"], "success")]
    assert "slept 6" in answers[0].content
    told = [m for m in llm.requests[-1]["messages"] if m["role"] == "tool"]
    assert [m["tool_call_id"] for m in told] == [call["call_id"]] and "slept 6" in str(told[0]["content"])
    assert ledger_lines(ledger) == ["start elsewhere", "end elsewhere"]
