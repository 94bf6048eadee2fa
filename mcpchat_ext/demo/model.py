"""An offline, deterministic chat model so the extension works without an API key.

It reads the request, picks the bound tool(s) whose names (or descriptions) match its words, and
fills arguments from the tool's JSON schema: numbers in order for number/integer parameters,
quoted or remaining text for string parameters, ``name=value`` pairs and a ``{...}`` JSON object
when given (see :mod:`.planning`). After tool results it summarises them in plain language and
never calls again. Streaming emits word tokens and ``tool_call_chunks`` (so tool calls survive
streaming).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any

from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ToolCallChunk,
)
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool

from .planning import plan_reply
from .words import DEMO_MODEL_NAME, LABEL, Plan, ToolSpec

__all__ = ["DEMO_MODEL_NAME", "LABEL", "DemoChatModel"]

# --------------------------------------------------------------------------
# the model
# --------------------------------------------------------------------------


def _tokens(text: str) -> list[str]:
    return re.findall(r"\s*\S+|\s+$", text)


def _metadata(plan: Plan) -> dict[str, Any]:
    return {
        "demo": True,
        "model_name": DEMO_MODEL_NAME,
        "finish_reason": "tool_calls" if plan.calls else "stop",
    }


def _usage(messages: Sequence[BaseMessage], plan: Plan) -> UsageMetadata:
    prompt = sum(len(str(m.content).split()) for m in messages)
    completion = len(_tokens(plan.text)) + sum(len(json.dumps(c["args"]).split()) for c in plan.calls)
    return UsageMetadata(input_tokens=prompt, output_tokens=completion, total_tokens=prompt + completion)


class DemoChatModel(BaseChatModel):
    """Offline deterministic model: picks tools by their names, summarises their results."""

    model_name: str = DEMO_MODEL_NAME
    token_delay: float = 0.0  # seconds between streamed tokens (UI pacing; 0 in tests)

    @property
    def _llm_type(self) -> str:
        return "mcpchat-demo"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name}

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools (stored as OpenAI function schemas in the ``tools`` call argument)."""
        schemas = [convert_to_openai_tool(t) for t in tools]
        return self.bind(tools=schemas, **kwargs)

    def _plan(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> Plan:
        tools = [ToolSpec.from_openai(s) for s in kwargs.get("tools") or []]
        return plan_reply(messages, [t for t in tools if t.name])

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        plan = self._plan(messages, kwargs)
        message = AIMessage(
            content=plan.text,
            tool_calls=plan.calls,
            response_metadata=_metadata(plan),
            usage_metadata=_usage(messages, plan),
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _chunks(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> Iterator[AIMessageChunk]:
        plan = self._plan(messages, kwargs)
        for token in _tokens(plan.text):
            yield AIMessageChunk(content=token)
        for index, call in enumerate(plan.calls):
            chunk = ToolCallChunk(
                name=call["name"],
                args=json.dumps(call["args"]),
                id=call["id"],
                index=index,
                type="tool_call_chunk",
            )
            yield AIMessageChunk(content="", tool_call_chunks=[chunk])
        yield AIMessageChunk(
            content="",
            response_metadata=_metadata(plan),
            usage_metadata=_usage(messages, plan),
            chunk_position="last",
        )

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for chunk in self._chunks(messages, kwargs):
            if run_manager is not None and isinstance(chunk.content, str) and chunk.content:
                run_manager.on_llm_new_token(chunk.content, chunk=ChatGenerationChunk(message=chunk))
            yield ChatGenerationChunk(message=chunk)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        for chunk in self._chunks(messages, kwargs):
            if self.token_delay and chunk.content:
                await asyncio.sleep(self.token_delay)
            generation = ChatGenerationChunk(message=chunk)
            if run_manager is not None and isinstance(chunk.content, str) and chunk.content:
                await run_manager.on_llm_new_token(chunk.content, chunk=generation)
            yield generation
