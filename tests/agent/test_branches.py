"""The checkpoint tree behind branches (agent/branches.py) and the delta-channel storage of forks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mcpchat_ext.agent import runner
from mcpchat_ext.agent.branches import MARK, ROOT, Fork, Tree, load_tree, switch
from mcpchat_ext.agent.checkpoint import open_checkpointer
from mcpchat_ext.agent.graph import build_graph
from mcpchat_ext.agent.run_context import TurnContext
from mcpchat_ext.demo.model import DemoChatModel
from mcpchat_ext.errors import BadRequest


def test_tree_versions_points_and_latest_leaf() -> None:
    # r1 (message a) -> x -> r2 (message b) -> y ; fork: r2' (message b') under x -> z ; root fork r1'
    rows: list[tuple[str, str | None, dict[str, Any]]] = [
        ("01", None, {MARK: "a"}),
        ("02", "01", {}),
        ("03", "02", {MARK: "b"}),
        ("04", "03", {}),
        ("05", "02", {MARK: "b2"}),
        ("06", "05", {}),
        ("07", ROOT, {MARK: "a2"}),
    ]
    tree = Tree(rows)
    assert tree.head == "07" and tree.path() == ["07"]
    [point] = tree.points()
    assert (point.message_id, point.index, point.count) == ("a2", 1, 2)
    assert tree.latest_under("01") == "06"  # where the first version was last shown
    assert tree.fork_of("a2") == Fork(parent=ROOT, replaces="a2")
    with pytest.raises(BadRequest, match="not a user message"):
        tree.fork_of("b")  # not on the shown branch
    tree = Tree(rows[:6])
    assert tree.path() == ["01", "02", "05", "06"]
    assert [(p.message_id, p.index, p.count) for p in tree.points()] == [("b2", 1, 2)]
    assert tree.last_message() == "b2"


@pytest.mark.asyncio
async def test_forks_load_the_same_warm_and_cold(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite"
    context = TurnContext()
    async with open_checkpointer(db) as saver:
        graph = build_graph(DemoChatModel(), saver)

        async def send(text: str, fork: Fork | None = None) -> None:
            state = await runner.check_send(graph, "t")
            async for _ in runner.run_turn(
                graph, chat_id="c", thread_id="t", context=context, user_text=text, state=state, fork=fork
            ):
                pass

        for text in ("one", "two", "three"):
            await send(text)
        tree = await load_tree(saver, "t")
        messages = runner.messages_in(await runner.load_state(graph, "t"))
        two = next(m for m in messages if m.content == "two")
        await send("TWO", tree.fork_of(two.id))
        await send("four")
        tree = await load_tree(saver, "t")
        await send("ONE", tree.fork_of(messages[0].id))  # a fork of the first message (ROOT)
        tree = await load_tree(saver, "t")
        [point] = tree.points()
        assert await switch(graph, "t", tree, point.message_id, 0)
        warm = [m.content for m in runner.messages_in(await runner.load_state(graph, "t"))]
        assert [c for c in warm if not c.startswith("[")] == ["one", "TWO", "four"]
        configs = [c.config async for c in saver.alist({"configurable": {"thread_id": "t"}})]
        warm_at = [[m.id for m in (await graph.aget_state(c)).values.get("messages", [])] for c in configs]
    async with open_checkpointer(db) as cold_saver:  # a new process: nothing cached
        cold = build_graph(DemoChatModel(), cold_saver)
        again = [m.content for m in runner.messages_in(await runner.load_state(cold, "t"))]
        assert again == warm
        for config, ids in zip(configs, warm_at, strict=True):
            assert [m.id for m in (await cold.aget_state(config)).values.get("messages", [])] == ids


@pytest.mark.asyncio
async def test_a_switch_in_another_process_is_what_this_one_loads_next(tmp_path: Path) -> None:
    """Two savers on one file (two processes): A has the thread cached, B switches the branch."""
    db = tmp_path / "c.sqlite"
    context = TurnContext()
    async with open_checkpointer(db) as saver_a, open_checkpointer(db) as saver_b:
        a, b = build_graph(DemoChatModel(), saver_a), build_graph(DemoChatModel(), saver_b)

        async def send(graph: Any, text: str, fork: Fork | None = None) -> None:
            state = await runner.check_send(graph, "t")
            async for _ in runner.run_turn(
                graph, chat_id="c", thread_id="t", context=context, user_text=text, state=state, fork=fork
            ):
                pass

        def users(graph_state: Any) -> list[str]:
            return [m.content for m in runner.messages_in(graph_state) if m.role == "user"]

        await send(a, "one")
        await send(a, "two")
        first = runner.messages_in(await runner.load_state(a, "t"))[0]
        await send(a, "ONE", (await load_tree(saver_a, "t")).fork_of(first.id))
        assert users(await runner.load_state(a, "t")) == ["ONE"]  # A's cache holds this branch

        tree = await load_tree(saver_b, "t")
        [point] = tree.points()
        assert await switch(b, "t", tree, point.message_id, 0)
        assert users(await runner.load_state(a, "t")) == ["one", "two"]  # A sees B's switch
        await send(a, "three")  # and continues that branch
        assert users(await runner.load_state(b, "t")) == ["one", "two", "three"]
