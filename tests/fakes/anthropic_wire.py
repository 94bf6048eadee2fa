"""The Messages API wire format of the fake Anthropic server: default answers, JSON messages and
SSE events (see :mod:`tests.fakes.anthropic_server`). Scripted replies are the fake OpenAI
server's :class:`~tests.fakes.openai_wire.Reply` (text tokens and/or tool calls)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

from tests.fakes.openai_wire import Reply, _chunk_args, _first_json_object, _mentioned_tool


def _text(content: Any) -> str:
    """The text of a message's content: a string, or its text (and tool_result) blocks."""
    if isinstance(content, str):
        return content
    parts: list[str] = []
    for block in content or []:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "text":
            parts.append(str(block.get("text", "")))
        elif block.get("type") == "tool_result":
            parts.append(_text(block.get("content")))
    return "".join(parts)


def _tool_results(message: dict[str, Any]) -> list[str]:
    content = message.get("content")
    if not isinstance(content, list):
        return []
    return [
        _text(b.get("content")) for b in content if isinstance(b, dict) and b.get("type") == "tool_result"
    ]


def default_reply(body: dict[str, Any]) -> Reply:
    """After tool results: "The tool returned: ..."; a user text naming an offered tool calls it
    (with the first ``{...}`` of the text); else "You said: <text>"."""
    messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    last = messages[-1] if messages else {}
    if results := _tool_results(last):
        return Reply(text="The tool returned: " + "; ".join(results))
    user_text = _text(last.get("content")) if last.get("role") == "user" else ""
    names = [str(t["name"]) for t in body.get("tools") or [] if isinstance(t, dict) and "name" in t]
    if names and (tool := _mentioned_tool(names, user_text)) is not None:
        return Reply(tool_calls=[(tool, _first_json_object(user_text))])
    return Reply(text=f"You said: {user_text}")


def input_tokens(body: dict[str, Any]) -> int:
    """Words of the system prompt and the messages: the fake's prompt "tokens"."""
    system = body.get("system")
    words = len(_text(system).split()) if system else 0
    return words + sum(len(_text(m.get("content")).split()) for m in body.get("messages") or [])


def _ids(reply: Reply) -> list[str]:
    return list(reply.ids) or [f"toolu_{uuid.uuid4().hex[:20]}" for _ in reply.tool_calls]


def _blocks(reply: Reply) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [{"type": "text", "text": reply.text}] if reply.text else []
    for cid, (name, args) in zip(_ids(reply), reply.tool_calls, strict=True):
        blocks.append({"type": "tool_use", "id": cid, "name": name, "input": args})
    return blocks


def message(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    """A whole (non-streamed) Messages API answer."""
    return {
        "id": f"msg_{uuid.uuid4().hex[:24]}",
        "type": "message",
        "role": "assistant",
        "model": body.get("model") or "claude-fake",
        "content": _blocks(reply),
        "stop_reason": "tool_use" if reply.tool_calls else "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": input_tokens(body),
            "output_tokens": len(reply.tokens()) + len(reply.tool_calls),
        },
    }


def _event(kind: str, data: dict[str, Any]) -> bytes:
    return f"event: {kind}\ndata: {json.dumps({'type': kind, **data})}\n\n".encode()


async def stream(body: dict[str, Any], reply: Reply) -> AsyncIterator[bytes]:
    """The SSE events of a streamed answer: message_start (with the prompt's usage), a text block
    of text_delta events, one tool_use block per call with its arguments as input_json_delta
    pieces, message_delta with the stop reason and the final usage, message_stop."""
    prompt = input_tokens(body)
    start = message(body, Reply())
    start.update(content=[], stop_reason=None, usage={"input_tokens": prompt, "output_tokens": 1})
    yield _event("message_start", {"message": start})
    yield _event("ping", {})
    index = 0
    tokens = reply.tokens()
    if tokens:
        yield _event("content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}})
        for token in tokens:
            if reply.token_delay:
                await asyncio.sleep(reply.token_delay)
            yield _event("content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": token}})
        yield _event("content_block_stop", {"index": 0})
        index = 1
    for offset, (cid, (name, args)) in enumerate(zip(_ids(reply), reply.tool_calls, strict=True)):
        i = index + offset
        block = {"type": "tool_use", "id": cid, "name": name, "input": {}}
        yield _event("content_block_start", {"index": i, "content_block": block})
        for piece in _chunk_args(json.dumps(args)):
            delta = {"type": "input_json_delta", "partial_json": piece}
            yield _event("content_block_delta", {"index": i, "delta": delta})
        yield _event("content_block_stop", {"index": i})
    usage = {"input_tokens": prompt, "output_tokens": len(tokens) + len(reply.tool_calls)}
    stop = {"stop_reason": "tool_use" if reply.tool_calls else "end_turn", "stop_sequence": None}
    yield _event("message_delta", {"delta": stop, "usage": usage})
    yield _event("message_stop", {})
