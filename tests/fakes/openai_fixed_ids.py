"""The fake OpenAI server with replies whose tool call ids the test chooses (duplicates included).

:class:`tests.fakes.openai_server.FakeOpenAI` gives every tool call a fresh random id; a real
endpoint may not (some local servers number calls per reply, some repeat them). Here::

    with FakeOpenAIFixedIds() as llm:
        llm.queue(fixed_id_reply([("same", "fake_echo", {"text": "a"}), ("same", "fake_echo", {...})]))

answers one reply with two tool calls both called ``same``; other replies work as in FakeOpenAI.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.fakes.openai_server import FakeOpenAI, _error
from tests.fakes.openai_wire import MODELS, Failure, Reply, _completion, _stream, _usage


@dataclass
class FixedIdReply(Reply):
    """Tool calls with the ids in ``ids`` (same order as ``tool_calls``)."""

    ids: list[str] = field(default_factory=list)


def fixed_id_reply(calls: list[tuple[str, str, dict[str, Any]]], text: str = "") -> FixedIdReply:
    """A reply calling tools ``[(call_id, name, args), ...]`` with exactly these ids."""
    return FixedIdReply(
        text=text,
        tool_calls=[(name, dict(args)) for _, name, args in calls],
        ids=[cid for cid, _, _ in calls],
    )


def _calls(reply: FixedIdReply) -> list[tuple[str, str, dict[str, Any]]]:
    return [(cid, name, args) for cid, (name, args) in zip(reply.ids, reply.tool_calls, strict=True)]


def _fixed_completion(body: dict[str, Any], reply: FixedIdReply) -> dict[str, Any]:
    out = _completion(body, reply)
    out["choices"][0]["message"]["tool_calls"] = [
        {"id": cid, "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}
        for cid, name, args in _calls(reply)
    ]
    return out


async def _fixed_stream(body: dict[str, Any], reply: FixedIdReply) -> AsyncIterator[bytes]:
    base = {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
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
    for token in reply.tokens():
        yield chunk({"content": token})
    for index, (cid, name, args) in enumerate(_calls(reply)):
        call = {"index": index, "id": cid, "type": "function", "function": {"name": name, "arguments": ""}}
        yield chunk({"tool_calls": [call]})
        yield chunk({"tool_calls": [{"index": index, "function": {"arguments": json.dumps(args)}}]})
    yield chunk({}, "tool_calls" if reply.tool_calls else "stop")
    if (body.get("stream_options") or {}).get("include_usage"):
        usage = _usage(body, len(reply.tokens()) + len(reply.tool_calls))
        yield f"data: {json.dumps({**base, 'choices': [], 'usage': usage})}\n\n".encode()
    yield b"data: [DONE]\n\n"


class FakeOpenAIFixedIds(FakeOpenAI):
    """FakeOpenAI whose chat-completions route also answers :class:`FixedIdReply` replies."""

    def _build_app(self) -> Starlette:
        app = super()._build_app()

        async def completions(request: Request) -> Response:
            try:
                body = await request.json()
            except ValueError:
                return _error(400, "request body is not JSON")
            if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
                return _error(400, "'messages' is required")
            answer = self._next(body, dict(request.headers))
            if isinstance(answer, Failure):
                return _error(answer.status, answer.message, retryable=answer.retryable)
            if isinstance(answer, FixedIdReply):
                if body.get("stream"):
                    return StreamingResponse(_fixed_stream(body, answer), media_type="text/event-stream")
                return JSONResponse(_fixed_completion(body, answer))
            if body.get("stream"):
                return StreamingResponse(_stream(body, answer), media_type="text/event-stream")
            return JSONResponse(_completion(body, answer))

        # first match wins: this route shadows the inherited one
        app.router.routes.insert(0, Route("/v1/chat/completions", completions, methods=["POST"]))
        return app
