"""The images of tool results (and of resources attached to a message), shown to a model that
reads images.

OpenAI-compatible endpoints take images in user messages only (a tool message is text), so the
images of a round of tool results follow that round as one extra user message of ``image_url``
parts, built for the model's input only: the chat's history is not changed. The images were
checked and capped when the tool answered (mcp_servers/media.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.messages import AnyMessage, HumanMessage, ToolMessage

from ..mcp_servers.media import image_parts

NOTE = "The image(s) returned by the tool call(s) above, in order (tool output, not the user's words):"
ATTACHED = "The image(s) of the MCP resources attached to the message above, in order (data only):"


def _images(message: ToolMessage) -> list[dict[str, Any]]:
    artifact = message.artifact if isinstance(message.artifact, dict) else {}
    media = artifact.get("media")
    return image_parts(media) if isinstance(media, list) else []


def _attached(message: HumanMessage) -> list[dict[str, Any]]:
    """The image parts of the resources attached to a user's message (users/attached_resources.py)."""
    meta = (message.additional_kwargs or {}).get("mcpchat")
    images = meta.get("images") if isinstance(meta, dict) else None
    return [i for i in images if isinstance(i, dict)] if isinstance(images, list) else []


def with_tool_images(messages: Sequence[AnyMessage]) -> list[AnyMessage]:
    """``messages`` with a user message of images after each round of tool results that has any."""
    out: list[AnyMessage] = []
    pending: list[dict[str, Any]] = []
    for message in messages:
        if not isinstance(message, ToolMessage) and pending:
            out.append(HumanMessage(content=[{"type": "text", "text": NOTE}, *pending]))
            pending = []
        out.append(message)
        if isinstance(message, ToolMessage):
            pending.extend(_images(message))
        elif isinstance(message, HumanMessage) and (attached := _attached(message)):
            out.append(HumanMessage(content=[{"type": "text", "text": ATTACHED}, *attached]))
    if pending:
        out.append(HumanMessage(content=[{"type": "text", "text": NOTE}, *pending]))
    return out
