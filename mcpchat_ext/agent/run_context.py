"""What one run of the agent graph gets besides its state: LangGraph's typed run context.

The tools of the chat's MCP servers, the approval policy and the per-run limits are passed to
``graph.astream(..., context=TurnContext(...))`` and reach every node as ``runtime.context``,
instead of travelling untyped in ``config["configurable"]``. Nothing here is checkpointed: a
resumed run gets the context of its own invocation (the tools as connected now).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel

from ..config import DEFAULT_MAX_TOOL_ROUNDS
from .asks import ChatAsks
from .catalog import ModelEntry
from .progress import RunningCalls
from .toolset import Toolset

Action = Literal["allow", "ask", "deny"]


@dataclass(frozen=True)
class Verdict:
    """What the approval policy says of one call: run it (allow), put it on a card (ask), or tell
    the model it is blocked (deny); ``rule`` names what decided, for the card and the audit."""

    action: Action
    rule: str | None = None


ASK = Verdict("ask")

# (server, server's tool name, whether the server claims the tool is read-only) -> Verdict.
# Called inside the graph: pure, no I/O. The claim only matters to a rule made for it.
Policy = Callable[[str, str, bool], Verdict]


def always_ask(_server: str, _tool: str, _read_only: bool = False) -> Verdict:
    """The default policy: every tool call needs the user's approval."""
    return ASK


@dataclass(frozen=True)
class TurnContext:
    tools: Toolset = field(default_factory=lambda: Toolset(()))
    policy: Policy = always_ask
    # awaited by the tools node with the steps a rule decided, before any call of the round runs:
    # the audit holds what a rule allowed (or blocked) before it can run
    before_run: Callable[[Sequence[dict[str, Any]]], Awaitable[None]] | None = None
    system_prompt: str | None = None
    max_tool_rounds: int = DEFAULT_MAX_TOOL_ROUNDS
    # estimated tokens of history sent to the model (0: all; see agent/context.py)
    max_context_tokens: int = 0
    # the chat's model (None: the graph's own) and its catalog entry (prices, context window, key)
    model: BaseChatModel | None = None
    model_entry: ModelEntry | None = None
    # the model reads images: those of tool results go to it as image content (agent/tool_images)
    accepts_images: bool = False
    # the chat's running calls, so that one can be cancelled from its card (None: not possible)
    running: RunningCalls | None = None
    # the chat's open MCP server requests (elicitation, sampling) of its calls (None: declined)
    asks: ChatAsks | None = None
