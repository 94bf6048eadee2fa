"""What a :class:`~mcpchat_ext.users.turns.TurnManager` is given: the engine's limits for every turn
and the hooks by which turns reach the rest of the user's workspace."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from pydantic import BaseModel

from ..agent.asks import ChatAsks
from ..agent.progress import RunningCalls
from .fanout import Subscriber


@dataclass(frozen=True)
class TurnOptions:
    """The engine's limits for every turn (from EngineConfig, where their defaults live)."""

    system_prompt: str | None
    max_tool_rounds: int
    max_context_tokens: int
    accepts_images: bool = False  # the model reads images of tool results


@dataclass(frozen=True)
class TurnHooks:
    """How turns reach the rest of the user's workspace (passed in, never a back-reference)."""

    broadcast: Callable[[BaseModel], Awaitable[None]]
    subscribe: Callable[[Subscriber], None]
    unsubscribe: Callable[[Subscriber], None]
    chats_changed: Callable[[], Awaitable[None]]
    touch: Callable[[], None]
    calls: Callable[[str], RunningCalls] | None = None  # a chat's running calls (cancel from a card)
    asks: Callable[[str], ChatAsks] | None = None  # a chat's open MCP server requests
