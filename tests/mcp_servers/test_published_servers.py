"""Real servers: the published ``mcp-server-time`` and the bundled demo server, over stdio."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from datetime import datetime

import pytest
import pytest_asyncio

from mcpchat_ext.mcp_servers.manager import MCPConnectionManager
from mcpchat_ext.protocol import ServerSpec
from tests.mcp_servers.calls import by_name, call
from tests.mcp_servers.specs import demo_spec

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(90)]


@pytest_asyncio.fixture
async def roomy() -> AsyncIterator[MCPConnectionManager]:
    mgr = MCPConnectionManager(tool_timeout=10.0, connect_timeout=20.0, max_output_chars=10_000)
    try:
        yield mgr
    finally:
        await mgr.aclose()


async def test_mcp_server_time(roomy: MCPConnectionManager) -> None:
    manager = roomy
    spec = ServerSpec(
        name="time",
        command=sys.executable,
        args=["-m", "mcp_server_time", "--local-timezone", "UTC"],
    )
    status = await manager.connect(spec)
    assert status.state == "ready", status.error
    assert {t.name for t in status.tools} == {"time_get_current_time", "time_convert_time"}
    tools = by_name(await manager.get_tools([spec]))
    msg = await call(tools["time_get_current_time"], timezone="Europe/Berlin")
    data = json.loads(str(msg.content))
    assert data["timezone"] == "Europe/Berlin"
    assert datetime.fromisoformat(data["datetime"]).tzinfo is not None
    converted = json.loads(
        str(
            (
                await call(
                    tools["time_convert_time"],
                    source_timezone="UTC",
                    time="12:00",
                    target_timezone="Asia/Tokyo",
                )
            ).content
        )
    )
    assert converted["target"]["datetime"].endswith("21:00:00+09:00")


async def test_demo_server(manager: MCPConnectionManager) -> None:
    spec = demo_spec()
    status = await manager.connect(spec)
    assert status.state == "ready", status.error
    infos = {t.name: t for t in status.tools}
    assert {"demo_add", "demo_multiply", "demo_current_time", "demo_word_count", "demo_roll_dice"} <= set(
        infos
    )
    assert all(len(t.description) > 15 for t in infos.values())
    tools = by_name(await manager.get_tools([spec]))
    assert (await call(tools["demo_add"], a=2, b=3)).content == "5"
    assert (await call(tools["demo_multiply"], a=4, b=2.5)).content == "10"
    counts = json.loads(str((await call(tools["demo_word_count"], text="one two\nthree")).content))
    assert counts == {"words": 3, "characters": 13, "lines": 2}
    now = str((await call(tools["demo_current_time"], timezone="Asia/Tokyo")).content)
    assert now.endswith("+09:00")
    dice = str((await call(tools["demo_roll_dice"], sides=6, count=3)).content)
    assert dice.startswith("rolled 3d6: ") and "(total " in dice


async def test_demo_server_does_not_import_jupyter() -> None:
    code = (
        "import sys, mcpchat_ext.demo.server; "
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('jupyter_server', 'jupyter_events', 'tornado', 'langchain_core', 'langgraph', 'sqlalchemy')]; "
        "print(bad)"
    )
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", code, stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    assert out.decode().strip() == "[]"
