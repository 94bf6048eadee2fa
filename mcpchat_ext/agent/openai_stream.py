"""ChatOpenAI whose chat-completions stream is read as plain JSON, not as SDK objects.

The openai SDK turns every SSE chunk of a streamed reply into a ``ChatCompletionChunk`` model
(``construct_type``: a recursive walk over its type hints) and langchain-openai turns it straight
back into a dict (``model_dump``) before it reads it. With 100 chats streaming at once, the SDK's
stream handling was 47 % of the event loop's time (py-spy of ``bench_concurrency.py``,
benchmarks/README.md), about a third of it that round trip. :class:`StreamingChatOpenAI` reads the
same response (the SDK still sends the request: auth, retries, HTTP errors) as server-sent events
and hands each chunk's JSON to langchain-openai's own chunk conversion, so the messages, tool-call
chunks, usage and finish reason are the same as ChatOpenAI's (tests/agent/test_openai_stream.py
compares the two on the same streams).

Only the plain chat-completions stream is read this way; structured output (``response_format``),
the Responses API, response headers and gateways take ChatOpenAI's own path. So does a model with
an HTTP set-up of its own (``openai_proxy``, or an ``http_async_client`` that is not a
:class:`PlainHttpClient`: a proxy, a transport, certificates): the stream thread's client could
not carry it over, and the request must not go around the user's proxy.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import openai
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun
from langchain_core.messages import AIMessageChunk, BaseMessage, BaseMessageChunk
from langchain_core.outputs import ChatGenerationChunk
from langchain_openai import ChatOpenAI
from langchain_openai.chat_models.base import _handle_openai_api_error, _handle_openai_bad_request
from pydantic import PrivateAttr

from .stream_thread import STREAMS, ChunkSink

STREAM_ERROR = "An error occurred during streaming"  # (the SDK's words for an error without a message)
BAD_CHUNK = "the model endpoint sent a stream chunk that is not a chat-completion chunk (a JSON object)"
# The longest server-sent event read (a stream that never ends an event must not fill the memory).
MAX_EVENT_BYTES = 8 * 1024 * 1024


async def sse_data(pieces: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """The ``data`` of each server-sent event in the body ``pieces`` (as they come off the socket),
    up to ``[DONE]``: multi-line data joined with newlines; comments, ``event:``, ``id:`` and
    ``retry:`` fields skipped; lines end with LF or CRLF (a lone CR is not a line end here).

    Split on bytes, event by event: per network read, not per line (the SDK's decoder and
    httpx's line iterator cost a Python step per line and a decode per piece)."""
    buf = b""
    async for piece in pieces:
        buf = (buf + piece).replace(b"\r\n", b"\n") if b"\r" in piece or buf.endswith(b"\r") else buf + piece
        while (end := buf.find(b"\n\n")) >= 0:
            event, buf = buf[:end], buf[end + 2 :]
            if (data := _event_data(event)) is not None:
                if data.startswith(b"[DONE]"):
                    return
                yield data
        if len(buf) > MAX_EVENT_BYTES:
            raise ValueError(f"the model endpoint sent a stream event over {MAX_EVENT_BYTES} bytes long")
    if (data := _event_data(buf.rstrip(b"\r\n"))) is not None and not data.startswith(b"[DONE]"):
        yield data  # a last event without its blank line


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


class PlainHttpClient(openai.DefaultAsyncHttpxClient):
    """The openai SDK's default HTTP client (with a timeout, and the environment's proxies, as any
    httpx client): one the stream thread may make its own copy of."""


class StreamingChatOpenAI(ChatOpenAI):
    """ChatOpenAI (chat-completions API) reading its reply stream as JSON (see the module doc)."""

    # the stream thread's HTTP client, in a dict that copies of the model share (``model_copy``
    # copies private attributes shallowly): one client per model, not one per copy or per turn
    _thread_clients: dict[str, Any] = PrivateAttr(default_factory=dict)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        *,
        stream_usage: bool | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        plain = not self._use_responses_api({**kwargs, **self.model_kwargs})
        plain = plain and not (self.include_response_headers or self._uses_gateway)
        plain = plain and self._plain_http()
        payload: dict[str, Any] = {}
        if plain:
            kwargs["stream"] = True
            if self._should_stream_usage(stream_usage, **kwargs):
                kwargs["stream_options"] = {"include_usage": True}
            payload = self._get_request_payload(messages, stop=stop, **kwargs)
        if not plain or "response_format" in payload:
            async for chunk in super()._astream(
                messages, stop, run_manager, stream_usage=stream_usage, **kwargs
            ):
                yield chunk
            return
        default_chunk_class: type[BaseMessageChunk] = AIMessageChunk
        sink = ChunkSink()
        reading = STREAMS.submit(self._read_on_stream_thread(payload, sink))
        reading.add_done_callback(lambda _: sink.wake())
        try:
            while True:
                # done first, then take: chunks put between a take and a done check would be
                # lost (the thread puts the last chunks, the finish reason and usage, and ends)
                finished = reading.done()
                batch = sink.take()
                if not batch:
                    if finished:
                        reading.result()  # (the stream's error, if it failed)
                        break
                    await sink.wait()
                    continue
                for chunk in join_text_chunks(batch):
                    generation = self._convert_chunk_to_generation_chunk(chunk, default_chunk_class, {})
                    if generation is None:
                        continue
                    default_chunk_class = generation.message.__class__
                    if run_manager:
                        logprobs = (generation.generation_info or {}).get("logprobs")
                        await run_manager.on_llm_new_token(
                            generation.text, chunk=generation, logprobs=logprobs
                        )
                    yield generation
                    if generation.text:  # (back here: the consumer passed the text on)
                        sink.first_taken()
        except openai.BadRequestError as e:
            _handle_openai_bad_request(e)
        except openai.APIError as e:
            _handle_openai_api_error(e)
        finally:
            sink.first_taken()
            reading.cancel()  # (a Stop, or the reply's reader went away: close the request)

    def _plain_http(self) -> bool:
        """No HTTP set-up of the model's own that a client on the stream thread would miss."""
        client = self.http_async_client
        return not self.openai_proxy and (client is None or isinstance(client, PlainHttpClient))

    async def _read_on_stream_thread(self, payload: dict[str, Any], sink: ChunkSink) -> None:
        """(Stream thread.) Send the request and put each chunk's JSON into ``sink``."""
        client = self._thread_clients.get("client")
        if client is None:  # (made on the thread whose loop its connections use)
            client = self._thread_clients["client"] = self.root_async_client.copy(
                http_client=PlainHttpClient(timeout=self.root_async_client.timeout)
            )
        completions = client.chat.completions
        text_seen = False
        async with completions.with_streaming_response.create(**payload) as response:
            async for data in sse_data(response.iter_bytes()):
                chunk = json.loads(data)
                if (error := stream_error(chunk, response.http_request)) is not None:
                    raise error
                for choice in chunk.get("choices") or ():
                    choice.setdefault("delta", None)  # (as the SDK object has it: skipped)
                sink.put(chunk)
                if not text_seen and _has_text(chunk):  # the first token goes through first
                    text_seen = True
                    await sink.hold_for_first()

    async def aclose_stream_client(self) -> None:
        """Close the stream thread's HTTP client of this model (if it made one)."""
        client = self._thread_clients.pop("client", None)
        if client is not None:
            await asyncio.wrap_future(STREAMS.submit(client.close()))


def _has_text(chunk: dict[str, Any]) -> bool:
    """Whether a chat-completion chunk carries reply text."""
    for choice in chunk.get("choices") or ():
        delta = choice.get("delta") if isinstance(choice, dict) else None
        if isinstance(delta, dict) and delta.get("content"):
            return True
    return False
