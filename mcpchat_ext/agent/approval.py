"""Tool approval: which calls need the user, and the plan that follows their decisions."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..errors import BadRequest, Conflict
from ..protocol import Decision, PendingCall, ToolInfo
from .run_context import AutoApprove


def split_calls(
    calls: Sequence[Mapping[str, Any]], policy: AutoApprove
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(auto-approved, needs the user) tool calls, in call order. A failing policy asks the user."""
    auto: list[dict[str, Any]] = []
    manual: list[dict[str, Any]] = []
    for call in calls:
        try:
            ok = bool(policy(str(call["name"])))
        except Exception:
            ok = False
        (auto if ok else manual).append(dict(call))
    return auto, manual


def make_plan(
    calls: Sequence[Mapping[str, Any]],
    auto_ids: set[str],
    decisions: Sequence[Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """One step per tool call, in call order: {"call", "action", "reason", "auto"}.

    Auto-approved calls run as is; a decided call is approved, edited (its args replaced) or
    rejected. A call without a decision is rejected (defensive: the runner checks first).
    """
    by_id = {str(d["call_id"]): d for d in decisions}
    plan: list[dict[str, Any]] = []
    for call in calls:
        cid = str(call["id"])
        step_call = {"id": cid, "name": call["name"], "args": dict(call.get("args") or {})}
        if cid in auto_ids:
            plan.append({"call": step_call, "action": "approve", "reason": None, "auto": True})
            continue
        d = by_id.get(cid)
        if d is None:
            plan.append({"call": step_call, "action": "reject", "reason": "no decision", "auto": False})
            continue
        action = str(d.get("action"))
        if action == "edit" and d.get("args") is not None:
            step_call["args"] = dict(d["args"])
        plan.append({"call": step_call, "action": action, "reason": d.get("reason"), "auto": False})
    return plan


def rejection_text(reason: str | None) -> str:
    reason = (reason or "").strip() or "no reason given"
    return f"User rejected this tool call: {reason}"


def pending_call(call: Mapping[str, Any], tool_info: Callable[[str], ToolInfo | None]) -> PendingCall:
    name = str(call["name"])
    info = tool_info(name)
    return PendingCall(
        id=str(call["id"]),
        name=name,
        server=info.server if info else None,
        tool=info.tool if info else None,
        args=dict(call.get("args") or {}),
        description=info.description if info else "",
        input_schema=info.input_schema if info else {},
    )


def check_decisions(pending: Sequence[PendingCall], decisions: Sequence[Decision]) -> None:
    """Conflict when nothing waits; BadRequest for unknown, missing, duplicate or argless edits."""
    if not pending:
        raise Conflict("no tool calls are waiting for approval in this chat")
    ids = [d.call_id for d in decisions]
    if len(set(ids)) != len(ids):
        raise BadRequest("each tool call may be decided only once")
    known = {c.id for c in pending}
    if unknown := set(ids) - known:
        raise BadRequest(f"unknown tool call id(s): {', '.join(sorted(unknown))}")
    if missing := known - set(ids):
        raise BadRequest(f"decide every pending tool call together; missing: {', '.join(sorted(missing))}")
    for d in decisions:
        if d.action == "edit" and d.args is None:
            raise BadRequest(f"edit of {d.call_id} needs 'args'")
