"""An error of a stream in the worker, across the pipe and back as the same SDK error.

The worker sends what the SDK raised (an HTTP status with its headers and body, a timeout, a
connection failure, an error inside the stream, a chunk that is not one); the server process
raises the same class with the same message, made by its own client as the SDK makes it, so that
callers (langchain-openai's error handling, graph.model_error, the UI) cannot tell the paths apart.
"""

from __future__ import annotations

from typing import Any

import httpx2 as httpx
import openai

# The most of an HTTP error's body sent back (the SDK reads the message from it).
MAX_ERROR_BODY = 1024 * 1024
# Headers that describe the body as it was on the wire, not as it is sent back (decoded).
_WIRE_HEADERS = {"content-encoding", "content-length", "transfer-encoding"}


class RemoteError(Exception):
    """A stream failed in the worker; ``err`` is its ``err`` frame."""

    def __init__(self, err: dict[str, Any]) -> None:
        super().__init__(err.get("message") or err.get("kind"))
        self.err = err


def error_frame(exc: BaseException) -> dict[str, Any]:
    """(Worker.) What ``exc`` is, as JSON."""
    if isinstance(exc, openai.APIStatusError):
        response = exc.response
        # bytes as latin-1 text, both ways: any byte survives (a non-ASCII header, a body in
        # another charset), and the SDK decodes the same bytes as it would have here
        headers = [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, v in response.headers.raw
            if k.decode("latin-1").lower() not in _WIRE_HEADERS
        ]
        try:
            body = response.content[:MAX_ERROR_BODY].decode("latin-1")
        except httpx.ResponseNotRead:
            body = ""
        return {"kind": "status", "status": response.status_code, "headers": headers, "body": body}
    if isinstance(exc, openai.APITimeoutError):
        return {"kind": "timeout"}
    if isinstance(exc, openai.APIConnectionError):
        return {"kind": "connection", "message": exc.message}
    if isinstance(exc, openai.APIError):
        return {"kind": "api", "message": exc.message, "body": _json_or_none(exc.body)}
    if isinstance(exc, httpx.TransportError):  # (a read that failed mid-stream: not wrapped)
        return {"kind": "transport", "type": type(exc).__name__, "message": str(exc)}
    if isinstance(exc, ValueError):
        return {"kind": "value", "message": str(exc)}
    return {"kind": "internal", "message": f"{type(exc).__name__}: {exc}"}


def remote_exception(err: dict[str, Any], client: openai.AsyncOpenAI, request: httpx.Request) -> Exception:
    """(Server process.) The exception the SDK would have raised here for ``err``."""
    kind = err.get("kind")
    if kind == "status":
        response = httpx.Response(
            int(err.get("status") or 500),
            headers=[(_raw(k), _raw(v)) for k, v in err.get("headers") or []],
            content=_raw(err.get("body") or ""),
            request=request,
        )
        return client._make_status_error_from_response(response)
    if kind == "timeout":
        return openai.APITimeoutError(request=request)
    if kind == "connection":
        message = str(err.get("message") or "Connection error.")
        return openai.APIConnectionError(message=message, request=request)
    if kind == "api":
        return openai.APIError(message=str(err.get("message")), request=request, body=err.get("body"))
    if kind == "transport":  # the same httpx2 class (graph.model_error reads "Timeout" in it)
        cls = getattr(httpx, str(err.get("type")), None)
        if not (isinstance(cls, type) and issubclass(cls, httpx.TransportError)):
            cls = httpx.TransportError
        return cls(str(err.get("message")), request=request)
    if kind == "value":
        return ValueError(str(err.get("message")))
    return RuntimeError(f"the model stream process failed: {err.get('message')}")


def _raw(text: object) -> bytes:
    return str(text).encode("latin-1", "replace")


def _json_or_none(body: object) -> object:
    return body if isinstance(body, (dict, list, str, int, float, bool)) else None
