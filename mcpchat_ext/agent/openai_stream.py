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

Where it can, the plain stream is read in the stream process (agent/stream_process/: the SDK
client rebuilt there from this model's settings, ``stream_process``); else on the stream thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx2 as httpx
import openai
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun
from langchain_core.messages import AIMessageChunk, BaseMessage, BaseMessageChunk
from langchain_core.outputs import ChatGenerationChunk
from langchain_openai import ChatOpenAI
from langchain_openai.chat_models.base import _handle_openai_api_error, _handle_openai_bad_request
from pydantic import PrivateAttr

from ..errors import ModelError
from .sse_chunks import has_text, join_text_chunks, parse_chunk, sse_data
from .stream_process.client import STREAM_PROCESS, StreamCutOff, WorkerUnavailable
from .stream_process.errors import RemoteError, remote_exception
from .stream_process.wire import encode_timeout
from .stream_thread import STREAMS, ChunkSink


class PlainHttpClient(openai.DefaultAsyncHttpxClient):
    """The openai SDK's default HTTP client (with a timeout, and the environment's proxies, as any
    httpx client): one the stream thread may make its own copy of."""


class StreamingChatOpenAI(ChatOpenAI):
    """ChatOpenAI (chat-completions API) reading its reply stream as JSON (see the module doc)."""

    # the stream thread's HTTP client, in a dict that copies of the model share (``model_copy``
    # copies private attributes shallowly): one client per model, not one per copy or per turn
    _thread_clients: dict[str, Any] = PrivateAttr(default_factory=dict)
    # Read the reply streams in the stream process (agent/stream_process/); False: on the stream
    # thread of this process (MCPChatExtension.model_stream_process).
    stream_process: bool = True

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
        """(Stream thread.) Send the request and put each chunk's JSON into ``sink``: read in the
        stream process where it can be, else here."""
        spec = self._process_spec()
        if spec is not None:
            try:
                await STREAM_PROCESS.stream(spec, payload, sink)
                return
            except WorkerUnavailable:
                pass  # (nothing of it was sent: read it here)
            except StreamCutOff as exc:
                if exc.delivered:  # (part of the reply was shown: a new request would repeat it)
                    raise ModelError(str(exc)) from None
            except RemoteError as exc:
                url = str(self.root_async_client.base_url).rstrip("/") + "/chat/completions"
                raise remote_exception(exc.err, self.root_async_client, httpx.Request("POST", url)) from None
        await self._read_here(payload, sink)

    def _process_spec(self) -> dict[str, Any] | None:
        """The stream process's arguments for this model's SDK client, or None where the model
        should not stream there: turned off, or a client or key it could not rebuild (a key
        callable, Azure's or another subclass's client)."""
        client = self.root_async_client
        if not self.stream_process or type(client) is not openai.AsyncOpenAI or callable(self.openai_api_key):
            return None
        return {
            "api_key": client.api_key,
            "organization": client.organization,
            "project": client.project,
            "base_url": str(client.base_url),
            "timeout": encode_timeout(client.timeout),
            "max_retries": client.max_retries,
            "default_headers": self.default_headers,
            "default_query": self.default_query,
        }

    async def _read_here(self, payload: dict[str, Any], sink: ChunkSink) -> None:
        """(Stream thread.) The request sent and its stream read on this thread."""
        client = self._thread_clients.get("client")
        if client is None:  # (made on the thread whose loop its connections use)
            client = self._thread_clients["client"] = self.root_async_client.copy(
                http_client=PlainHttpClient(timeout=self.root_async_client.timeout)
            )
        completions = client.chat.completions
        text_seen = False
        async with completions.with_streaming_response.create(**payload) as response:
            async for data in sse_data(response.iter_bytes()):
                chunk = parse_chunk(data, response.http_request)
                sink.put(chunk)
                if not text_seen and has_text(chunk):  # the first token goes through first
                    text_seen = True
                    await sink.hold_for_first()

    async def aclose_stream_client(self) -> None:
        """Close the stream thread's HTTP client of this model (if it made one)."""
        client = self._thread_clients.pop("client", None)
        if client is not None:
            await asyncio.wrap_future(STREAMS.submit(client.close()))
