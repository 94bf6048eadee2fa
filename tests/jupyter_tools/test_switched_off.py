"""The administrator's off switch: ``MCPChatExtension.jupyter_tools = False``."""

from __future__ import annotations

from typing import Any

import pytest

from .test_switch import api, refused


@pytest.fixture
def mcpchat_config(mcpchat_config: dict[str, Any]) -> dict[str, Any]:
    return {**mcpchat_config, "jupyter_tools": False}


async def test_the_administrator_can_switch_them_off(jp_fetch: Any, jp_serverapp: Any) -> None:
    assert "jupyter" not in [s["name"] for s in await api(jp_fetch, "servers")]
    error = await refused(jp_fetch, "chats", data={"servers": ["jupyter"]})
    assert "unknown MCP server" in error["message"]
    # a builtin spec under that name cannot come back through the user's own servers either
    fake = {"name": "jupyter", "transport": "builtin"}
    assert "built-in" in (await refused(jp_fetch, "servers", data=fake))["message"]
