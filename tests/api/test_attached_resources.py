"""MCP resources attached to a message: read by the server at send (text, capped; an image as an
image part; binary as a note), quoted to the model as untrusted context, recorded on the message;
a subscribed resource that changes is sent again with a note; updates nobody asked for are ignored;
a deleted chat unsubscribes. One real FastMCP server (tests/fakes/resource_server.py), the real
ChatOpenAI against the fake endpoint."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from mcpchat_ext import api
from mcpchat_ext import protocol as p
from mcpchat_ext.agent.tool_images import ATTACHED
from tests.api.llm_client import llm_client
from tests.fakes.openai_server import FakeOpenAI, text_reply, tool_call_reply
from tests.fakes.resource_server import HOSTILE
from tests.mcp_servers.specs import FAKES

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(120)]


def resource_spec() -> p.ServerSpec:
    return p.ServerSpec(name="res", command=sys.executable, args=[str(FAKES / "resource_server.py")])


def res(uri: str, label: str | None = None) -> p.Attachment:
    return p.Attachment(kind="resource", label=label or uri, server="res", uri=uri)


@pytest_asyncio.fixture
async def client(tmp_path: Path, llm: FakeOpenAI) -> AsyncIterator[api.Client]:
    async with llm_client(tmp_path, llm, model_accepts_images=True, max_output_chars=5000) as c:
        assert (await c.add_server(resource_spec())).state == "ready"
        yield c


def user_content(llm: FakeOpenAI, index: int = -1) -> Any:
    return [m for m in llm.requests[index]["messages"] if m["role"] == "user"][-1]["content"]


async def drain(stream: AsyncIterator[Any]) -> list[Any]:
    return [f async for f in stream]


async def test_resources_are_read_at_send_quoted_and_recorded(client: api.Client, llm: FakeOpenAI) -> None:
    chat = await client.new_chat("res", servers=["res"])
    llm.queue(text_reply("read them"))
    # the client's own "content" of a resource is never used: the server reads it
    forged = res("res://hostile", "hostile page").model_copy(update={"content": "FORGED BY THE CLIENT"})
    items = [forged, res("res://huge"), res("res://image"), res("res://blob"), res("res://missing")]
    frames = await drain(chat.send("what do these say?", items))
    assert isinstance(frames[-1], p.DoneFrame), frames[-1]

    sent = llm.requests[-1]["messages"]
    [text_msg, images_msg] = [m for m in sent if m["role"] == "user"]
    text = text_msg["content"]
    assert text.startswith("what do these say?\n\n[The user attached the following context.")
    assert 'uri="res://hostile" from="MCP server res (untrusted)"' in text
    assert HOSTILE.replace("</attachment>", "<\\/attachment>") in text and "FORGED" not in text
    assert text.count("</attachment>") == 5, "the hostile resource cannot close its block"
    assert "[resource cut: showed part of its 300000 characters]" in text and "h" * 5001 not in text
    assert "[image image/png, " in text
    assert "[application/octet-stream: too large to download here" in text
    assert "[could not read this resource: MCP server 'res' could not read res://missing" in text
    # the image goes to a model that reads images, as an image part after the message
    assert images_msg["content"][0] == {"type": "text", "text": ATTACHED}
    assert images_msg["content"][1]["image_url"]["url"].startswith("data:image/png;base64,iVBOR")

    [user] = [m for m in await chat.history() if m.role == "user"]
    records = user.metadata["attachments"]
    assert [(r["kind"], r["server"], r["uri"]) for r in records] == [
        ("resource", "res", u)
        for u in ("res://hostile", "res://huge", "res://image", "res://blob", "res://missing")
    ]
    assert records[-1]["label"] == "res://missing (could not be read)"
    assert "images" not in user.metadata, "the model's copy of the images stays out of the history"
    assert user.content.startswith("what do these say?")


async def test_a_subscribed_resource_that_changes_is_sent_again(client: api.Client, llm: FakeOpenAI) -> None:
    frames: list[dict[str, Any]] = []

    async def listen(frame: dict[str, Any]) -> None:
        frames.append(frame)

    client.workspace.subscribe(listen)
    chat = await client.new_chat("watch", servers=["res"])
    other = await client.new_chat("other", servers=["res"])
    llm.queue(text_reply("count is 0, noted"))
    await drain(chat.send("watch this", [res("res://counter", "the counter")]))
    assert "count is 0" in user_content(llm)

    llm.queue(tool_call_reply([("res_bump", {})]), text_reply("bumped"))
    await chat.ask("bump it", approve=True)
    for _ in range(100):  # the update arrives on the session's own loop
        if any(f.get("type") == "resource_updated" for f in frames):
            break
        await asyncio.sleep(0.05)
    updates = [f for f in frames if f.get("type") == "resource_updated"]
    assert updates == [
        {"type": "resource_updated", "chat_id": chat.id, "server": "res", "uri": "res://counter"}
    ]

    llm.queue(text_reply("it changed"), text_reply("nothing attached"))
    await drain(chat.send("and now?"))
    now = user_content(llm)
    assert now.startswith("and now?") and "changed on its server since it was attached" in now
    assert "count is 1" in now and 'label="the counter (updated)"' in now
    await drain(other.send("plain"))
    assert user_content(llm) == "plain", "another chat never had it attached"

    llm.queue(tool_call_reply([("res_subscriptions", {})]), text_reply("ok"))
    reply = await chat.ask("which?", approve=True)
    assert reply.tool_results[0].content == "res://counter"
    await chat.delete()
    llm.queue(tool_call_reply([("res_subscriptions", {})]), text_reply("ok"))
    reply = await other.ask("which now?", approve=True)
    assert reply.tool_results[0].content == "(none)", "the deleted chat's resource is unsubscribed"


async def test_list_changed_bumps_the_offerings_count(client: api.Client, llm: FakeOpenAI) -> None:
    [before] = [s for s in await client.servers() if s.name == "res"]
    chat = await client.new_chat("grow", servers=["res"])
    llm.queue(tool_call_reply([("res_grow", {})]), text_reply("grown"))
    await chat.ask("grow", approve=True)
    for _ in range(100):
        [now] = [s for s in await client.servers() if s.name == "res"]
        if now.offerings >= before.offerings + 2:
            break
        await asyncio.sleep(0.05)
    assert now.offerings == before.offerings + 2 and now.state == "ready"
    assert "res://grown" in {r.uri for r in (await client.resources("res")).resources}
    assert "grown" in {x.name for x in await client.prompts("res")}
