"""A real OpenAI-compatible chat-completions server for tests (starlette + uvicorn).

In-process use (the server runs in a background thread on a free 127.0.0.1 port)::

    from tests.fakes.openai_server import FakeOpenAI, text_reply, tool_call_reply

    with FakeOpenAI() as llm:  # or `async with FakeOpenAI() as llm:`
        llm.base_url  # "http://127.0.0.1:PORT/v1"
        llm.queue(text_reply("Hello there"), tool_call_reply([("fake_add", {"a": 2, "b": 3})]))
        llm.requests  # JSON bodies received by POST /v1/chat/completions, in order
        llm.headers  # their HTTP headers (lower-case names), same order
        llm.fail_next(status=500)  # the next request answers an HTTP error

Standalone (for other processes, e.g. a Jupyter server or JupyterHub)::

    python -m tests.fakes.openai_server --port 8123   # prints "PORT <n>" once listening

A standalone server can be scripted over HTTP: ``POST /_fake/queue`` with a JSON list of
``{"text": ..., "tool_calls": [[name, args], ...], "n_tokens": ..., "token_delay": ...}``,
``POST /_fake/fail`` with ``{"status": 500, "times": 1}``, ``GET /_fake/requests``.

Endpoints: ``POST /v1/chat/completions`` (``stream: true`` answers SSE chunks: content tokens and
``tool_calls`` deltas, a final chunk with ``finish_reason``, a usage chunk when
``stream_options.include_usage``, then ``data: [DONE]``; ``stream: false`` answers one JSON
completion) and ``GET /v1/models``.

With nothing queued the server answers deterministically: after a tool result it says
``"The tool returned: <content>"``; when tools are offered and the last user text names one (the
full prefixed name, or the part after the server prefix) it calls that tool with the first
``{...}`` JSON object of the text as arguments (else ``{}``); otherwise it says ``"You said: <text>"``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import socket
import threading
import time
from collections import deque
from collections.abc import Iterable
from types import TracebackType
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.fakes.openai_wire import (
    MODELS,
    Failure,
    Reply,
    _completion,
    _stream,
    default_reply,
    fixed_id_reply,
    text_reply,
    tool_call_reply,
)

__all__ = ["FakeOpenAI", "Reply", "fixed_id_reply", "text_reply", "tool_call_reply"]

# --------------------------------------------------------------------------
# the server
# --------------------------------------------------------------------------


class FakeOpenAI:
    """The fake server; ``start()``/``stop()`` or use it as a (sync or async) context manager."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []  # HTTP headers of each request in ``requests``
        self._replies: deque[Reply] = deque()
        self._failures: deque[Failure] = deque()
        self._lock = threading.Lock()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.app = self._build_app()

    # ---- scripting -------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def queue(self, *replies: Reply) -> None:
        """Answer the next requests with these replies, in order (then the default behaviour)."""
        with self._lock:
            self._replies.extend(replies)

    def fail_next(
        self,
        status: int = 500,
        *,
        message: str = "fake server error",
        times: int = 1,
        retryable: bool = False,
    ) -> None:
        """The next ``times`` requests answer HTTP ``status``.

        Unless ``retryable``, the response carries ``x-should-retry: false`` so the OpenAI client
        does not retry it: one failure is exactly one error seen by the caller.
        """
        with self._lock:
            self._failures.extend(Failure(status, message, retryable) for _ in range(times))

    def clear(self) -> None:
        with self._lock:
            self._replies.clear()
            self._failures.clear()
            self.requests.clear()
            self.headers.clear()

    @property
    def pending_replies(self) -> int:
        with self._lock:
            return len(self._replies)

    def _next(self, body: dict[str, Any], headers: dict[str, str]) -> Reply | Failure:
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)
            if self._failures:
                return self._failures.popleft()
            if self._replies:
                return self._replies.popleft()
        return self.default_reply(body)

    def default_reply(self, body: dict[str, Any]) -> Reply:
        """The unscripted answer to ``body`` (a fake of another wire format overrides it)."""
        return default_reply(body)

    # ---- HTTP --------------------------------------------------------------
    def _build_app(self) -> Starlette:
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
            if body.get("stream"):
                return StreamingResponse(_stream(body, answer), media_type="text/event-stream")
            return JSONResponse(_completion(body, answer))

        async def models(request: Request) -> Response:
            data = [{"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in MODELS]
            return JSONResponse({"object": "list", "data": data})

        async def script_queue(request: Request) -> Response:
            items = await request.json()
            self.queue(*(_reply_from_json(item) for item in _as_list(items)))
            return JSONResponse({"queued": self.pending_replies})

        async def script_fail(request: Request) -> Response:
            spec = await request.json()
            self.fail_next(
                int(spec.get("status", 500)),
                message=str(spec.get("message", "fake server error")),
                times=int(spec.get("times", 1)),
                retryable=bool(spec.get("retryable", False)),
            )
            return JSONResponse({"ok": True})

        async def script_requests(request: Request) -> Response:
            with self._lock:
                return JSONResponse(list(self.requests))

        return Starlette(
            routes=[
                Route("/v1/chat/completions", completions, methods=["POST"]),
                Route("/v1/models", models, methods=["GET"]),
                Route("/_fake/queue", script_queue, methods=["POST"]),
                Route("/_fake/fail", script_fail, methods=["POST"]),
                Route("/_fake/requests", script_requests, methods=["GET"]),
            ]
        )

    # ---- lifecycle -----------------------------------------------------------
    def _config(self) -> uvicorn.Config:
        return uvicorn.Config(
            self.app,
            log_config=None,  # leave the logging setup of the host process alone
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=1,
        )

    def _bind(self) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        sock.listen(128)
        return sock

    def start(self, timeout: float = 10.0) -> FakeOpenAI:
        if self._thread is not None:
            return self
        sock = self._bind()
        server = uvicorn.Server(self._config())
        self._server = server
        self._thread = threading.Thread(
            target=lambda: asyncio.run(server.serve(sockets=[sock])),
            name=f"fake-openai-{self.port}",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("fake OpenAI server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop the server; streams still open are cut after one second."""
        # Cutting open streams at shutdown is expected here: keep uvicorn from logging it as an error.
        errors = logging.getLogger("uvicorn.error")
        level = errors.level
        errors.setLevel(logging.CRITICAL)
        try:
            if self._server is not None:
                self._server.should_exit = True
            if self._thread is not None:
                self._thread.join(timeout=10)
        finally:
            errors.setLevel(level)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> FakeOpenAI:
        return await asyncio.to_thread(self.start)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.stop)


def _error(status: int, message: str, *, retryable: bool = True) -> JSONResponse:
    headers = {} if retryable else {"x-should-retry": "false"}
    kind = "invalid_request_error" if status < 500 else "server_error"
    return JSONResponse(
        {"error": {"message": message, "type": kind, "param": None, "code": str(status)}},
        status_code=status,
        headers=headers,
    )


def _as_list(value: Any) -> Iterable[Any]:
    return value if isinstance(value, list) else [value]


def _reply_from_json(item: dict[str, Any]) -> Reply:
    calls = [(str(name), dict(args)) for name, args in item.get("tool_calls") or []]
    if calls:
        return tool_call_reply(calls, str(item.get("text") or ""))
    return text_reply(
        item.get("text"),
        n_tokens=item.get("n_tokens"),
        token_delay=float(item.get("token_delay") or 0.0),
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fake OpenAI-compatible chat server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    args = parser.parse_args(argv)
    fake = FakeOpenAI(host=args.host, port=args.port)
    sock = fake._bind()
    server = uvicorn.Server(fake._config())

    # The socket listens already: connections wait in the backlog until uvicorn accepts them.
    print(f"PORT {fake.port}", flush=True)
    server.run(sockets=[sock])


if __name__ == "__main__":
    main()
