"""The published server-everything (npm) over stdio, streamable HTTP and SSE: annotations and
titles, images, resource links that open, and progress notifications of a long operation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mcpchat_ext.mcp_servers.manager import MCPConnectionManager
from mcpchat_ext.protocol import ServerSpec
from tests.mcp_servers.calls import by_name, call
from tests.mcp_servers.everything import running_everything, stdio_spec

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(90)]


@pytest.fixture(params=["stdio", "streamableHttp", "sse"])
def everything(request: pytest.FixtureRequest) -> Iterator[ServerSpec]:
    if request.param == "stdio":
        yield stdio_spec()
    else:
        with running_everything(request.param) as spec:
            yield spec


async def test_annotations_images_links_and_progress(everything: ServerSpec) -> None:
    mgr = MCPConnectionManager(tool_timeout=20.0, connect_timeout=30.0, max_output_chars=5000)
    try:
        status = await mgr.connect(everything)
        assert status.state == "ready", status.error
        infos = {t.tool: t for t in status.tools}
        long_op = infos["trigger-long-running-operation"]
        assert long_op.title == "Trigger Long Running Operation Tool"
        assert long_op.annotations and long_op.annotations.claims_read_only
        assert long_op.annotations.open_world is False

        tools = by_name(await mgr.get_tools([everything]))
        image = await call(tools["everything_get-tiny-image"])
        [png] = [m for m in image.artifact["media"] if m["kind"] == "image"]
        assert png["mime_type"] == "image/png" and png["data"] and png["size"] > 0

        links = await call(tools["everything_get-resource-links"], count=2)
        found = [m for m in links.artifact["media"] if m["kind"] == "resource_link"]
        assert len(found) == 2 and all(m["server"] == "everything" for m in found)
        contents = await mgr.read_resource("everything", found[0]["uri"])
        assert contents and (contents[0].text or contents[0].data)

        # a progress token goes with every call: the server reports each step
        seen: list[tuple[float, float | None]] = []

        async def progress(done: float, total: float | None, message: str | None) -> None:
            seen.append((done, total))

        worker = await mgr._worker_for_call("everything")
        args = {"duration": 0.6, "steps": 3}
        result = await worker.call("trigger-long-running-operation", args, 20.0, progress)
        assert not result.isError
        assert seen == [(1, 3), (2, 3), (3, 3)]
    finally:
        await mgr.aclose()
