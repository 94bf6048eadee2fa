"""The offline demo model: tool choice, arguments, streaming tool_call_chunks, replies to results."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langchain_core.tools import BaseTool, StructuredTool, tool

from mcpchat_ext.demo.model import DEMO_MODEL_NAME, LABEL, DemoChatModel


def _mcp_like(name: str, description: str, properties: dict[str, Any]) -> StructuredTool:
    """A tool with a JSON-schema dict, as langchain-mcp-adapters builds them."""

    async def run(**kwargs: Any) -> str:
        return "ok"

    return StructuredTool(
        name=name,
        description=description,
        args_schema={"type": "object", "properties": properties, "required": list(properties)},
        coroutine=run,
    )


@tool
def demo_echo(text: str) -> str:
    """Echo the given text back."""
    return text


def _tools() -> list[BaseTool]:
    number = {"type": "number"}
    return [
        _mcp_like("demo_add", "Add two numbers.", {"a": number, "b": number}),
        _mcp_like("demo_multiply", "Multiply two numbers.", {"a": number, "b": number}),
        demo_echo,
        _mcp_like("demo_get_time", "Current time in an IANA timezone.", {"timezone": {"type": "string"}}),
        _mcp_like(
            "demo_roll_dice",
            "Roll dice and return the total.",
            {"count": {"type": "integer"}, "sides": {"type": "integer"}},
        ),
    ]


def _model() -> Any:
    return DemoChatModel().bind_tools(_tools())


def _calls(message: AIMessage) -> list[tuple[str, dict[str, Any]]]:
    return [(c["name"], c["args"]) for c in message.tool_calls]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("add 2 and 3", [("demo_add", {"a": 2, "b": 3})]),
        ("What is 7 plus 8?", [("demo_add", {"a": 7, "b": 8})]),
        ("sum of 1.5 and 2", [("demo_add", {"a": 1.5, "b": 2})]),
        ("please multiply -4 by 5", [("demo_multiply", {"a": -4, "b": 5})]),
        ("echo hello world", [("demo_echo", {"text": "hello world"})]),
        ('echo "Quoted, text!"', [("demo_echo", {"text": "Quoted, text!"})]),
        ("what time is it in Europe/Paris?", [("demo_get_time", {"timezone": "Europe/Paris"})]),
        ("roll 3 dice with 6 sides", [("demo_roll_dice", {"count": 3, "sides": 6})]),
        ('add {"a": 10, "b": 1}', [("demo_add", {"a": 10, "b": 1})]),
        ("multiply b=4 a=3", [("demo_multiply", {"a": 3, "b": 4})]),
        ("use demo_echo on hi", [("demo_echo", {"text": "hi"})]),
        (
            "add 2 and 3 and multiply 4 by 5",
            [("demo_add", {"a": 2, "b": 3}), ("demo_multiply", {"a": 4, "b": 5})],
        ),
    ],
)
def test_picks_tool_and_arguments(text: str, expected: list[tuple[str, dict[str, Any]]]) -> None:
    reply = _model().invoke([HumanMessage(text)])
    assert _calls(reply) == expected
    assert LABEL in reply.content
    assert all(c["id"] for c in reply.tool_calls)


def test_no_matching_tool_lists_tools() -> None:
    reply = _model().invoke([HumanMessage("tell me a story about dragons")])
    assert reply.tool_calls == []
    assert reply.text.startswith(LABEL)
    assert "offline demo model" in reply.content
    for name in ("demo_add", "demo_echo", "demo_get_time"):
        assert f"`{name}`" in reply.content


def test_without_tools_explains() -> None:
    reply = DemoChatModel().invoke([HumanMessage("hello")])
    assert reply.tool_calls == []
    assert reply.text.startswith(LABEL)
    assert "OPENAI_API_KEY" in reply.content and "hello" in reply.content


def test_metadata_marks_demo() -> None:
    reply = _model().invoke([HumanMessage("add 1 and 2")])
    assert reply.response_metadata["demo"] is True
    assert reply.response_metadata["model_name"] == DEMO_MODEL_NAME
    assert reply.usage_metadata is not None and reply.usage_metadata["total_tokens"] > 0


def test_deterministic() -> None:
    first = _model().invoke([HumanMessage("add 2 and 3 and echo hi")])
    second = _model().invoke([HumanMessage("add 2 and 3 and echo hi")])
    assert first.content == second.content
    assert (
        _calls(first)
        == _calls(second)
        == [
            ("demo_add", {"a": 2, "b": 3}),
            ("demo_echo", {"text": "hi"}),
        ]
    )


@pytest.mark.asyncio
async def test_streaming_keeps_tool_calls() -> None:
    chunks: list[AIMessageChunk] = []
    async for chunk in _model().astream([HumanMessage("add 2 and 3 and multiply 4 by 5")]):
        chunks.append(chunk)
    text_chunks = [c for c in chunks if c.content]
    assert len(text_chunks) > 1  # word by word
    assert sum(len(c.tool_call_chunks) for c in chunks) == 2
    merged = chunks[0]
    for chunk in chunks[1:]:
        merged = merged + chunk
    assert _calls(merged) == [("demo_add", {"a": 2, "b": 3}), ("demo_multiply", {"a": 4, "b": 5})]
    assert merged.response_metadata["demo"] is True
    assert merged.response_metadata["model_name"] == DEMO_MODEL_NAME
    assert merged.text.startswith(LABEL)


@pytest.mark.asyncio
async def test_streaming_plain_text_word_by_word() -> None:
    tokens = [c.content async for c in DemoChatModel().astream("hi there") if c.content]
    assert len(tokens) > 5
    assert "".join(str(t) for t in tokens).startswith(LABEL)


def _after_call(*results: ToolMessage) -> list[Any]:
    calls = [
        {"name": "demo_add", "args": {"a": 2, "b": 3}, "id": "c1", "type": "tool_call"},
        {"name": "demo_echo", "args": {"text": "x"}, "id": "c2", "type": "tool_call"},
    ]
    return [HumanMessage("add 2 and 3 and echo x"), AIMessage("", tool_calls=calls), *results]


@pytest.mark.asyncio
async def test_reply_after_tool_results() -> None:
    messages = _after_call(ToolMessage("5.0", tool_call_id="c1"), ToolMessage("x", tool_call_id="c2"))
    reply = await _model().ainvoke(messages)
    assert reply.tool_calls == []
    assert reply.text.startswith(LABEL)
    assert "`demo_add` returned: 5.0" in reply.content
    assert "`demo_echo` returned: x" in reply.content


@pytest.mark.asyncio
async def test_reply_after_rejection_does_not_call_again() -> None:
    rejected = ToolMessage("Rejected by the user: not today", tool_call_id="c1", status="error")
    reply = await _model().ainvoke(_after_call(rejected))
    assert reply.tool_calls == []
    assert "`demo_add` was not run" in reply.content
    assert "not today" in reply.content
    assert "won't try that again" in reply.content


@pytest.mark.asyncio
async def test_reply_after_tool_error() -> None:
    failed = ToolMessage("Error: division by zero", tool_call_id="c1", status="error")
    reply = await _model().ainvoke(_after_call(failed))
    assert reply.tool_calls == []
    assert "`demo_add` failed: Error: division by zero" in reply.content


@pytest.mark.asyncio
async def test_long_tool_result_is_shortened() -> None:
    result = ToolMessage("y" * 5000, tool_call_id="c2")
    reply = await _model().ainvoke(_after_call(result))
    assert "5000 characters" in reply.content
    assert len(reply.content) < 1000


def _demo_server_like_tools() -> list[BaseTool]:
    """Schemas as FastMCP generates them for mcpchat_ext.demo.server (plus mcp-server-time)."""

    def prop(kind: str, title: str, **extra: Any) -> dict[str, Any]:
        return {"type": kind, "title": title, **extra}

    number = {"a": prop("number", "A"), "b": prop("number", "B")}
    return [
        _mcp_like("demo_add", "Add two numbers and return the sum a + b.", number),
        _mcp_like("demo_multiply", "Multiply two numbers and return the product a * b.", number),
        _mcp_like(
            "demo_current_time",
            "The current date and time (ISO 8601) in an IANA time zone such as 'Europe/Berlin'.",
            {"timezone": prop("string", "Timezone", default="UTC")},
        ),
        _mcp_like(
            "demo_word_count",
            "Count the words, characters and lines of a text.",
            {"text": prop("string", "Text")},
        ),
        _mcp_like(
            "demo_roll_dice",
            "Roll `count` dice with `sides` sides each and return the results.",
            {"sides": prop("integer", "Sides", default=6), "count": prop("integer", "Count", default=1)},
        ),
        _mcp_like(
            "time_convert_time",
            "Convert time between timezones",
            {
                "source_timezone": prop("string", "Source"),
                "time": prop("string", "Time"),
                "target_timezone": prop("string", "Target"),
            },
        ),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("roll 3 dice with 6 sides", [("demo_roll_dice", {"sides": 6, "count": 3})]),
        ("roll 2 dice", [("demo_roll_dice", {"count": 2})]),
        ("what time is it?", [("demo_current_time", {})]),
        ("what time is it in Europe/Berlin", [("demo_current_time", {"timezone": "Europe/Berlin"})]),
        ("count the words in hello big world", [("demo_word_count", {"text": "hello big world"})]),
        (
            "convert time 14:00 from Europe/Paris to Asia/Tokyo",
            [
                (
                    "time_convert_time",
                    {"source_timezone": "Europe/Paris", "target_timezone": "Asia/Tokyo", "time": "14:00"},
                )
            ],
        ),
    ],
)
def test_demo_server_tools(text: str, expected: list[tuple[str, dict[str, Any]]]) -> None:
    reply = DemoChatModel().bind_tools(_demo_server_like_tools()).invoke([HumanMessage(text)])
    assert _calls(reply) == expected


def _fetch_like() -> list[BaseTool]:
    """mcp-server-fetch's schema: a URL and two integers with defaults."""
    return [
        _mcp_like(
            "fetch_fetch",
            "Fetches a URL from the internet and extracts its contents as markdown.",
            {
                "url": {"type": "string", "format": "uri", "title": "Url"},
                "max_length": {"type": "integer", "default": 5000, "title": "Max Length"},
                "start_index": {"type": "integer", "default": 0, "title": "Start Index"},
                "raw": {"type": "boolean", "default": False, "title": "Raw"},
            },
        )
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fetch http://127.0.0.1:8000/page.html", {"url": "http://127.0.0.1:8000/page.html"}),
        ("fetch https://example.com/a/2024/10/post", {"url": "https://example.com/a/2024/10/post"}),
        ("fetch localhost:8888/api", {"url": "localhost:8888/api"}),
        # a number outside the address still fills a number parameter
        ("fetch http://10.0.0.2:81/x max_length=300", {"url": "http://10.0.0.2:81/x", "max_length": 300}),
    ],
)
def test_numbers_in_an_address_are_not_arguments(text: str, expected: dict[str, Any]) -> None:
    reply = DemoChatModel().bind_tools(_fetch_like()).invoke([HumanMessage(text)])
    assert _calls(reply) == [("fetch_fetch", expected)]


@pytest.mark.asyncio
async def test_a_multi_line_result_is_a_closed_code_block() -> None:
    page = "# Title\n\n```python\nprint(1)\n```\nend"
    reply = await _model().ainvoke(_after_call(ToolMessage(page, tool_call_id="c1")))
    text = reply.content
    assert isinstance(text, str)
    fence = "````"  # longer than the result's own fence, so the result cannot close it
    assert f"{fence}text\n{page}\n{fence}" in text
    # the closing words follow the block as their own paragraph
    assert text.endswith(f"{fence}\n\nAnything else?")


@pytest.mark.asyncio
async def test_a_one_line_result_stays_inline() -> None:
    reply = await _model().ainvoke(_after_call(ToolMessage("5", tool_call_id="c1")))
    assert "`demo_add` returned: 5." in reply.content
    assert "```" not in reply.content


def test_demo_server_sums_are_whole_numbers() -> None:
    from mcpchat_ext.demo import server

    assert repr(server.add(2, 3)) == "5"
    assert repr(server.multiply(6, 7)) == "42"
    assert server.add(1.5, 2) == 3.5
