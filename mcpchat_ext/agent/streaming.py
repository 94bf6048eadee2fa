"""Model tokens as custom stream events.

The agent node streams the model itself and hands each text chunk to LangGraph's stream writer,
so :func:`mcpchat_ext.agent.runner.run_turn` reads tokens from the ``custom`` stream mode. The
``messages`` stream mode would do the same through a callback handler that, at the start of every
node, walks the whole message history to remember which ids it has seen: a cost that grows with
the chat (benchmarks/bench_checkpoint_growth.py).
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, message_chunk_to_message
from langchain_core.runnables import RunnableConfig
from langgraph.config import get_stream_writer

TOKEN_EVENT = "mcpchat.token"


def message_text(message: BaseMessage) -> str:
    """The text of a message (string content, or the text blocks of block content)."""
    content = message.content
    if isinstance(content, str):
        return content
    parts: list[str] = []
    for block in content:
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, dict) and block.get("type") == "text":
            parts.append(str(block.get("text", "")))
    return "".join(parts)


def token_event(data: Any) -> tuple[str, str] | None:
    """``(message_id, text)`` of a custom stream item written by :func:`stream_model`."""
    if isinstance(data, dict) and data.get("event") == TOKEN_EVENT:
        return str(data["message_id"]), str(data["text"])
    return None


async def stream_model(runnable: Any, prompt: list[Any], config: RunnableConfig) -> AIMessage:
    """Stream ``runnable`` (a chat model, maybe with bound tools); write its text chunks as token
    events and return the whole reply (tool calls assembled from their chunks).

    A model without streaming support yields its whole reply once, as an ``AIMessage``.
    """
    write = get_stream_writer()
    chunks: list[AIMessageChunk] = []
    whole: AIMessage | None = None
    async for item in runnable.astream(prompt, config):
        if not isinstance(item, AIMessage):
            continue
        if text := message_text(item):
            write({"event": TOKEN_EVENT, "message_id": str(item.id or ""), "text": text})
        if isinstance(item, AIMessageChunk):
            chunks.append(item)
        else:
            whole = item
    if not chunks:
        return whole if whole is not None else AIMessage(content="")
    # one merge at the end: adding chunk by chunk would copy the growing reply every token
    merged = chunks[0] + chunks[1:] if len(chunks) > 1 else chunks[0]
    reply = message_chunk_to_message(merged)
    assert isinstance(reply, AIMessage)
    return reply
