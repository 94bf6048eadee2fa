"""The chat-completions wire format of the fake OpenAI server: scripted replies, default
answers, JSON completions and SSE chunks (see :mod:`tests.fakes.openai_server`)."""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

MODELS = ["fake-model", "gpt-4o-mini"]


# --------------------------------------------------------------------------
# scripted replies
# --------------------------------------------------------------------------


@dataclass
class Reply:
    """One scripted assistant answer: text tokens and/or tool calls."""

    text: str = ""
    tool_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    token_delay: float = 0.0
    # the tool calls' ids, in order (empty: a fresh random id each; repeats are allowed, as some
    # endpoints send them)
    ids: list[str] = field(default_factory=list)

    def tokens(self) -> list[str]:
        return split_tokens(self.text)


@dataclass
class Failure:
    status: int = 500
    message: str = "fake server error"
    retryable: bool = False


def split_tokens(text: str) -> list[str]:
    """Word tokens with their leading whitespace; ``"".join(split_tokens(t)) == t``."""
    return re.findall(r"\s*\S+|\s+$", text)


def text_reply(text: str | None = None, *, n_tokens: int | None = None, token_delay: float = 0.0) -> Reply:
    """A streamed text answer; ``n_tokens`` synthesises a long answer of that many word tokens."""
    if text is None:
        count = n_tokens if n_tokens is not None else 1
        text = " ".join(f"token{i}" for i in range(count))
    elif n_tokens is not None:
        words = text.split() or ["token"]
        text = " ".join(words[i % len(words)] for i in range(n_tokens))
    return Reply(text=text, token_delay=token_delay)


def tool_call_reply(calls: list[tuple[str, dict[str, Any]]], text: str = "") -> Reply:
    """An answer that calls the given tools (in order, as parallel tool calls)."""
    return Reply(text=text, tool_calls=[(name, dict(args)) for name, args in calls])


def fixed_id_reply(calls: list[tuple[str, str, dict[str, Any]]], text: str = "") -> Reply:
    """An answer calling tools ``[(call_id, name, args), ...]`` with exactly these ids."""
    return Reply(
        text=text, tool_calls=[(name, dict(args)) for _, name, args in calls], ids=[c for c, _, _ in calls]
    )


# --------------------------------------------------------------------------
# default (unscripted) behaviour
# --------------------------------------------------------------------------


def _content_text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                parts.append(part["text"])
            elif isinstance(part, str):
                parts.append(part)
        return "".join(parts)
    return str(content)


def _first_json_object(text: str) -> dict[str, Any]:
    decoder = json.JSONDecoder()
    for match in re.finditer(r"\{", text):
        try:
            value, _ = decoder.raw_decode(text, match.start())
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return {}


def _tool_names(body: dict[str, Any]) -> list[str]:
    names = []
    for tool in body.get("tools") or []:
        fn = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(fn, dict) and isinstance(fn.get("name"), str):
            names.append(fn["name"])
    return names


def _mentioned_tool(names: list[str], text: str) -> str | None:
    """The tool named in ``text``: full name first, then the longest name suffix after a ``_``."""
    lowered = text.lower()

    def mentions(word: str) -> bool:
        return re.search(rf"(?<![\w]){re.escape(word.lower())}(?![\w])", lowered) is not None

    for name in sorted(names, key=len, reverse=True):
        if mentions(name):
            return name
    best: tuple[int, str] | None = None
    for name in names:
        pieces = name.split("_")
        for i in range(1, len(pieces)):
            suffix = "_".join(pieces[i:])
            if suffix and mentions(suffix) and (best is None or len(suffix) > best[0]):
                best = (len(suffix), name)
    return best[1] if best else None


def default_reply(body: dict[str, Any]) -> Reply:
    messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    trailing_tools: list[str] = []
    for message in reversed(messages):
        if message.get("role") != "tool":
            break
        trailing_tools.append(_content_text(message.get("content")))
    if trailing_tools:
        return Reply(text="The tool returned: " + "; ".join(reversed(trailing_tools)))
    user_text = ""
    for message in reversed(messages):
        if message.get("role") == "user":
            user_text = _content_text(message.get("content"))
            break
    names = _tool_names(body)
    if names:
        tool = _mentioned_tool(names, user_text)
        if tool is not None:
            return Reply(tool_calls=[(tool, _first_json_object(user_text))])
    return Reply(text=f"You said: {user_text}")


# --------------------------------------------------------------------------
# wire formatting
# --------------------------------------------------------------------------


def _usage(body: dict[str, Any], completion_tokens: int) -> dict[str, int]:
    prompt = sum(
        len(_content_text(m.get("content")).split())
        for m in body.get("messages") or []
        if isinstance(m, dict)
    )
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt + completion_tokens,
    }


def _call_ids(reply: Reply) -> list[str]:
    if reply.ids:
        return list(reply.ids)
    return [f"call_{uuid.uuid4().hex[:20]}" for _ in reply.tool_calls]


def _completion(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
    if reply.tool_calls:
        message["tool_calls"] = [
            {"id": cid, "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}
            for cid, (name, args) in zip(_call_ids(reply), reply.tool_calls, strict=True)
        ]
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model") or MODELS[0],
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if reply.tool_calls else "stop",
                "logprobs": None,
            }
        ],
        "usage": _usage(body, len(reply.tokens()) + len(reply.tool_calls)),
    }


def _chunk_args(arguments: str) -> list[str]:
    size = max(1, len(arguments) // 3)
    return [arguments[i : i + size] for i in range(0, len(arguments), size)] or [""]


async def _stream(body: dict[str, Any], reply: Reply) -> AsyncIterator[bytes]:
    cid = f"chatcmpl-{uuid.uuid4().hex[:24]}"
    base = {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": body.get("model") or MODELS[0],
    }

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        payload = {
            **base,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
        }
        return f"data: {json.dumps(payload)}\n\n".encode()

    yield chunk({"role": "assistant", "content": ""})
    tokens = reply.tokens()
    for token in tokens:
        if reply.token_delay:
            await asyncio.sleep(reply.token_delay)
        yield chunk({"content": token})
    for index, (call_id, (name, args)) in enumerate(zip(_call_ids(reply), reply.tool_calls, strict=True)):
        head = {"index": index, "id": call_id, "type": "function"}
        yield chunk({"tool_calls": [{**head, "function": {"name": name, "arguments": ""}}]})
        for piece in _chunk_args(json.dumps(args)):
            yield chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
    yield chunk({}, "tool_calls" if reply.tool_calls else "stop")
    if (body.get("stream_options") or {}).get("include_usage"):
        usage = _usage(body, len(tokens) + len(reply.tool_calls))
        yield f"data: {json.dumps({**base, 'choices': [], 'usage': usage})}\n\n".encode()
    yield b"data: [DONE]\n\n"
