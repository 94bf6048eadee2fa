"""A chat's messages as the sections of an export: prose (inert Markdown) and code.

User and assistant text is split into prose and fenced code; every tool call of a reply is
followed by how it was decided, its arguments and its result (from the call's tool message).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from .. import protocol as p
from .text import fenced, inert, split_blocks


@dataclass(frozen=True)
class Section:
    kind: str  # "markdown" (already inert) | "code" (verbatim code of a reply)
    text: str
    language: str = ""
    role: str = ""


def _outcome(result: p.ChatMessage | None) -> str:
    if result is None:
        return "waiting for approval (not run)"
    meta = result.metadata
    for flag, said in (
        ("rejected", "rejected by the user (not run)"),
        ("denied", "blocked by an approval rule (not run)"),
        ("cancelled", "cancelled (stopped by the user)"),
        ("interrupted", "interrupted (may or may not have completed)"),
        ("unknown", "not run: no such tool"),
        ("invalid", "not run: invalid arguments"),
    ):
        if meta.get(flag):
            return said
    how = "approved with edited arguments" if meta.get("edited") else "approved"
    if meta.get("rule"):
        how = f"allowed by a rule ({meta['rule']})"
    return how + (", failed" if result.status == "error" else "")


def _call(call: p.ToolCall, result: p.ChatMessage | None) -> Section:
    where = f" (server {call.server}, tool {call.tool})" if call.server else ""
    parts = [f"**Tool call:** {inert(call.name + where)} — {inert(_outcome(result))}"]
    if call.original_args is not None:
        parts += ["The model's arguments:", fenced(json.dumps(call.original_args, indent=2), "json")]
    parts += ["Arguments:", fenced(json.dumps(call.args, indent=2, ensure_ascii=False), "json")]
    if result is not None and not any(result.metadata.get(f) for f in ("rejected", "denied")):
        truncated = " (truncated)" if result.metadata.get("truncated") else ""
        parts += [f"Result{truncated}:", fenced(result.content)]
    elif result is not None:
        parts += ["Reason given to the model:", fenced(result.content)]
    return Section("markdown", "\n\n".join(parts), role="tool")


def _text(message: p.ChatMessage, heading: str) -> list[Section]:
    out: list[Section] = []
    prose = [heading]
    for block in split_blocks(message.content):
        if block.kind == "text":
            prose.append(inert(block.text))
        elif message.role == "assistant":
            if prose:
                out.append(Section("markdown", "\n\n".join(prose), role=message.role))
                prose = []
            out.append(Section("code", block.text, block.language, message.role))
        else:
            prose.append(fenced(block.text, block.language))
    if prose and (len(prose) > 1 or not out):
        out.append(Section("markdown", "\n\n".join(prose), role=message.role))
    return out


def _heading(message: p.ChatMessage) -> str:
    if message.role == "user":
        return "**You:**"
    if message.role == "system":
        return "**System:**"
    model = message.metadata.get("model_id") or message.metadata.get("model")
    usage = message.usage
    detail = []
    if model:
        detail.append(str(model))
    if usage is not None:
        detail.append(f"{usage.input_tokens} in / {usage.output_tokens} out tokens")
    return "**Assistant**" + (f" ({inert(', '.join(detail))})" if detail else "") + ":"


def sections(messages: Sequence[p.ChatMessage]) -> list[Section]:
    """The export's sections for ``messages`` (oldest first)."""
    results = {m.tool_call_id: m for m in messages if m.role == "tool" and m.tool_call_id}
    shown: set[str] = set()
    out: list[Section] = []
    for message in messages:
        if message.role == "tool":
            if message.tool_call_id not in shown:  # a result without its call
                body = f"**Tool result** ({inert(message.name or '?')}):\n\n{fenced(message.content)}"
                out.append(Section("markdown", body, role="tool"))
            continue
        if message.content or message.role != "assistant":
            out.extend(_text(message, _heading(message)))
        for call in message.tool_calls:
            shown.add(call.id)
            out.append(_call(call, results.get(call.id)))
    return out
