"""What one run of the agent graph gets besides its state: LangGraph's typed run context.

The tools of the chat's MCP servers, the approval policy and the per-run limits are passed to
``graph.astream(..., context=TurnContext(...))`` and reach every node as ``runtime.context``,
instead of travelling untyped in ``config["configurable"]``. Nothing here is checkpointed: a
resumed run gets the context of its own invocation (the tools as connected now).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from langchain_core.tools import BaseTool

DEFAULT_MAX_TOOL_ROUNDS = 8

# model-facing tool name -> True when the call may run without asking the user
AutoApprove = Callable[[str], bool]


def never(_name: str) -> bool:
    """The default policy: every tool call needs the user's approval."""
    return False


@dataclass(frozen=True)
class TurnContext:
    tools: Sequence[BaseTool] = field(default_factory=tuple)
    auto_approve: AutoApprove = never
    system_prompt: str | None = None
    max_tool_rounds: int = DEFAULT_MAX_TOOL_ROUNDS
    # estimated tokens of history sent to the model (0: all; see agent/context.py)
    max_context_tokens: int = 0
