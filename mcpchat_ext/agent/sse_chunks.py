"""Server-sent events of a chat-completions stream, read as plain JSON chunks.

Shared by the two readers of a model's reply stream: the stream thread (agent/openai_stream.py)
and the stream process (agent/stream_process/worker.py). Nothing here may import LangChain: the
stream process starts with the openai SDK alone.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import openai

STREAM_ERROR = "An error occurred during streaming"  # (the SDK's words for an error without a message)
BAD_CHUNK = "the model endpoint sent a stream chunk that is not a chat-completion chunk (a JSON object)"
# The longest server-sent event read (a stream that never ends an event must not fill the memory).
MAX_EVENT_BYTES = 8 * 1024 * 1024


async def sse_batches(pieces: AsyncIterator[bytes]) -> AsyncIterator[list[bytes]]:
    """The ``data`` of the server-sent events in the body ``pieces`` (as they come off the socket),
    one list per network read that completes any (never an empty list), up to ``[DONE]``:
    multi-line data joined with newlines; comments, ``event:``, ``id:`` and ``retry:`` fields
    skipped; lines end with LF or CRLF (a lone CR is not a line end here).

    Split on bytes, event by event: per network read, not per line (the SDK's decoder and
    httpx's line iterator cost a Python step per line and a decode per piece)."""
    buf = b""
    async for piece in pieces:
        buf = (buf + piece).replace(b"\r\n", b"\n") if b"\r" in piece or buf.endswith(b"\r") else buf + piece
        batch: list[bytes] = []
        while (end := buf.find(b"\n\n")) >= 0:
            event, buf = buf[:end], buf[end + 2 :]
            if (data := _event_data(event)) is not None:
                if data.startswith(b"[DONE]"):
                    if batch:
                        yield batch
                    return
                batch.append(data)
        if batch:
            yield batch
        if len(buf) > MAX_EVENT_BYTES:
            raise ValueError(f"the model endpoint sent a stream event over {MAX_EVENT_BYTES} bytes long")
    if (data := _event_data(buf.rstrip(b"\r\n"))) is not None and not data.startswith(b"[DONE]"):
        yield [data]  # a last event without its blank line


async def sse_data(pieces: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """The ``data`` of each server-sent event in the body ``pieces`` (see :func:`sse_batches`)."""
    async for batch in sse_batches(pieces):
        for data in batch:
            yield data


def _event_data(event: bytes) -> bytes | None:
    data = [line[5:].removeprefix(b" ") for line in event.split(b"\n") if line.startswith(b"data:")]
    return b"\n".join(data) if data else None


def _text_of(chunk: Any) -> tuple[str, Any] | None:
    """``(text, role)`` of a chunk that carries nothing but text for choice 0, else None."""
    if chunk.get("usage"):
        return None
    choices = chunk.get("choices")
    if not isinstance(choices, list) or len(choices) != 1:
        return None
    choice = choices[0]
    if choice.get("index", 0) != 0 or choice.get("finish_reason") or choice.get("logprobs"):
        return None
    delta = choice.get("delta")
    if not isinstance(delta, dict) or not isinstance(delta.get("content"), str):
        return None
    if any(v is not None for k, v in delta.items() if k not in ("content", "role")):
        return None
    return delta["content"], delta.get("role")


def join_text_chunks(batch: list[Any]) -> list[Any]:
    """``batch`` with each run of text-only chunks joined into one (the first's fields, the run's
    text): a busy event loop takes what arrived meanwhile as one chunk, so LangChain and LangGraph
    do their per-chunk work once. Chunks with anything else (tool calls, usage, a finish reason,
    logprobs, reasoning) are kept as they are and in place."""
    out: list[Any] = []
    run: list[str] = []
    run_role: Any = None
    for chunk in batch:
        text = _text_of(chunk)
        if text is not None and run and text[1] in (None, run_role):
            run.append(text[0])
            continue
        if run and len(run) > 1:
            out[-1]["choices"][0]["delta"]["content"] = "".join(run)
        run = []
        out.append(chunk)
        if text is not None:
            run, run_role = [text[0]], text[1]
    if run and len(run) > 1:
        out[-1]["choices"][0]["delta"]["content"] = "".join(run)
    return out


def stream_error(chunk: Any, request: Any) -> openai.APIError | None:
    """The error an SSE chunk reports instead of data (as the SDK raises it), or the chunk is not
    one (hostile or broken: not an object, ``choices`` not a list of objects), else None."""
    choices = chunk.get("choices") if isinstance(chunk, dict) else None
    if (
        not isinstance(chunk, dict)
        or not isinstance(choices or [], list)
        or not all(isinstance(c, dict) for c in choices or [])
    ):
        return openai.APIError(message=BAD_CHUNK, request=request, body=None)
    if not chunk.get("error"):
        return None
    error = chunk["error"]
    message = error.get("message") if isinstance(error, dict) else None
    return openai.APIError(
        message=message if isinstance(message, str) and message else STREAM_ERROR, request=request, body=error
    )


def parse_chunk(data: bytes, request: Any) -> dict[str, Any]:
    """The chat-completion chunk of one event's ``data``, with each choice's ``delta`` set (as
    the SDK object has it: None when skipped). Raises the error the chunk reports, or one naming
    a chunk that is not JSON or not a chat-completion chunk (a hostile or broken endpoint)."""
    try:
        chunk = json.loads(data)
    except (ValueError, RecursionError):  # (RecursionError: nested deeper than Python goes)
        raise openai.APIError(message=BAD_CHUNK, request=request, body=None) from None
    if (error := stream_error(chunk, request)) is not None:
        raise error
    for choice in chunk.get("choices") or ():
        choice.setdefault("delta", None)
    return chunk  # type: ignore[no-any-return]


def has_text(chunk: dict[str, Any]) -> bool:
    """Whether a chat-completion chunk carries reply text."""
    for choice in chunk.get("choices") or ():
        delta = choice.get("delta") if isinstance(choice, dict) else None
        if isinstance(delta, dict) and delta.get("content"):
            return True
    return False
