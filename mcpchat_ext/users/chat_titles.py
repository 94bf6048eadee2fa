"""A chat's title from its first message, and its time of last use, after each turn."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from .. import protocol as p
from ..errors import NotFound
from ..store import Store

DEFAULT_TITLE = "New chat"


async def after_turn(
    store: Store, user: str, chat: p.ChatInfo, user_text: str | None, changed: Callable[[], Awaitable[None]]
) -> None:
    """Title a chat still called :data:`DEFAULT_TITLE` after its first message (updated_at in the
    same write), else just touch it; then say the chat list changed."""
    try:
        if user_text and chat.title == DEFAULT_TITLE:
            title = " ".join(user_text.split())[:60] or DEFAULT_TITLE
            await store.update_chat(user, chat.id, title=title)
        else:
            await store.touch_chat(user, chat.id)
        await changed()
    except NotFound:  # deleted while the turn ran
        pass
