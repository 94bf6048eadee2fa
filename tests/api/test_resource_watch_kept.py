"""The watch of attached resources (resources/subscribe) is kept in the store: a new engine on
the same files, and a server killed and started again, subscribe again, so an update still
reaches the chat; a deleted chat's resources, and those of a server taken out of a chat, are
unsubscribed from and never subscribed to again. One real FastMCP server
(tests/fakes/resource_server.py, which lists its subscriptions), the real ChatOpenAI against the
fake endpoint, real SQLite."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from mcpchat_ext import api
from tests.api.llm_client import llm_client
from tests.api.test_attached_resources import res, resource_spec, user_content
from tests.fakes.openai_server import FakeOpenAI, text_reply, tool_call_reply
from tests.mcp_servers.specs import server_children

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(180)]


async def drain(stream: AsyncIterator[Any]) -> list[Any]:
    return [f async for f in stream]


def listen(client: api.Client) -> list[dict[str, Any]]:
    frames: list[dict[str, Any]] = []

    async def send(frame: dict[str, Any]) -> None:
        frames.append(frame)

    client.workspace.subscribe(send)
    return frames


async def subscriptions(chat: api.Chat, llm: FakeOpenAI) -> list[str]:
    """What the resource server says its client is subscribed to (a call of its own tool)."""
    llm.queue(tool_call_reply([("res_subscriptions", {})]), text_reply("ok"))
    reply = await chat.ask("which resources are watched?", approve=True)
    listed = reply.tool_results[0].content
    return [] if listed == "(none)" else listed.splitlines()


async def bump(chat: api.Chat, llm: FakeOpenAI) -> None:
    llm.queue(tool_call_reply([("res_bump", {})]), text_reply("bumped"))
    reply = await chat.ask("bump it", approve=True)
    assert reply.tool_results[0].content.startswith("bumped to"), reply.tool_results


async def updated(frames: list[dict[str, Any]], chat_id: str, wait: bool = True) -> list[dict[str, Any]]:
    """The resource_updated frames of ``chat_id`` (the update comes on the session's own loop:
    waits a while for one, unless none is expected: the server sent its updates before the tool
    call's result, which came before the turn's end)."""
    for _ in range(100 if wait else 0):
        if any(f.get("type") == "resource_updated" for f in frames):
            break
        await asyncio.sleep(0.05)
    return [f for f in frames if f.get("type") == "resource_updated" and f.get("chat_id") == chat_id]


async def kill_the_server(client: api.Client) -> None:
    """SIGKILL the resource server's process; return once the engine saw it exit."""
    [proc] = server_children("resource_server.py")
    os.kill(proc.pid, signal.SIGKILL)
    for _ in range(200):
        [status] = [s for s in await client.servers() if s.name == "res"]
        if status.state == "error":
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the killed resource server still shows as {status.state}")


COUNTER = {"type": "resource_updated", "server": "res", "uri": "res://counter"}


async def test_the_watch_outlives_the_engine_and_the_servers_crash(tmp_path: Path, llm: FakeOpenAI) -> None:
    async with llm_client(tmp_path, llm) as client:
        assert (await client.add_server(resource_spec())).state == "ready"
        chat = await client.new_chat("watch", servers=["res"])
        probe = await client.new_chat("probe", servers=["res"])  # (bumps and asks: attaches nothing)
        llm.queue(text_reply("count is 0, noted"))
        await drain(chat.send("watch this", [res("res://counter", "the counter")]))
        assert "count is 0" in user_content(llm)

    async with llm_client(tmp_path, llm) as client:  # a new engine on the same files
        frames = listen(client)
        probe = await client.chat(probe.id)
        await bump(probe, llm)  # (the turn starts the server: its session subscribes again)
        assert await updated(frames, chat.id) == [{**COUNTER, "chat_id": chat.id}]
        assert await subscriptions(probe, llm) == ["res://counter"]  # once

        await kill_the_server(client)
        frames.clear()
        await bump(probe, llm)  # (a new server process, a new session: subscribed again)
        assert await updated(frames, chat.id) == [{**COUNTER, "chat_id": chat.id}]
        assert await subscriptions(probe, llm) == ["res://counter"]

    async with llm_client(tmp_path, llm) as client:  # the update is kept across a restart too
        chat = await client.chat(chat.id)
        llm.queue(text_reply("it changed"))
        await drain(chat.send("and now?"))
        now = user_content(llm)
        assert now.startswith("and now?") and "changed on its server since it was attached" in now
        assert 'label="the counter (updated)"' in now
        assert "count is 0" in now  # (read now: this engine's new server process counts from 0)
        llm.queue(text_reply("same"))
        await drain(chat.send("and again?"))
        assert user_content(llm) == "and again?", "sent once per update"


async def test_a_deleted_chat_or_a_server_taken_out_stops_the_watch(tmp_path: Path, llm: FakeOpenAI) -> None:
    async with llm_client(tmp_path, llm) as client:
        assert (await client.add_server(resource_spec())).state == "ready"
        gone = await client.new_chat("gone", servers=["res"])
        out = await client.new_chat("out", servers=["res"])
        probe = await client.new_chat("probe", servers=["res"])
        for chat in (gone, out):
            llm.queue(text_reply("noted"))
            await drain(chat.send("watch this", [res("res://counter", "the counter")]))
        assert await subscriptions(probe, llm) == ["res://counter"]
        await gone.delete()
        assert await subscriptions(probe, llm) == ["res://counter"], "another chat still has it"
        await out.set_servers([])
        assert await subscriptions(probe, llm) == [], "no chat has it: unsubscribed"
        await out.set_servers(["res"])  # (back in the chat: attach it again to watch it)
        assert await subscriptions(probe, llm) == []

    async with llm_client(tmp_path, llm) as client:  # a new engine: nothing to subscribe to again
        frames = listen(client)
        probe, out = await client.chat(probe.id), await client.chat(out.id)
        assert await subscriptions(probe, llm) == []
        await kill_the_server(client)
        await bump(probe, llm)  # (a new session: still nothing subscribed)
        assert await subscriptions(probe, llm) == []
        assert (
            await updated(frames, out.id, wait=False) == []
            and await updated(frames, gone.id, wait=False) == []
        )
        llm.queue(text_reply("plain"))
        await drain(out.send("anything new?"))
        assert user_content(llm) == "anything new?"
