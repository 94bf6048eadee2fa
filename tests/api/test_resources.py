"""Reading resources (e.g. a tool result's resource link): API, RPC (the dispatcher) and errors."""

from __future__ import annotations

import base64

import pytest

from mcpchat_ext import api
from mcpchat_ext.errors import MCPServerError, NotFound
from mcpchat_ext.frames.dispatcher import RPC
from tests.mcp_servers.edge import edge_spec

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]


async def test_read_text_and_binary_resources(client: api.Client) -> None:
    assert (await client.add_server(edge_spec())).state == "ready"
    [text] = await client.read_resource("edge", "file:///tmp/report.txt")
    assert text.mime_type == "text/plain" and text.text and text.text.startswith("quarterly report")
    # capped at the chat's output limit, like tool output
    limit = client.workspace._parts.config.max_output_chars
    assert text.size == 2700 and (text.truncated == (2700 > limit))
    [blob] = await RPC["resources.read"](client.workspace, {"server": "edge", "uri": "edge://blob"})
    assert base64.b64decode(blob.data or "") == bytes(range(256)) and blob.size == 256 and blob.text is None


async def test_read_errors_name_what_failed(client: api.Client) -> None:
    assert (await client.add_server(edge_spec())).state == "ready"
    with pytest.raises(MCPServerError, match="could not read edge://nothing"):
        await client.read_resource("edge", "edge://nothing")
    with pytest.raises(NotFound):
        await client.read_resource("nobody", "edge://blob")
