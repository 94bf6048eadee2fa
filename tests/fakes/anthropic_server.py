"""A real Anthropic Messages API server for tests (starlette + uvicorn), run like the fake OpenAI
server it derives from::

    from tests.fakes.anthropic_server import FakeAnthropic
    from tests.fakes.openai_server import text_reply, tool_call_reply

    with FakeAnthropic() as llm:
        llm.base_url  # "http://127.0.0.1:PORT" (the client adds /v1/messages)
        llm.queue(text_reply("Hello"), tool_call_reply([("fake_add", {"a": 2, "b": 3})]))
        llm.requests, llm.headers  # what POST /v1/messages received
        llm.fail_next(status=401, message="...")

``POST /v1/messages`` with ``stream: true`` answers SSE events (message_start,
content_block_start / content_block_delta (text_delta, input_json_delta) / content_block_stop,
message_delta with usage, message_stop); without, one JSON message. Unscripted answers: see
:func:`tests.fakes.anthropic_wire.default_reply`.
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.fakes import anthropic_wire as wire
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.openai_wire import Failure, Reply

__all__ = ["FakeAnthropic"]


class FakeAnthropic(FakeOpenAI):
    """The fake Messages API server (scripting and lifecycle as :class:`FakeOpenAI`)."""

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def default_reply(self, body: dict[str, Any]) -> Reply:
        return wire.default_reply(body)

    def _build_app(self) -> Starlette:
        async def messages(request: Request) -> Response:
            try:
                body = await request.json()
            except ValueError:
                return _error(400, "request body is not JSON")
            if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
                return _error(400, "messages: field required")
            if not isinstance(body.get("max_tokens"), int):
                return _error(400, "max_tokens: field required")
            answer = self._next(body, dict(request.headers))
            if isinstance(answer, Failure):
                return _error(answer.status, answer.message, retryable=answer.retryable)
            if body.get("stream"):
                return StreamingResponse(wire.stream(body, answer), media_type="text/event-stream")
            return JSONResponse(wire.message(body, answer))

        return Starlette(routes=[Route("/v1/messages", messages, methods=["POST"])])


def _error(status: int, message: str, *, retryable: bool = True) -> JSONResponse:
    kinds = {400: "invalid_request_error", 401: "authentication_error", 429: "rate_limit_error"}
    headers = {} if retryable else {"x-should-retry": "false"}
    return JSONResponse(
        {"type": "error", "error": {"type": kinds.get(status, "api_error"), "message": message}},
        status_code=status,
        headers=headers,
    )
