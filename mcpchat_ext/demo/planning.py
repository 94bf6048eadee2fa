"""The demo model's decision for one call: which tools to call, or what to answer."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolCall,
    ToolMessage,
)

from .arguments import _schema_type, extract_args
from .words import (
    LABEL,
    MAX_CALLS,
    MAX_RESULT_CHARS,
    Plan,
    ToolSpec,
    _anchors,
    _assign_keywords,
    _description_score,
    _words,
)

# --------------------------------------------------------------------------
# planning a reply
# --------------------------------------------------------------------------


def _call(tool: ToolSpec, args: dict[str, Any]) -> ToolCall:
    return ToolCall(name=tool.name, args=args, id=f"call_demo_{uuid.uuid4().hex[:16]}", type="tool_call")


def plan_tool_calls(text: str, tools: list[ToolSpec]) -> list[ToolCall]:
    """Tool calls the request asks for: one per clause starting at a word that names a tool."""
    if not tools:
        return []
    _assign_keywords(tools)
    anchors = _anchors(text, tools)
    if anchors:
        calls = []
        for i, anchor in enumerate(anchors[:MAX_CALLS]):
            start = 0 if i == 0 else anchor.start
            end = anchors[i + 1].start if i + 1 < len(anchors) else len(text)
            span = (anchor.start - start, anchor.end - start)
            calls.append(_call(anchor.tool, extract_args(anchor.tool, text[start:end], span)))
        return calls
    words = _words(text)
    scored = sorted(((_description_score(t, words), i) for i, t in enumerate(tools)), reverse=True)
    best_score, best = scored[0]
    if best_score >= 2 or (best_score == 1 and (len(scored) == 1 or scored[1][0] == 0)):
        return [_call(tools[best], extract_args(tools[best], text, None))]
    return []


def _tool_name_of(message: ToolMessage, messages: Sequence[BaseMessage]) -> str:
    if message.name:
        return message.name
    for earlier in reversed(messages):
        if isinstance(earlier, AIMessage):
            for call in earlier.tool_calls:
                if call.get("id") == message.tool_call_id:
                    return call["name"]
    return "the tool"


def _short(text: str) -> str:
    text = text.strip()
    if len(text) <= MAX_RESULT_CHARS:
        return text
    return text[:MAX_RESULT_CHARS].rstrip() + f"… ({len(text)} characters in all)"


def summarise_results(results: list[ToolMessage], messages: Sequence[BaseMessage]) -> str:
    """A plain-language answer after tool results; failures and rejections are acknowledged."""
    lines: list[str] = []
    failed = False
    for result in results:
        name = _tool_name_of(result, messages)
        content = _short(result.text or str(result.content))
        if result.status == "error":
            failed = True
            lowered = content.lower()
            if any(w in lowered for w in ("reject", "denied", "declin", "not approved")):
                lines.append(f"The call to `{name}` was not run: {content or 'you rejected it'}.")
            elif "cancel" in lowered:
                lines.append(f"The call to `{name}` was cancelled: {content}.")
            else:
                lines.append(f"The call to `{name}` failed: {content or 'no details'}.")
        elif not content:
            lines.append(f"`{name}` finished without output.")
        elif _needs_block(content):
            lines.append(f"`{name}` returned:\n\n{_fenced(content)}\n\n")
        else:
            end = "" if content.endswith((".", "!", "?")) else "."
            lines.append(f"`{name}` returned: {content}{end}")
    closing = (
        "I won't try that again on my own; tell me what you would like to do instead."
        if failed
        else "Anything else?"
    )
    text = f"{LABEL} " + " ".join(lines)
    # after a block the closing words are a paragraph of their own, never inside the block
    return (text.rstrip() + "\n\n" + closing) if text.endswith("\n\n") else f"{text} {closing}"


def _needs_block(content: str) -> bool:
    """A result with lines or backticks is shown as a code block (markdown in it stays text)."""
    return "\n" in content or "`" in content


def _fenced(content: str) -> str:
    """``content`` in a fence longer than any backtick run inside it, so nothing closes it early."""
    longest = max((len(run) for run in re.findall(r"`+", content)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{content}\n{fence}"


def _no_tool_reply(text: str, tools: list[ToolSpec]) -> str:
    said = f'You said: "{_short(text)}". ' if text.strip() else ""
    intro = (
        f"{LABEL} {said}I am the offline demo model (no OPENAI_API_KEY is set), so I only "
        "understand requests that name one of my tools."
    )
    if not tools:
        return (
            f"{intro} No tools are available in this chat: enable an MCP server (for example "
            "the bundled 'demo' server) to try tool calls, or set OPENAI_API_KEY to chat with a "
            "real model."
        )
    listed = "; ".join(
        f"`{t.name}`" + (f" ({_short(t.description).splitlines()[0]})" if t.description else "")
        for t in tools[:12]
    )
    more = f" and {len(tools) - 12} more" if len(tools) > 12 else ""
    example = _example(tools)
    return f'{intro} Tools I could use: {listed}{more}. Try for example: "{example}".'


def _example(tools: list[ToolSpec]) -> str:
    _assign_keywords(tools)
    tool = tools[0]
    keyword = sorted(tool.keywords)[0] if tool.keywords else tool.name
    numbers = [n for n, s in tool.properties.items() if _schema_type(s) in ("number", "integer")]
    if len(numbers) >= 2:
        return f"{keyword} 2 and 3"
    if numbers:
        return f"{keyword} 3"
    if any(_schema_type(s) == "string" for s in tool.properties.values()):
        return f"{keyword} hello world"
    return keyword


def plan_reply(messages: Sequence[BaseMessage], tools: list[ToolSpec]) -> Plan:
    """The demo model's whole decision for one model call."""
    results: list[ToolMessage] = []
    # the graph may append a system note (e.g. "every call was rejected: answer without tools")
    while messages and isinstance(messages[-1], SystemMessage):
        messages = messages[:-1]
    for message in reversed(messages):
        if not isinstance(message, ToolMessage):
            break
        results.insert(0, message)
    if results:
        return Plan(summarise_results(results, messages))
    last = messages[-1] if messages else None
    text = last.text if isinstance(last, HumanMessage) else ""
    calls = plan_tool_calls(text, tools)
    if calls:
        names = ", ".join(f"`{c['name']}`" for c in calls)
        return Plan(f"{LABEL} I'll call {names} for you.", calls)
    return Plan(_no_tool_reply(text, tools))
