"""Checkpoints: pending approvals survive a restart; storage grows linearly; delete."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from mcpchat_ext import protocol as p
from mcpchat_ext.agent.checkpoint import open_checkpointer
from mcpchat_ext.agent.graph import build_graph
from mcpchat_ext.errors import Conflict
from tests.agent.conftest import Turns
from tests.agent.toolkit import ToolBox, chat_model
from tests.fakes.openai_server import FakeOpenAI, text_reply, tool_call_reply

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.asyncio
async def test_pending_approval_survives_restart(tmp_path: Path, llm: FakeOpenAI) -> None:
    db = tmp_path / "restart" / "ckpt.sqlite"
    llm.queue(
        tool_call_reply([("fake_add", {"a": 4, "b": 5}), ("fake_echo", {"text": "yo"})]),
        text_reply("9 and yo."),
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.agent.restart_child",
        str(db),
        llm.base_url,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, err.decode()
    ids = json.loads(out.decode().strip().splitlines()[-1])
    assert len(ids) == 2

    box = ToolBox()
    async with open_checkpointer(db) as saver:
        turns = Turns(build_graph(chat_model(llm.base_url), saver), box, thread_id="thread-r")
        pending = await turns.pending()
        assert [c.id for c in pending] == ids
        assert [c.name for c in pending] == ["fake_add", "fake_echo"]
        assert pending[0].server == "fake"
        with pytest.raises(Conflict):
            await turns.send("something else")
        frames = await turns.decide(
            [
                p.Decision(call_id=ids[0], action="approve"),
                p.Decision(call_id=ids[1], action="edit", args={"text": "edited"}),
            ]
        )
    assert box.calls == [("fake_add", {"a": 4, "b": 5}), ("fake_echo", {"text": "edited"})]
    assert frames[-1].type == "done" and frames[-1].message.content == "9 and yo."


async def _turn(turns: Turns, llm: FakeOpenAI, i: int) -> None:
    llm.queue(
        tool_call_reply([("fake_echo", {"text": f"turn {i} " + "pad " * 20})]),
        text_reply(f"answer {i} " + "word " * 40),
    )
    frames = await turns.send(f"question {i} " + "lorem " * 40)
    assert frames[-1].type == "done"


def _db_bytes(db: Path) -> int:
    return sum(f.stat().st_size for f in db.parent.glob(db.name + "*"))


@pytest.mark.asyncio
async def test_checkpoint_storage_grows_linearly(
    db_path: Path, checkpointer: Any, llm: FakeOpenAI, box: ToolBox
) -> None:
    turns = Turns(build_graph(chat_model(llm.base_url), checkpointer), box)
    turns.policy = lambda server, tool: True
    sizes = []
    for i in range(60):
        await _turn(turns, llm, i)
        if i in (9, 19, 49, 59):
            await checkpointer.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            sizes.append(await asyncio.to_thread(_db_bytes, db_path))
    early = (sizes[1] - sizes[0]) / 10  # bytes per turn around turns 10-20
    late = (sizes[3] - sizes[2]) / 10  # bytes per turn around turns 50-60
    # quadratic growth (full message list per checkpoint) would make late ~4x early
    assert late < 2 * early, sizes
    history = await turns.history()
    assert len(history) == 60 * 4
    assert history[-1].content.startswith("answer 59")


@pytest.mark.asyncio
async def test_delete_thread(turns: Turns, llm: FakeOpenAI, checkpointer: Any) -> None:
    llm.queue(text_reply("hi"))
    await turns.send("hello")
    assert len(await turns.history()) == 2
    await checkpointer.adelete_thread(turns.thread_id)
    assert await turns.history() == []
    assert await turns.pending() == []


@pytest.mark.asyncio
async def test_history_conversion(turns: Turns, llm: FakeOpenAI) -> None:
    turns.policy = lambda server, tool: tool == "big"
    llm.queue(tool_call_reply([("fake_big", {"n": 1})], text="Let me look."), text_reply("Done."))
    await turns.send("big please")
    history = await turns.history()
    assert [m.role for m in history] == ["user", "assistant", "tool", "assistant"]
    user, ai, tool, reply = history
    assert user.content == "big please" and user.id
    assert ai.content == "Let me look." and ai.tool_calls[0].name == "fake_big"
    assert ai.tool_calls[0].args == {"n": 1}
    assert tool.tool_call_id == ai.tool_calls[0].id and tool.name == "fake_big"
    assert tool.status == "success" and tool.metadata["truncated"] is True
    assert reply.content == "Done." and reply.tool_calls == []
    assert len({m.id for m in history}) == 4
    for m in history:  # every record is valid on the wire
        p.ChatMessage.model_validate(p.dump(m))
