"""Turn an MCP ``CallToolResult`` into the text a model sees, capped at a maximum length."""

from __future__ import annotations

import json

from mcp import types


def truncation_marker(shown: int, total: int) -> str:
    return f"[output truncated: showed {shown} of {total} chars]"


def cap_output(text: str, max_chars: int) -> tuple[str, bool]:
    """``text`` cut to ``max_chars`` characters plus a marker; and whether it was cut."""
    if len(text) <= max_chars:
        return text, False
    return f"{text[:max_chars]}\n{truncation_marker(max_chars, len(text))}", True


def _block_text(block: types.ContentBlock) -> str:
    if isinstance(block, types.TextContent):
        return block.text
    if isinstance(block, types.ImageContent):
        return f"[image: {block.mimeType}, {len(block.data)} base64 chars]"
    if isinstance(block, types.AudioContent):
        return f"[audio: {block.mimeType}, {len(block.data)} base64 chars]"
    if isinstance(block, types.ResourceLink):
        return f"[resource link: {block.uri}]"
    if isinstance(block, types.EmbeddedResource):
        res = block.resource
        if isinstance(res, types.TextResourceContents):
            return res.text
        return f"[resource: {res.uri} ({res.mimeType or 'binary'})]"
    return f"[{type(block).__name__}]"  # pragma: no cover - future content types


def result_text(result: types.CallToolResult) -> str:
    """All content blocks as text; the structured content when there are none."""
    if result.content:
        return "\n".join(_block_text(b) for b in result.content)
    if result.structuredContent is not None:
        return json.dumps(result.structuredContent, ensure_ascii=False)
    return ""
