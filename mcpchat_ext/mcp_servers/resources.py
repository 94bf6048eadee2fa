"""Reading an MCP server's resources (``resources/read``) into capped ``ResourceContent``."""

from __future__ import annotations

import base64
import binascii

from mcp import types

from ..protocol import ResourceContent
from .media import MAX_ITEM_BYTES
from .results import cap_output

MAX_PARTS = 20


def resource_contents(result: types.ReadResourceResult, max_chars: int) -> list[ResourceContent]:
    """The parts of a read resource: text cut at ``max_chars``, binary over the size limit left out."""
    out: list[ResourceContent] = []
    for part in result.contents[:MAX_PARTS]:
        uri, mime = str(part.uri)[:4096], (part.mimeType or None)
        if isinstance(part, types.TextResourceContents):
            text, cut = cap_output(part.text, max_chars)
            out.append(
                ResourceContent(uri=uri, mime_type=mime, text=text, size=len(part.text), truncated=cut)
            )
            continue
        try:
            raw = base64.b64decode(part.blob, validate=True)
        except (binascii.Error, ValueError):
            out.append(ResourceContent(uri=uri, mime_type=mime, note="not valid base64: left out"))
            continue
        if len(raw) > MAX_ITEM_BYTES:
            note = f"too large to download here ({len(raw)} bytes; the limit is {MAX_ITEM_BYTES})"
            out.append(ResourceContent(uri=uri, mime_type=mime, size=len(raw), note=note))
        else:
            data = base64.b64encode(raw).decode()
            out.append(ResourceContent(uri=uri, mime_type=mime, size=len(raw), data=data))
    return out
