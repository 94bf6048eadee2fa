"""Tool approval: what each call of a reply needs, and the plan that follows the decisions.

Each call gets one step, in call order: ``{"call", "action", "reason", "auto", "rule"}`` where
``call`` is ``{"id", "name", "args", "server", "tool"}`` and ``action`` is one of

* ``approve`` / ``edit`` (run; ``edit`` with the user's arguments), ``reject`` (the user said no),
* ``deny`` (an approval rule blocks the tool: the model is told so),
* ``unknown`` (no such tool in this chat) and ``invalid`` (arguments were not JSON): answered to
  the model as errors without a card, since nothing can run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.messages import AIMessage

from ..errors import BadRequest, Conflict
from ..protocol import Decision, PendingCall
from .calls import identity, invalid_reason
from .run_context import Policy, Verdict
from .toolset import Toolset

RUNS = ("approve", "edit")


def _verdict(policy: Policy, server: str, tool: str, read_only: bool) -> Verdict:
    try:
        return policy(server, tool, read_only)
    except Exception:  # a failing policy asks the user
        return Verdict("ask")


def classify(message: AIMessage, toolset: Toolset, policy: Policy) -> list[dict[str, Any]]:
    """A first step per call of ``message``: unknown/invalid, or the policy's allow/ask/deny."""
    steps: list[dict[str, Any]] = []
    for call in message.tool_calls:
        cid = str(call["id"])
        ident = identity(message, cid)
        step_call: dict[str, Any] = {"id": cid, "name": call["name"], "args": dict(call.get("args") or {})}
        step: dict[str, Any] = {"call": step_call, "action": "ask", "reason": None, "auto": False}
        step["rule"] = None
        if (why := invalid_reason(message, cid)) is not None:
            step.update(action="invalid", reason=why)
        elif ident is None:
            step.update(action="unknown")
        else:
            step_call.update(server=ident[0], tool=ident[1])
            entry = toolset.by_identity(*ident)
            notes = entry.info.annotations if entry else None
            verdict = _verdict(policy, *ident, bool(notes and notes.claims_read_only))
            if verdict.action == "allow":
                step.update(action="approve", auto=True, rule=verdict.rule)
            elif verdict.action == "deny":
                step.update(action="deny", auto=True, rule=verdict.rule)
        steps.append(step)
    return steps


def card(step: Mapping[str, Any], toolset: Toolset) -> dict[str, Any]:
    """The interrupt payload of one call that waits for the user: exactly what the card shows."""
    call = step["call"]
    entry = toolset.by_identity(call["server"], call["tool"])
    notes = entry.info.annotations if entry else None
    return {
        **call,
        "description": entry.info.description if entry else "",
        "input_schema": entry.info.input_schema if entry else {},
        "title": entry.info.title if entry else None,
        "annotations": notes.model_dump() if notes else None,
    }


def decide_steps(steps: list[dict[str, Any]], decisions: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``steps`` with the user's decisions applied. A call still waiting without a decision (the
    rules changed while it waited) is rejected: nothing runs without approval."""
    by_id = {str(d["call_id"]): d for d in decisions}
    plan: list[dict[str, Any]] = []
    for step in steps:
        step = {**step, "call": dict(step["call"])}
        d = by_id.get(step["call"]["id"])
        if d is not None and step["action"] in ("ask", "approve"):
            action = str(d.get("action"))
            if action == "edit" and d.get("args") is not None:
                step["call"]["args"] = dict(d["args"])
            step.update(action=action, reason=d.get("reason"), auto=False, rule=None)
        elif step["action"] == "ask":
            step.update(action="reject", reason="your approval rules changed while this call waited")
        plan.append(step)
    return plan


def rule_decision(step: Mapping[str, Any]) -> Decision:
    """The decision an approval rule made for a step (``auto``): approve, or reject (blocked)."""
    allowed = step["action"] == "approve"
    return Decision(
        call_id=str(step["call"]["id"]),
        action="approve" if allowed else "reject",
        reason=None if allowed else step.get("rule"),
        rule=step.get("rule"),
    )


def rejection_text(reason: str | None) -> str:
    reason = (reason or "").strip() or "no reason given"
    return f"User rejected this tool call: {reason}"


def pending_call(payload: Mapping[str, Any]) -> PendingCall:
    """A pending call as the card shows it (from the interrupt payload)."""
    return PendingCall(
        id=str(payload["id"]),
        name=str(payload["name"]),
        server=payload.get("server"),
        tool=payload.get("tool"),
        args=dict(payload.get("args") or {}),
        description=str(payload.get("description") or ""),
        input_schema=dict(payload.get("input_schema") or {}),
        title=payload.get("title"),
        annotations=payload.get("annotations"),
    )


def schema_problem(args: dict[str, Any], schema: Mapping[str, Any]) -> str | None:
    """Why ``args`` do not fit the tool's input schema (None when they do). Arguments the schema
    does not declare are refused too, unless it allows additional properties explicitly."""
    if not schema:
        return None
    # jsonschema costs seconds to import (its format checkers); the engine imports it off the
    # event loop when it starts (engine.py), so this is cheap by the time a user decides
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    declared = schema.get("properties")
    if isinstance(declared, Mapping) and schema.get("additionalProperties") in (None, False):
        extra = sorted(set(args) - set(declared))
        if extra:
            return f"unknown argument(s): {', '.join(extra)}"
    try:
        error = next(iter(Draft202012Validator(dict(schema)).iter_errors(args)), None)
    except SchemaError:
        return None  # the server's schema is broken: nothing to check against
    if error is None:
        return None
    where = ".".join(str(p) for p in error.absolute_path)
    return f"{where}: {error.message}" if where else error.message


def check_decisions(pending: Sequence[PendingCall], decisions: Sequence[Decision]) -> None:
    """Conflict when nothing waits; BadRequest for unknown, missing or duplicate decisions and for
    edited arguments that do not fit the tool's input schema (the card stays pending)."""
    if not pending:
        raise Conflict("no tool calls are waiting for approval in this chat")
    ids = [d.call_id for d in decisions]
    if len(set(ids)) != len(ids):
        raise BadRequest("each tool call may be decided only once")
    known = {c.id: c for c in pending}
    if unknown := set(ids) - set(known):
        raise BadRequest(f"unknown tool call id(s): {', '.join(sorted(unknown))}")
    if missing := set(known) - set(ids):
        raise BadRequest(f"decide every pending tool call together; missing: {', '.join(sorted(missing))}")
    for d in decisions:
        if d.action != "edit":
            continue
        if d.args is None:
            raise BadRequest(f"edit of {d.call_id} needs 'args'")
        call = known[d.call_id]
        if problem := schema_problem(d.args, call.input_schema):
            label = f"{call.server}:{call.tool}" if call.server else call.name
            raise BadRequest(
                f"the edited arguments of {label} do not fit its input schema ({problem}); "
                "fix them and decide again"
            )
