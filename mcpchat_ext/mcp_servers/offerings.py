"""A server's resources and prompts (``resources/list``, ``resources/templates/list``,
``prompts/list``, ``prompts/get``) as protocol records: every page, capped, cleaned.

A server that does not offer resources or prompts (no such capability) has none: an empty list,
not an error.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from mcp import ClientSession, types

from ..protocol import PromptArgument, PromptInfo, PromptMessage, ResourceInfo, ResourceList
from .catalog import clean_title
from .results import cap_output

MAX_ITEMS = 500
MAX_PAGES = 20
MAX_DESCRIPTION = 2000


async def _pages(fetch: Callable[[str | None], Awaitable[Any]], field: str) -> list[Any]:
    items: list[Any] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        page = await fetch(cursor)
        items.extend(getattr(page, field))
        cursor = page.nextCursor
        if not cursor or len(items) >= MAX_ITEMS:
            break
    return items[:MAX_ITEMS]


def _text(value: object) -> str:
    return str(value or "")[:MAX_DESCRIPTION]


async def list_resources(session: ClientSession, caps: types.ServerCapabilities | None) -> ResourceList:
    if caps is None or caps.resources is None:
        return ResourceList()
    resources = await _pages(lambda c: session.list_resources(cursor=c), "resources")
    templates = await _pages(lambda c: session.list_resource_templates(cursor=c), "resourceTemplates")
    return ResourceList(
        resources=[
            ResourceInfo(
                uri=str(r.uri)[:4096],
                name=clean_title(r.name) or "?",
                title=clean_title(r.title),
                description=_text(r.description),
                mime_type=r.mimeType,
            )
            for r in resources
        ],
        templates=[
            ResourceInfo(
                uri_template=str(t.uriTemplate)[:4096],
                name=clean_title(t.name) or "?",
                title=clean_title(t.title),
                description=_text(t.description),
                mime_type=t.mimeType,
            )
            for t in templates
        ],
    )


async def list_prompts(session: ClientSession, caps: types.ServerCapabilities | None) -> list[PromptInfo]:
    if caps is None or caps.prompts is None:
        return []
    prompts = await _pages(lambda c: session.list_prompts(cursor=c), "prompts")
    return [
        PromptInfo(
            name=p.name[:200],
            title=clean_title(p.title),
            description=_text(p.description),
            arguments=[
                PromptArgument(name=a.name[:200], description=_text(a.description), required=bool(a.required))
                for a in (p.arguments or [])[:50]
            ],
        )
        for p in prompts
    ]


def prompt_messages(result: types.GetPromptResult, max_chars: int) -> list[PromptMessage]:
    """The messages of a filled prompt as text (images and resources are named, not included)."""
    out: list[PromptMessage] = []
    for message in result.messages[:100]:
        block = message.content
        if isinstance(block, types.TextContent):
            text = block.text
        elif isinstance(block, types.EmbeddedResource) and isinstance(
            block.resource, types.TextResourceContents
        ):
            text = block.resource.text
        else:
            text = f"[{type(block).__name__} left out]"
        out.append(PromptMessage(role=message.role, text=cap_output(text, max_chars)[0]))
    return out
