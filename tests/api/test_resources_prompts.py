"""Resources and prompts of a server: list, read a (filled) template, fill a prompt; the edge
server (FastMCP) and the published server-everything; a server without them has none."""

from __future__ import annotations

import pytest

from mcpchat_ext import api
from mcpchat_ext import protocol as p
from mcpchat_ext.errors import BadRequest, MCPServerError
from mcpchat_ext.frames.dispatcher import RPC
from tests.mcp_servers.edge import edge_spec
from tests.mcp_servers.everything import stdio_spec as everything_spec
from tests.mcp_servers.specs import fake_stdio_spec

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(90)]


async def test_edge_resources_and_prompts(client: api.Client) -> None:
    assert (await client.add_server(edge_spec())).state == "ready"
    listed = await client.resources("edge")
    assert {r.uri for r in listed.resources} >= {"file:///tmp/report.txt", "edge://blob"}
    [template] = listed.templates
    assert template.uri_template == "edge://notes/{topic}" and template.name == "note"
    [filled] = await client.read_resource("edge", "edge://notes/cats")
    assert filled.text == "notes on cats"

    [review] = await client.prompts("edge")
    assert review.title == "Review some code"
    assert [(a.name, a.required) for a in review.arguments] == [("code", True), ("style", False)]
    [message] = await client.prompt("edge", "review", code="x = 1")
    assert message == p.PromptMessage(role="user", text="Review this code (short):\nx = 1")
    with pytest.raises(MCPServerError, match="could not fill its prompt 'nope'"):
        await client.prompt("edge", "nope")
    with pytest.raises(BadRequest):
        await RPC["prompts.get"](client.workspace, {"server": "edge", "name": "review", "arguments": [1]})


async def test_a_server_without_resources_or_prompts_has_none(client: api.Client) -> None:
    assert (await client.add_server(fake_stdio_spec())).state == "ready"
    listed = await client.resources("fake")
    assert listed.resources == [] and listed.templates == []


async def test_server_everything_resources_and_prompts(client: api.Client) -> None:
    assert (await client.add_server(everything_spec())).state == "ready"
    listed = await client.resources("everything")
    assert listed.resources and listed.templates
    first = listed.resources[0]
    assert first.uri and (await client.read_resource("everything", first.uri))
    prompts = {x.name: x for x in await client.prompts("everything")}
    simple = next(n for n, x in prompts.items() if not any(a.required for a in x.arguments))
    messages = await client.prompt("everything", simple)
    assert messages and all(m.text for m in messages)
