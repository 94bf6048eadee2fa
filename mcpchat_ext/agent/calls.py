"""The tool calls of a model reply, made safe to decide: unique ids and one identity each.

Right after the model answers, :func:`prepare_reply` gives every tool call an id unique in the
reply and in the thread (two calls with one id would be approved, run and answered as one), turns
calls whose arguments were not valid JSON into calls the graph answers with an error, and records
the identity (server, tool) of every call whose name is in the chat's toolset in the message's
``response_metadata`` (never sent to the model). Everything after that (card, policy, run,
audit, history) reads the identity from there, so a name that later means another tool (a server
was added or renamed) cannot redirect a call.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from langchain_core.messages import AIMessage

from .toolset import Toolset

IDENTITIES = "mcpchat_calls"  # {call_id: {"server": ..., "tool": ...}}
INVALID = "mcpchat_invalid_calls"  # {call_id: error text of the model's malformed arguments}
ORIGINAL_ARGS = "mcpchat_original_args"  # {call_id: the model's arguments} of calls edited by the user


def _unique(call_id: str, seen: set[str]) -> str:
    candidate = call_id or f"call_{uuid.uuid4().hex[:16]}"
    n = 1
    while candidate in seen:
        n += 1
        candidate = f"{call_id}_{n}"
    seen.add(candidate)
    return candidate


def prepare_reply(reply: AIMessage, toolset: Toolset, used_ids: Iterable[str]) -> AIMessage:
    """``reply`` with unique call ids, malformed calls kept (to be answered) and identities."""
    if not reply.tool_calls and not reply.invalid_tool_calls:
        return reply
    seen = set(used_ids)
    calls: list[dict[str, Any]] = []
    identities: dict[str, dict[str, str]] = {}
    invalid: dict[str, str] = {}
    raw: list[tuple[dict[str, Any], str | None]] = [(dict(c), None) for c in reply.tool_calls]
    raw += [
        ({"name": c.get("name") or "", "args": {}, "id": c.get("id")}, c.get("error") or "not valid JSON")
        for c in reply.invalid_tool_calls
    ]
    for call, error in raw:
        cid = _unique(str(call.get("id") or ""), seen)
        name = str(call.get("name") or "")
        calls.append({"name": name, "args": dict(call.get("args") or {}), "id": cid, "type": "tool_call"})
        if error is not None:
            invalid[cid] = str(error)
        elif (entry := toolset.by_name(name)) is not None:
            identities[cid] = {"server": entry.info.server, "tool": entry.info.tool}
    meta = {**reply.response_metadata, IDENTITIES: identities}
    if invalid:
        meta[INVALID] = invalid
    return reply.model_copy(update={"tool_calls": calls, "invalid_tool_calls": [], "response_metadata": meta})


def identity(message: AIMessage, call_id: str) -> tuple[str, str] | None:
    """(server, tool) of a call of ``message``; None for a tool the chat does not have."""
    found = (message.response_metadata or {}).get(IDENTITIES, {}).get(call_id)
    if isinstance(found, Mapping) and found.get("server") and found.get("tool"):
        return str(found["server"]), str(found["tool"])
    return None


def invalid_reason(message: AIMessage, call_id: str) -> str | None:
    found = (message.response_metadata or {}).get(INVALID, {}).get(call_id)
    return None if found is None else str(found)


def original_args(message: AIMessage, call_id: str) -> dict[str, Any] | None:
    """The model's own arguments of a call the user edited (None when it ran as proposed)."""
    found = (message.response_metadata or {}).get(ORIGINAL_ARGS, {}).get(call_id)
    return dict(found) if isinstance(found, Mapping) else None


def with_edits(message: AIMessage, edits: Mapping[str, dict[str, Any]]) -> AIMessage:
    """``message`` (same id) whose edited calls carry the arguments that run; the model's own
    arguments are kept in ``response_metadata`` so history can show both."""
    originals = dict((message.response_metadata or {}).get(ORIGINAL_ARGS, {}))
    calls = []
    for call in message.tool_calls:
        if call["id"] in edits:
            originals.setdefault(str(call["id"]), dict(call.get("args") or {}))
            call = {**call, "args": dict(edits[str(call["id"])])}
        calls.append(call)
    meta = {**message.response_metadata, ORIGINAL_ARGS: originals}
    return message.model_copy(update={"tool_calls": calls, "response_metadata": meta})
