"""Calling LangChain tools the way the agent's tool node does (a ToolCall in, a ToolMessage out)."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool

from mcpchat_ext.protocol import ToolInfo


def by_name(tools: list[tuple[ToolInfo, BaseTool]]) -> dict[str, BaseTool]:
    """The manager's tools by model-facing name."""
    return {t.name: t for _, t in tools}


async def call(tool: BaseTool, **args: Any) -> ToolMessage:
    msg = await tool.ainvoke({"type": "tool_call", "id": "call-1", "name": tool.name, "args": args})
    assert isinstance(msg, ToolMessage)
    return msg
