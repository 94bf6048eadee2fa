"""What of a chat's history the model sees: the newest whole turns that fit a token budget.

A chat keeps every message in its checkpoint, but a model's context window is finite: a long chat
would end in "context length exceeded" errors. The agent sends the model the newest messages
whose estimated size fits ``max_context_tokens``, cut at the start of a user turn so that no tool
result is separated from the call it answers; the current turn is always sent whole. Tokens are
estimated as characters / 4 (text plus tool-call arguments), the rule of thumb for English text
with OpenAI-style tokenizers: the budget should leave room for the reply and the tool schemas.
The estimate is corrected by the endpoint's own count: ``scale`` is how many prompt tokens the
last reply's endpoint reported per estimated one (:func:`mcpchat_ext.agent.usage.correction`),
and a model's context window caps the budget (:func:`budget_for`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage

CHARS_PER_TOKEN = 4
OVERHEAD_TOKENS = 4  # role and separators of each message
TRIMMED_NOTE = (
    "Earlier messages of this conversation are not shown to you (they did not fit the context "
    "window). If the user refers to them, say so and ask for the details you need."
)


def estimate_tokens(message: AnyMessage) -> int:
    """A rough token count of ``message``: characters / 4 plus a small per-message overhead."""
    content = message.content
    chars = len(content) if isinstance(content, str) else len(json.dumps(content, default=str))
    if isinstance(message, AIMessage):
        for call in message.tool_calls:
            chars += len(call["name"]) + len(json.dumps(call.get("args") or {}, default=str))
    return chars // CHARS_PER_TOKEN + OVERHEAD_TOKENS


# of a model's context window, what is left for the reply when the catalog gives no max_tokens
REPLY_SHARE = 0.25


def budget_for(max_tokens: int, context_window: int | None, reply_tokens: int | None = None) -> int:
    """The history budget: ``max_tokens`` (0: unlimited), capped by the model's context window
    less room for the reply (``reply_tokens``, else a quarter of the window)."""
    if not context_window:
        return max_tokens
    room = int(context_window * REPLY_SHARE)
    if reply_tokens and reply_tokens < context_window:
        room = reply_tokens
    cap = max(1, context_window - room)
    return cap if max_tokens <= 0 else min(max_tokens, cap)


def fit_history(
    messages: Sequence[AnyMessage], max_tokens: int, scale: float = 1.0
) -> tuple[list[AnyMessage], bool]:
    """The newest whole turns of ``messages`` within ``max_tokens``; and whether any were left out.

    ``max_tokens <= 0`` keeps everything; ``scale`` multiplies every estimate (the endpoint's
    correction). Walks back from the end, so the cost is proportional to what is kept, not to
    the length of the chat.
    """
    if max_tokens <= 0 or not messages:
        return list(messages), False
    if scale != 1.0:
        max_tokens = int(max_tokens / scale)
    # the current turn: from the last user message on (always sent)
    humans = (i for i in range(len(messages) - 1, -1, -1) if isinstance(messages[i], HumanMessage))
    last_human = next(humans, 0)
    used = sum(estimate_tokens(m) for m in messages[last_human:])
    start = last_human
    i = last_human - 1
    while i >= 0:
        used += estimate_tokens(messages[i])
        if used > max_tokens:
            break
        if isinstance(messages[i], HumanMessage):
            start = i  # a whole earlier turn fits
        i -= 1
    if start == 0:
        return list(messages), False
    return list(messages[start:]), True
