"""Run an MCP server's sampling request on the chat's model, with no tools.

The server's messages become text (images, audio and tool content are named, not sent: the
card showed the user text only, and what runs is what the card showed). ``max_tokens`` is the
server's ask capped by the engine's limit; the model's usage is reported with the result.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from mcp import types

from .. import protocol as p
from .streaming import CHUNK_TIMEOUT, message_text

MAX_TEXT = 50_000  # characters per message shown and sent
MAX_MESSAGES = 100
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean(text: str, limit: int = MAX_TEXT) -> str:
    return _CONTROL.sub("", text)[:limit]


def _block_text(block: Any) -> str:
    if isinstance(block, types.TextContent):
        return block.text
    kind = getattr(block, "type", "content")
    return f"[{kind} content not shown or sent]"


def sampling_texts(params: types.CreateMessageRequestParams) -> list[p.SamplingText]:
    """The request's messages as text (at most MAX_MESSAGES of them)."""
    out = []
    for message in params.messages[:MAX_MESSAGES]:
        text = "\n".join(_block_text(b) for b in message.content_as_list)
        out.append(
            p.SamplingText(role="assistant" if message.role == "assistant" else "user", text=clean(text))
        )
    return out


def model_hints(params: types.CreateMessageRequestParams) -> list[str]:
    prefs = params.modelPreferences
    hints = [clean(h.name, 100) for h in (prefs.hints or []) if h.name] if prefs else []
    return hints[:10]


@dataclass(frozen=True)
class Sampled:
    text: str
    stop_reason: str  # endTurn | maxTokens
    usage: dict[str, int]


def _prompt(messages: list[p.SamplingText], system_prompt: str | None) -> list[BaseMessage]:
    prompt: list[BaseMessage] = [SystemMessage(system_prompt)] if system_prompt else []
    for m in messages:
        prompt.append(AIMessage(m.text) if m.role == "assistant" else HumanMessage(m.text))
    return prompt


async def run_sampling(
    model: BaseChatModel,
    messages: list[p.SamplingText],
    *,
    system_prompt: str | None,
    max_tokens: int,
    temperature: float | None = None,
    stop: list[str] | None = None,
) -> Sampled:
    """The model's answer to ``messages`` (no tools bound); at most ``max_tokens`` tokens."""
    options: dict[str, Any] = {"max_tokens": max_tokens}
    if temperature is not None:
        options["temperature"] = temperature
    if stop:
        options["stop"] = stop[:4]
    runnable = model.bind(**options)
    reply = await asyncio.wait_for(
        runnable.ainvoke(_prompt(messages, system_prompt), {"callbacks": []}), CHUNK_TIMEOUT
    )
    assert isinstance(reply, AIMessage)
    finish = str((reply.response_metadata or {}).get("finish_reason") or "")
    meta = reply.usage_metadata
    usage = {"input_tokens": meta["input_tokens"], "output_tokens": meta["output_tokens"]} if meta else {}
    stop_reason = "maxTokens" if finish in ("length", "max_tokens") else "endTurn"
    return Sampled(text=clean(message_text(reply)), stop_reason=stop_reason, usage=usage)
