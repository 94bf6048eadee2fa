"""Exporting one of a user's chats: what the REST handler, the RPC and the Python API call."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .. import protocol as p
from ..errors import NotFound
from . import formats

if TYPE_CHECKING:
    from ..users.workspace import UserWorkspace

MEDIA_TYPES: dict[str, tuple[str, str]] = {
    "ipynb": ("application/x-ipynb+json", ".ipynb"),
    "md": ("text/markdown; charset=utf-8", ".md"),
    "audit": ("application/json", ".audit.json"),
}
PAGE = 1000


def filename(title: str, fmt: str) -> str:
    """A safe file name from a chat title (letters, digits, '-', '_'; at most 60 characters)."""
    stem = re.sub(r"[^A-Za-z0-9_\-]+", "-", title).strip("-")[:60] or "chat"
    return stem + MEDIA_TYPES[fmt][1]


async def _messages(workspace: UserWorkspace, chat_id: str) -> list[p.ChatMessage]:
    page = await workspace.history(chat_id, offset=0, limit=PAGE)
    messages = list(page.messages)
    while len(messages) < page.total:
        page = await workspace.history(chat_id, offset=len(messages), limit=PAGE)
        if not page.messages:
            break
        messages.extend(page.messages)
    return messages


async def export_chat(workspace: UserWorkspace, chat_id: str, fmt: p.ExportFormat) -> p.ChatExport:
    """The chat ``chat_id`` of the workspace's user as ``fmt`` (NotFound for another user's chat;
    the audit of a deleted chat is still exported, as long as it has decisions)."""
    when = formats.now()
    if fmt == "audit":
        try:
            chat: p.ChatInfo | None = await workspace.get_chat(chat_id)
        except NotFound:
            chat = None
        decisions = await workspace.audit(chat_id)
        if chat is None and not decisions:
            raise NotFound(f"chat '{chat_id}' not found")
        content = formats.audit(chat_id, chat, decisions, when)
        name = filename(chat.title if chat else f"chat-{chat_id}", fmt)
    else:
        chat = await workspace.get_chat(chat_id)
        messages = await _messages(workspace, chat_id)
        render = formats.notebook if fmt == "ipynb" else formats.markdown
        content = render(chat, messages, when)
        name = filename(chat.title, fmt)
    return p.ChatExport(
        chat_id=chat_id, format=fmt, filename=name, media_type=MEDIA_TYPES[fmt][0], content=content
    )
