"""ChatWidget over its comm: the frames a frontend would send, the frames it gets back."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest

from mcpchat_ext import ChatWidget as LazyChatWidget
from mcpchat_ext import api
from mcpchat_ext.config import local_user
from mcpchat_ext.widget import ChatWidget, chat_widget
from tests.widget.conftest import RecordingComm, wait_for

pytestmark = pytest.mark.timeout(120)


def of_type(kind: str, **fields: Any) -> Any:
    return lambda f: f.get("type") == kind and all(f.get(k) == v for k, v in fields.items())


def the_comm(widget: ChatWidget) -> RecordingComm:
    assert isinstance(widget.comm, RecordingComm)
    return widget.comm


def test_package_exposes_the_widget() -> None:
    assert LazyChatWidget is ChatWidget


def test_fallback_frontend_when_the_bundle_is_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(chat_widget, "BUNDLE", tmp_path / "missing.js")
    assert chat_widget._esm() == chat_widget.FALLBACK_ESM
    assert "frontend not built: run pip install ." in chat_widget.FALLBACK_ESM
    bundle = tmp_path / "widget.js"
    bundle.write_text("export default {}")
    monkeypatch.setattr(chat_widget, "BUNDLE", bundle)
    assert chat_widget._esm() == bundle


@pytest.mark.asyncio
async def test_synced_traits(widget: ChatWidget) -> None:
    state = widget.get_state()
    assert state["user"] == local_user()
    assert state["height"] == "520px"
    assert state["chat_id"] is None
    # the built bundle (minified: "export{x as default}") or the fallback module
    assert re.search(r"export\s*(default\b|\{[^}]*\bas default\b)", state["_esm"])

    widget.chat_id = "abc"
    updates = [m["data"] for m in the_comm(widget).messages if m["data"].get("method") == "update"]
    assert updates[-1]["state"] == {"chat_id": "abc"}


@pytest.mark.asyncio
async def test_hello_rpc_turn_and_approval(widget: ChatWidget) -> None:
    c = the_comm(widget)
    c.receive({"type": "hello"})
    welcome = await wait_for(c, of_type("welcome"))
    assert welcome["user"] == local_user()
    assert welcome["model"]["demo"] is True
    assert c.frames()[0]["type"] == "welcome"  # nothing before the welcome

    c.receive({"type": "call", "id": "c1", "method": "chats.create", "params": {"servers": ["demo"]}})
    created = await wait_for(c, of_type("result", id="c1"))
    chat_id = created["result"]["id"]
    assert created["result"]["servers"] == ["demo"]
    await wait_for(c, lambda f: f["type"] == "chats_changed" and chat_id in {x["id"] for x in f["chats"]})

    mark = len(c.frames())
    c.receive({"type": "send", "chat_id": chat_id, "text": "add 2 and 3"})
    await wait_for(c, of_type("turn_started", chat_id=chat_id), after=mark)
    required = await wait_for(c, of_type("approval_required", chat_id=chat_id), after=mark)
    [call] = required["calls"]
    assert (call["name"], call["args"]) == ("demo_add", {"a": 2, "b": 3})
    assert call["input_schema"]["properties"].keys() == {"a", "b"}
    assert not any(f["type"] == "tool_result" for f in c.frames()[mark:])  # nothing ran yet

    mark = len(c.frames())
    c.receive(
        {"type": "decide", "chat_id": chat_id, "decisions": [{"call_id": call["id"], "action": "approve"}]}
    )
    decided = await wait_for(c, of_type("approval_decided", chat_id=chat_id), after=mark)
    assert decided["auto"] is False and decided["calls"][0]["id"] == call["id"]
    result = await wait_for(c, of_type("tool_result", chat_id=chat_id), after=mark)
    assert result["message"]["status"] == "success"
    assert float(result["message"]["content"]) == 5
    done = await wait_for(c, of_type("done", chat_id=chat_id), after=mark)
    assert "5" in done["message"]["content"]
    kinds = [f["type"] for f in c.frames()[mark:]]
    assert kinds.index("approval_decided") < kinds.index("tool_started") < kinds.index("tool_result")
    assert kinds.index("tool_result") < kinds.index("done")

    c.receive({"type": "call", "id": "h", "method": "chats.history", "params": {"chat_id": chat_id}})
    history = await wait_for(c, of_type("result", id="h"))
    roles = [m["role"] for m in history["result"]["messages"]]
    assert roles == ["user", "assistant", "tool", "assistant"]
    assert history["result"]["pending"] == []


@pytest.mark.asyncio
async def test_bad_frames_get_errors_and_the_widget_keeps_working(widget: ChatWidget) -> None:
    c = the_comm(widget)
    c.receive({"type": "nope"})
    bad = await wait_for(c, of_type("error", code="bad_frame"))
    assert "invalid frame" in bad["message"]

    c.receive("{not json")
    await wait_for(c, lambda f: f["type"] == "error" and "not JSON" in f["message"])

    c.receive({"type": "call", "id": "x", "method": "chats.history", "params": {"chat_id": "missing"}})
    missing = await wait_for(c, of_type("error", id="x"))
    assert missing["code"] == "not_found"

    c.receive({"type": "send", "chat_id": "missing", "text": "hi"})
    await wait_for(c, of_type("error", chat_id="missing", code="not_found"))

    c.receive({"type": "ping"})  # first ping without hello: welcome first, then pong
    await wait_for(c, of_type("pong"))
    kinds = [f["type"] for f in c.frames()]
    assert kinds.index("welcome") < kinds.index("pong")
    c.receive({"type": "ping"})
    await wait_for(c, of_type("pong"), after=kinds.index("pong") + 1)
    assert [f["type"] for f in c.frames()].count("welcome") == 1


@pytest.mark.asyncio
async def test_messages_from_another_thread(widget: ChatWidget) -> None:
    """ipykernel may handle comm messages on a subshell thread: the engine still runs on its loop."""
    c = the_comm(widget)
    await asyncio.to_thread(c.receive, {"type": "call", "id": "t", "method": "settings.get"})
    settings = await wait_for(c, of_type("result", id="t"))
    assert settings["result"]["user"] == local_user()


@pytest.mark.asyncio
async def test_two_widgets_see_the_same_turn_and_close_stops_frames(client: api.Client) -> None:
    first, second = ChatWidget(), ChatWidget()
    try:
        c1, c2 = the_comm(first), the_comm(second)
        for c in (c1, c2):
            c.receive({"type": "hello"})
            await wait_for(c, of_type("welcome"))
        chat = await client.new_chat(servers=[])
        reply = await chat.ask("hello from python")
        assert reply.error is None
        for c in (c1, c2):  # turns started from the Python API fan out to every widget
            await wait_for(c, of_type("done", chat_id=chat.id))

        second.close()
        await second.bridge.aclose()
        mark1, mark2 = len(c1.frames()), len(c2.frames())
        await chat.ask("once more")
        await wait_for(c1, of_type("done", chat_id=chat.id), after=mark1)
        assert c2.frames()[mark2:] == []
    finally:
        first.close()
        await first.bridge.aclose()


@pytest.mark.asyncio
async def test_widget_follows_the_engine_after_shutdown(tmp_path: Path) -> None:
    try:
        await api.connect(data_dir=tmp_path / "data")
        w = ChatWidget()
        c = the_comm(w)
        c.receive({"type": "hello"})
        await wait_for(c, of_type("welcome"))
        await api.shutdown()

        await api.connect(data_dir=tmp_path / "data")
        c.receive({"type": "call", "id": "l", "method": "chats.list"})
        listed = await wait_for(c, of_type("result", id="l"))
        assert listed["result"] == []
        w.close()
        await w.bridge.aclose()
    finally:
        await api.shutdown()


@pytest.mark.asyncio
async def test_engine_that_cannot_start_is_reported_then_retried(
    client: api.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    working = api.get_workspace

    async def broken(user: str | None = None, config: Any = None) -> Any:
        raise OSError("disk full")

    monkeypatch.setattr(api, "get_workspace", broken)
    w = ChatWidget()
    try:
        c = the_comm(w)
        c.receive({"type": "hello"})
        error = await wait_for(c, of_type("error"))
        assert error["code"] == "internal" and "disk full" in error["message"]

        monkeypatch.setattr(api, "get_workspace", working)  # fixed: the next message retries
        c.receive({"type": "hello"})
        welcome = await wait_for(c, of_type("welcome"))
        assert welcome["user"] == client.user
    finally:
        w.close()
        await w.bridge.aclose()


@pytest.mark.asyncio
async def test_decide_sent_the_instant_approval_is_required(widget: ChatWidget) -> None:
    """A frontend (or policy script) may answer ``approval_required`` before the turn task has
    finished its bookkeeping: that must not be a Conflict."""
    c = the_comm(widget)
    chat_id = ""
    publish = c.publish_msg

    def answer_at_once(msg_type: str, data: dict[str, Any] | None = None, **kw: Any) -> None:
        publish(msg_type, data, **kw)
        frame = (data or {}).get("content") or {}
        if frame.get("type") == "approval_required":
            decisions = [{"call_id": x["id"], "action": "approve"} for x in frame["calls"]]
            c.receive({"type": "decide", "chat_id": chat_id, "decisions": decisions})

    c.publish_msg = answer_at_once  # type: ignore[method-assign]
    c.receive({"type": "call", "id": "n", "method": "chats.create", "params": {"servers": ["demo"]}})
    chat_id = (await wait_for(c, of_type("result", id="n")))["result"]["id"]
    c.receive({"type": "send", "chat_id": chat_id, "text": "add 20 and 22"})
    end = await wait_for(c, lambda f: f["type"] in ("done", "error"))
    assert end["type"] == "done", end
    assert "42" in end["message"]["content"]
