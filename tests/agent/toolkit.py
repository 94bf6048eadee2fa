"""Small real LangChain tools and helpers shared by the agent tests (and the restart child)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from langchain_core.tools import BaseTool, StructuredTool, ToolException
from langchain_openai import ChatOpenAI

from mcpchat_ext import protocol as p
from mcpchat_ext.agent.toolset import Toolset


@dataclass
class ToolBox:
    """Tools that record every real execution in ``calls``."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    slow_started: asyncio.Event | None = None

    def tools(self) -> list[BaseTool]:
        async def add(a: int, b: int) -> str:
            self.calls.append(("fake_add", {"a": a, "b": b}))
            return str(a + b)

        async def echo(text: str) -> str:
            self.calls.append(("fake_echo", {"text": text}))
            return text

        async def fail(why: str = "boom") -> str:
            self.calls.append(("fake_fail", {"why": why}))
            raise ToolException(f"fake tool failed: {why}")

        async def big(n: int = 10) -> tuple[str, dict[str, Any]]:
            self.calls.append(("fake_big", {"n": n}))
            return "x" * 5 + "\n[output truncated: showed 5 of 100 chars]", {"truncated": True}

        async def slow(seconds: float = 60) -> str:
            self.calls.append(("fake_slow", {"seconds": seconds}))
            if self.slow_started is not None:
                self.slow_started.set()
            await asyncio.sleep(seconds)
            return "slept"

        return [
            StructuredTool.from_function(coroutine=add, name="fake_add", description="Add a and b."),
            StructuredTool.from_function(coroutine=echo, name="fake_echo", description="Echo."),
            StructuredTool.from_function(coroutine=fail, name="fake_fail", description="Fails."),
            StructuredTool.from_function(
                coroutine=big,
                name="fake_big",
                description="Big output.",
                response_format="content_and_artifact",
            ),
            StructuredTool.from_function(coroutine=slow, name="fake_slow", description="Slow."),
        ]


def tool_info(name: str) -> p.ToolInfo | None:
    if not name.startswith("fake_"):
        return None
    return p.ToolInfo(
        name=name,
        server="fake",
        tool=name.removeprefix("fake_"),
        description=f"{name} description",
        input_schema={"type": "object"},
    )


def toolset(tools: list[BaseTool]) -> Toolset:
    """The test tools with their identities (server "fake"), as a chat's toolset."""
    pairs = []
    for tool in tools:
        info = tool_info(tool.name)
        assert info is not None
        pairs.append((info, tool))
    return Toolset(pairs)


def chat_model(base_url: str) -> ChatOpenAI:
    return ChatOpenAI(
        base_url=base_url,
        api_key="test",  # type: ignore[arg-type]
        model="gpt-test",
        streaming=True,
        use_responses_api=False,
        max_retries=0,
        timeout=10,
    )


async def collect(frames: AsyncIterator[Any], timeout: float = 30) -> list[Any]:
    async def drain() -> list[Any]:
        return [f async for f in frames]

    return await asyncio.wait_for(drain(), timeout)


def types(frames: list[Any]) -> list[str]:
    return [f.type for f in frames]
