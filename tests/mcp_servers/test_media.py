"""Images, audio, resource links and embedded resources of tool results: checked, capped, kept
for the user (the ToolMessage artifact), over stdio and streamable HTTP."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest

from mcpchat_ext.mcp_servers.manager import MCPConnectionManager
from mcpchat_ext.mcp_servers.media import MAX_ITEM_BYTES
from tests.fakes.mcp_edge_server import png_1x1
from tests.fakes.mcp_http_server import HttpServer, running_http_server
from tests.mcp_servers.calls import by_name, call
from tests.mcp_servers.edge import EDGE_MODULE, edge_specs

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]


@pytest.fixture(scope="module")
def edge_http() -> Iterator[HttpServer]:
    with running_http_server(EDGE_MODULE) as server:
        yield server


@pytest.mark.parametrize("transport", ["stdio", "streamable_http"])
async def test_a_real_png_is_kept(
    manager: MCPConnectionManager, edge_http: HttpServer, transport: str
) -> None:
    spec = edge_specs(edge_http)[transport]
    tools = by_name(await manager.get_tools([spec]))
    msg = await call(tools["edge_picture"])
    assert str(msg.content).startswith("a red dot\n[image: image/png")  # what a text-only model reads
    [image] = msg.artifact["media"]
    assert image == {
        "kind": "image",
        "mime_type": "image/png",
        "data": base64.b64encode(png_1x1()).decode(),
        "size": len(png_1x1()),
    }


async def test_hostile_images_are_left_out_with_a_reason(
    manager: MCPConnectionManager, edge_http: HttpServer
) -> None:
    tools = by_name(await manager.get_tools([edge_specs(edge_http)["stdio"]]))
    media = (await call(tools["edge_bad_pictures"])).artifact["media"]
    assert [m.get("data") for m in media] == [None, None, None, None]
    assert [m["note"] for m in media] == [
        "image type not shown",
        "not a valid image: left out",
        "not valid base64: left out",
        f"too large to show ({len(png_1x1()) + 2_100_000} bytes; the limit is {MAX_ITEM_BYTES})",
    ]


async def test_audio_links_and_blobs(manager: MCPConnectionManager, edge_http: HttpServer) -> None:
    tools = by_name(await manager.get_tools([edge_specs(edge_http)["stdio"]]))
    media = (await call(tools["edge_sound"])).artifact["media"]
    kinds = [(m["kind"], m.get("uri"), m.get("note")) for m in media]
    assert kinds[0] == ("audio", None, None) and media[0]["mime_type"] == "audio/wav" and media[0]["data"]
    assert kinds[1] == ("resource_link", "file:///tmp/report.txt", None)
    assert media[1]["server"] == "edge" and media[1]["name"] == "report"
    assert kinds[2] == ("resource_link", None, "not a valid URI: left out")
    assert media[-1]["kind"] == "resource" and media[-1]["uri"] == "file:///tmp/data.bin"
    assert base64.b64decode(media[-1]["data"]) == b"\x00\x01\x02"
