"""The non-text content of a tool result (images, audio, resource links, embedded resources),
checked and capped, for the user's eyes (``ToolMedia``) and, for images, a multimodal model.

Everything is hostile. An image is kept only when it is png, jpeg, gif or webp, its base64 is
valid and its bytes start like its type says (no SVG: it can carry script). Sizes are capped per
item (:data:`MAX_ITEM_BYTES`) and per result (:data:`MAX_RESULT_BYTES`), at most
:data:`MAX_ITEMS` items; what is left out stays in the list with a note saying why.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from mcp import types

from ..protocol import ToolMedia
from .catalog import clean_title

MAX_ITEM_BYTES = 2 * 1024 * 1024
MAX_RESULT_BYTES = 6 * 1024 * 1024
MAX_ITEMS = 20
MAX_URI = 4096
IMAGE_MAGIC = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
}
_MIME = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$")
_URI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]{0,31}:[^\s\x00-\x1f\x7f]*$")


def _mime(value: object) -> str | None:
    text = str(value or "").split(";")[0].strip().lower()
    return text if _MIME.match(text) else None


def _decoded(data: object) -> bytes | None:
    if not isinstance(data, str):
        return None
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return None


_NEVER = ("javascript:", "data:", "vbscript:", "blob:")


def _uri(value: object) -> str | None:
    """A resource URI to ask its server for (never one a browser would run: javascript: etc.)."""
    text = str(value or "")
    if len(text) > MAX_URI or not _URI.match(text) or text.lower().startswith(_NEVER):
        return None
    return text


class _Budget:
    def __init__(self) -> None:
        self.left = MAX_RESULT_BYTES

    def take(self, size: int) -> str | None:
        """None when ``size`` bytes fit (and are taken), else why not."""
        if size > MAX_ITEM_BYTES:
            return f"too large to show ({size} bytes; the limit is {MAX_ITEM_BYTES})"
        if size > self.left:
            return "left out: the result's other content used up the size limit"
        self.left -= size
        return None


def _binary(kind: Any, mime: str | None, data: object, budget: _Budget, **extra: Any) -> ToolMedia:
    raw = _decoded(data)
    if raw is None:
        return ToolMedia(kind=kind, mime_type=mime, note="not valid base64: left out", **extra)
    if kind == "image":
        magic = IMAGE_MAGIC.get(mime or "")
        if magic is None:
            return ToolMedia(kind=kind, mime_type=mime, size=len(raw), note="image type not shown", **extra)
        if not raw.startswith(magic):
            return ToolMedia(
                kind=kind, mime_type=mime, size=len(raw), note="not a valid image: left out", **extra
            )
    if why := budget.take(len(raw)):
        return ToolMedia(kind=kind, mime_type=mime, size=len(raw), note=why, **extra)
    return ToolMedia(kind=kind, mime_type=mime, size=len(raw), data=base64.b64encode(raw).decode(), **extra)


def tool_media(result: types.CallToolResult, server: str) -> list[ToolMedia]:
    """The non-text blocks of ``result`` as ToolMedia (text blocks are the result's text)."""
    out: list[ToolMedia] = []
    budget = _Budget()
    for block in result.content:
        if len(out) >= MAX_ITEMS:
            out.append(ToolMedia(kind="resource", note="more content left out (too many items)"))
            break
        if isinstance(block, types.ImageContent):
            out.append(_binary("image", _mime(block.mimeType), block.data, budget))
        elif isinstance(block, types.AudioContent):
            mime = _mime(block.mimeType)
            if mime is None or not mime.startswith("audio/"):
                out.append(ToolMedia(kind="audio", note="not an audio type: left out"))
            else:
                out.append(_binary("audio", mime, block.data, budget))
        elif isinstance(block, types.ResourceLink):
            uri = _uri(block.uri)
            name = clean_title(block.title or block.name)
            out.append(
                ToolMedia(
                    kind="resource_link", uri=uri, name=name, mime_type=_mime(block.mimeType), server=server
                )
                if uri
                else ToolMedia(kind="resource_link", note="not a valid URI: left out")
            )
        elif isinstance(block, types.EmbeddedResource) and isinstance(
            block.resource, types.BlobResourceContents
        ):
            res = block.resource
            out.append(
                _binary("resource", _mime(res.mimeType), res.blob, budget, uri=_uri(res.uri), server=server)
            )
    return out


def image_parts(media: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The shown images of a result as LangChain ``image_url`` content blocks (data: URLs)."""
    parts = []
    for item in media:
        if item.get("kind") == "image" and item.get("data") and item.get("mime_type") in IMAGE_MAGIC:
            url = f"data:{item['mime_type']};base64,{item['data']}"
            parts.append({"type": "image_url", "image_url": {"url": url}})
    return parts
