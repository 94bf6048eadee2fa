"""Kernel variables: list them (name, type, shape or length, short repr) and inspect one.

The probe runs in the kernel as an IPython *user expression* of a silent execution: nothing is
added to the user's namespace or history, and the answer is one JSON string. Only names are
accepted (``df`` or ``model.weights``, resolved attribute by attribute), never expressions, so
inspecting runs no code of the model's beyond the objects' own ``repr``/``len``.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any

from .access import ToolError

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,9}$")
MAX_VARIABLES = 200
LIST_LIMIT = 120  # characters of each variable's repr in a listing
INSPECT_LIMIT = 4000  # characters of the repr of an inspected variable

# runs in the kernel with ``ns`` (the user namespace), ``target`` (None: list) and ``limit``
_PROBE = r"""
import json as _json, types as _types
def _kind(v):
    t = type(v)
    return t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"
def _info(name, v, limit):
    d = {"name": name, "type": _kind(v)}
    shape = getattr(v, "shape", None)
    if isinstance(shape, tuple):
        d["shape"] = [int(x) if isinstance(x, int) else str(x) for x in shape]
    elif not isinstance(v, type):
        try:
            d["length"] = len(v)
        except Exception:
            pass
    dtype = getattr(v, "dtype", None)
    if dtype is not None and not isinstance(v, type):
        d["dtype"] = str(dtype)
    try:
        r = repr(v)
    except Exception as e:
        r = f"<repr failed: {type(e).__name__}>"
    d["repr"] = r if len(r) <= limit else r[:limit] + "..."
    return d
ip = ns.get("get_ipython")
hidden = set(ip().user_ns_hidden) if callable(ip) else set()
if target is None:
    out = [
        _info(n, v, limit)
        for n, v in list(ns.items())
        if not n.startswith("_") and n not in hidden and n not in ("In", "Out", "exit", "quit")
        and not isinstance(v, _types.ModuleType)
    ]
else:
    parts = target.split(".")
    if parts[0] not in ns:
        out = {"missing": parts[0]}
    else:
        v = ns[parts[0]]
        try:
            for p in parts[1:]:
                v = getattr(v, p)
        except AttributeError as e:
            out = {"missing": target, "error": str(e)}
        else:
            out = _info(target, v, limit)
            names = [a for a in dir(v) if not a.startswith("_")]
            out["attributes"] = names[:60]
            doc = getattr(type(v), "__doc__", None) or ""
            out["doc"] = doc.strip().splitlines()[0][:200] if doc.strip() else ""
result = _json.dumps(out, default=str)
"""


def probe_expression(target: str | None, limit: int) -> str:
    """The user expression that answers the probe as a JSON string."""
    if target is not None and not NAME.match(target):
        raise ToolError(f"{target!r} is not a variable name (letters, digits, _ and dots only)")
    return (
        "(lambda __src, __d: (exec(__src, __d), __d['result'])[1])"
        f"({_PROBE!r}, {{'ns': globals(), 'target': {target!r}, 'limit': {limit}}})"
    )


def probe_answer(user_expressions: dict[str, Any]) -> Any:
    """The decoded answer of :func:`probe_expression` (ToolError if the kernel could not run it)."""
    answer = user_expressions.get("probe") or {}
    if answer.get("status") != "ok":
        why = f"{answer.get('ename', 'error')}: {answer.get('evalue', '')}" if answer else "no answer"
        raise ToolError(
            f"the kernel could not list its variables ({why}); this needs a Python (ipykernel) kernel"
        )
    try:
        return json.loads(ast.literal_eval(answer["data"]["text/plain"]))
    except (KeyError, ValueError, SyntaxError, TypeError) as exc:
        raise ToolError(f"unexpected answer from the kernel: {exc}") from None


def describe(var: dict[str, Any]) -> str:
    extent = (
        f" shape {tuple(var['shape'])}"
        if "shape" in var
        else (f" len {var['length']}" if "length" in var else "")
    )
    dtype = f" dtype {var['dtype']}" if "dtype" in var else ""
    return f"{var['name']}: {var['type']}{extent}{dtype} = {var['repr']}"


def listing(found: list[dict[str, Any]], where: str) -> str:
    """The answer of ``list_variables``: one line per variable (at most MAX_VARIABLES)."""
    shown = [describe(v) for v in found[:MAX_VARIABLES]]
    more = f"\n[... {len(found) - MAX_VARIABLES} more]" if len(found) > MAX_VARIABLES else ""
    return f"{len(found)} variables in {where}:\n" + "\n".join(shown) + more


def inspection(found: dict[str, Any], where: str) -> str:
    """The answer of ``inspect_variable`` (ToolError when there is no such variable)."""
    if "missing" in found:
        raise ToolError(f"no variable {found['missing']!r} in {where}")
    lines = [describe(found)]
    if found.get("doc"):
        lines.append(f"doc: {found['doc']}")
    if found.get("attributes"):
        lines.append(f"attributes: {', '.join(found['attributes'])}")
    return "\n".join(lines)
