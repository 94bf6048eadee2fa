"""A real FastMCP server whose tools ask the client things: elicitation and sampling.

Tools: ``ask_form`` (a form: name, age 0..150), ``ask_choices`` (the spec's titled enums: one
colour of a ``oneOf``, one or two fruits of an ``anyOf`` array), ``ask_twice`` (two forms, one after the other),
``ask_url`` (URL mode), ``ask_later`` (returns at once, then asks after its call ended),
``sample`` (a sampling request for ``prompt`` with ``max_tokens``). Each tool returns what the
client answered; every form answer the server receives (and ``ask_later``'s outcome) is
appended to the file named by ``ASK_LEDGER``.
Run with ``--http PORT`` for streamable HTTP or ``--sse PORT`` for SSE, stdio otherwise.
"""

from __future__ import annotations

import asyncio
import os
import sys

sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

from mcp import McpError  # noqa: E402
from mcp.server.fastmcp import Context, FastMCP  # noqa: E402
from mcp.types import SamplingMessage, TextContent  # noqa: E402
from pydantic import BaseModel, Field  # noqa: E402

LEDGER = os.environ.get("ASK_LEDGER")


class Person(BaseModel):
    name: str = Field(description="Your name")
    age: int = Field(ge=0, le=150, description="Your age")


def _note(text: str) -> None:
    if LEDGER:
        with open(LEDGER, "a", encoding="utf-8") as f:
            f.write(text + "\n")


async def _form(ctx: Context, message: str) -> str:  # type: ignore[type-arg]
    try:
        result = await ctx.elicit(message, Person)
    except McpError as exc:
        return f"refused: {exc.error.message}"
    text = (
        f"accept name={result.data.name} age={result.data.age}"
        if result.action == "accept"
        else result.action
    )
    _note(f"answered: {text}")  # every answer the server received
    return text


CHOICES = {
    "type": "object",
    "properties": {
        "colour": {
            "type": "string",
            "title": "Colour",
            "oneOf": [{"const": "r", "title": "Red"}, {"const": "g", "title": "Green"}],
        },
        "fruit": {
            "type": "array",
            "title": "Fruit",
            "items": {
                "anyOf": [
                    {"const": "a", "title": "Apples"},
                    {"const": "b", "title": "Bananas"},
                    {"const": "c", "title": "Cherries"},
                ]
            },
            "minItems": 1,
            "maxItems": 2,
        },
    },
    "required": ["colour", "fruit"],
}


def build_server(port: int = 0) -> FastMCP:
    mcp = FastMCP("asking", port=port, log_level="WARNING")

    @mcp.tool()
    async def ask_form(ctx: Context, message: str = "Who are you?") -> str:  # type: ignore[type-arg]
        """Ask the user for their name and age."""
        return await _form(ctx, message)

    @mcp.tool()
    async def ask_choices(ctx: Context) -> str:  # type: ignore[type-arg]
        """Ask for a colour (one of two) and one or two fruits (titled choices)."""
        try:
            result = await ctx.session.elicit_form("Pick", CHOICES, related_request_id=ctx.request_id)
        except McpError as exc:
            return f"refused: {exc.error.message}"
        content = result.content or {}
        fruit = content.get("fruit")
        text = (
            f"accept colour={content.get('colour')} fruit={','.join(fruit) if isinstance(fruit, list) else fruit}"
            if result.action == "accept"
            else result.action
        )
        _note(f"answered: {text}")
        return text

    @mcp.tool()
    async def ask_twice(ctx: Context) -> str:  # type: ignore[type-arg]
        """Ask two forms, one after the other."""
        first = await _form(ctx, "first question")
        second = await _form(ctx, "second question")
        return f"first: {first}; second: {second}"

    @mcp.tool()
    async def ask_url(ctx: Context, url: str) -> str:  # type: ignore[type-arg]
        """Ask the user to open ``url``."""
        try:
            result = await ctx.elicit_url("Sign in on the server's page", url, "sign-in-1")
        except McpError as exc:
            return f"refused: {exc.error.message}"
        return result.action

    @mcp.tool()
    async def ask_later(ctx: Context) -> str:  # type: ignore[type-arg]
        """Return at once; ask the user a moment after the call ended."""

        async def later() -> None:
            await asyncio.sleep(0.3)
            _note(f"later: {await _form(ctx, 'a question after the call')}")

        asyncio.get_running_loop().create_task(later())
        return "returned"

    @mcp.tool()
    async def sample(ctx: Context, prompt: str, max_tokens: int = 50) -> str:  # type: ignore[type-arg]
        """Ask the client's model to answer ``prompt``."""
        message = SamplingMessage(role="user", content=TextContent(type="text", text=prompt))
        try:
            result = await ctx.session.create_message(
                [message], max_tokens=max_tokens, system_prompt="You are a terse test server."
            )
        except McpError as exc:
            return f"refused: {exc.error.message}"
        text = result.content.text if isinstance(result.content, TextContent) else "?"
        return f"sampled: {text} (model={result.model}, stop={result.stopReason})"

    return mcp


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--http"]:
        build_server(port=int(args[1])).run("streamable-http")
    elif args[:1] == ["--sse"]:
        build_server(port=int(args[1])).run("sse")
    else:
        build_server().run("stdio")
