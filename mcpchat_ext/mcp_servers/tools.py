"""LangChain tools for the tools of a persistent MCP session.

Each tool looks its server up by name on every call, so a tool object handed to the agent keeps
working after its server was reconnected. Calls are bounded by a timeout (the MCP request is
cancelled), the output is capped, and every failure raises ``ToolException`` with a clear message.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from langchain_core.tools import BaseTool, StructuredTool, ToolException
from mcp import McpError, types

from ..agent.call_asker import CallAsker
from ..agent.progress import ProgressReporter
from ..protocol import ToolInfo
from .media import tool_media
from .results import cap_output, result_text
from .worker import CallTimeout, ServerGone, ServerWorker

# returns the ready worker of a server (reconnecting a crashed one) or raises ToolException
WorkerLookup = Callable[[str], Awaitable[ServerWorker]]


def make_tool(
    source: types.Tool,
    info: ToolInfo,
    lookup: WorkerLookup,
    *,
    timeout: float,
    max_output_chars: int,
) -> BaseTool:
    """A tool named ``info.name`` that calls ``info.tool`` (``source``) on its server."""
    server, tool = info.server, info.tool

    async def call(**arguments: Any) -> tuple[str, dict[str, Any]]:
        worker = await lookup(server)
        asker = CallAsker.here()  # the server's elicitation / sampling requests reach the user
        try:
            result = await worker.call(tool, arguments, timeout, ProgressReporter(), asker)
        except CallTimeout:
            raise ToolException(
                f"tool {info.name} timed out after {timeout:g} s (the call was cancelled)"
            ) from None
        except ServerGone as exc:
            raise ToolException(
                f"MCP server '{server}' failed while running {tool}: {exc}; "
                "it will be restarted on the next use"
            ) from None
        except McpError as exc:
            raise ToolException(f"tool {info.name} failed: {exc.error.message}") from None
        finally:
            if asker is not None:
                asker.end()  # a request still open (the call was stopped) is answered as ended
        content, truncated = cap_output(result_text(result), max_output_chars)
        if result.isError:
            raise ToolException(f"tool {info.name} reported an error: {content or 'no details'}")
        artifact: dict[str, Any] = {"truncated": truncated, "server": server, "tool": tool}
        if media := tool_media(result, server):
            artifact["media"] = [m.model_dump(exclude_none=True) for m in media]
        return content, artifact

    return StructuredTool(
        name=info.name,
        description=source.description or f"Tool {tool} of MCP server {server}",
        args_schema=dict(source.inputSchema or {}),
        coroutine=call,
        response_format="content_and_artifact",
        metadata={"server": server, "tool": tool},
    )
