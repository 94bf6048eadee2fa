"""What of a chat's history the model sees: the newest whole turns that fit a token budget.

A chat keeps every message in its checkpoint, but a model's context window is finite: a long chat
would end in "context length exceeded" errors. The agent sends the model the newest messages
whose estimated size fits ``max_context_tokens``, cut at the start of a user turn so that no tool
result is separated from the call it answers; the current turn is always sent whole. Tokens are
estimated as characters / 4 (text plus tool-call arguments), the rule of thumb for English text
with OpenAI-style tokenizers: the budget should leave room for the reply and the tool schemas.
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


def fit_history(messages: Sequence[AnyMessage], max_tokens: int) -> tuple[list[AnyMessage], bool]:
    """The newest whole turns of ``messages`` within ``max_tokens``; and whether any were left out.

    ``max_tokens <= 0`` keeps everything. Walks back from the end, so the cost is proportional to
    what is kept, not to the length of the chat.
    """
    if max_tokens <= 0 or not messages:
        return list(messages), False
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
