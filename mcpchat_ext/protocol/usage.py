"""Token usage and cost: per reply (from the endpoint's own usage data), per tool call (what its
MCP server's sampling requests spent on the chat's model) and per chat (both)."""

from __future__ import annotations

from .base import _Model


class Usage(_Model):
    """What one model reply used, as the endpoint reported it (on a tool result: what the
    server's sampling requests during the call used)."""

    input_tokens: int = 0  # the prompt (history, tool schemas, system prompt)
    output_tokens: int = 0
    cost: float | None = None  # in the catalog's currency (None: the model has no prices)
    model: str | None = None  # the catalog id of the model that answered


class ChatUsage(_Model):
    """A chat's totals, and how full the context window of its model is."""

    input_tokens: int = 0
    output_tokens: int = 0
    cost: float | None = None  # None: no reply of the chat had a price
    replies: int = 0  # replies with usage data
    # of the totals: the tokens (in + out) MCP servers' sampling requests spent
    sampling_tokens: int = 0
    # the last reply's prompt + answer: what the next prompt starts from
    context_tokens: int = 0
    context_window: int | None = None  # of the chat's model (None: not known)
