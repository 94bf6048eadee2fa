"""Model-facing tool names and call ids: valid, unique, and bound to one identity."""

from __future__ import annotations

import itertools
import re

from langchain_core.messages import AIMessage
from langchain_core.tools import StructuredTool

from mcpchat_ext import protocol as p
from mcpchat_ext.agent.approval import schema_problem
from mcpchat_ext.agent.calls import identity, invalid_reason, prepare_reply
from mcpchat_ext.agent.toolset import Toolset, model_names

VALID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
IDS = [
    ("a", "b_c"),
    ("a_b", "c"),
    ("demo", "add"),
    ("x y", "<img src=x onerror=alert(1)>"),
    ("s", "../../etc/passwd"),
    ("s", "ünï"),
    ("modelcontextprotocol-server-everything", "trigger-long-running-operation"),
    ("s", "t" * 200),
    ("s", "s_t"),
]


def test_names_are_valid_unique_and_independent_of_order() -> None:
    names = model_names(IDS)
    assert len(set(names.values())) == len(IDS)
    assert all(VALID.match(n) for n in names.values()), names
    assert names[("demo", "add")] == "demo_add"  # plain names stay readable
    assert names[("a", "b_c")] != names[("a_b", "c")]
    for order in itertools.islice(itertools.permutations(IDS), 50):
        assert model_names(order) == names


def _tool(name: str) -> StructuredTool:
    async def run() -> str:
        return name

    return StructuredTool.from_function(coroutine=run, name=name, description=name)


def _toolset(*ids: tuple[str, str]) -> Toolset:
    return Toolset((p.ToolInfo(name=f"{s}_{t}", server=s, tool=t), _tool(f"{s}_{t}")) for s, t in ids)


def test_toolset_renames_the_tools_it_offers() -> None:
    toolset = _toolset(("a", "b_c"), ("a_b", "c"))
    names = [t.name for t in toolset.tools]
    assert len(set(names)) == 2
    for entry in toolset:
        assert toolset.by_name(entry.name) is entry
        assert toolset.by_identity(*entry.identity) is entry
        assert entry.tool.name == entry.name == entry.info.name


def test_prepare_reply_makes_ids_unique_and_records_identities() -> None:
    toolset = _toolset(("demo", "add"))
    reply = AIMessage(
        content="",
        tool_calls=[
            {"name": "demo_add", "args": {"a": 1}, "id": "dup", "type": "tool_call"},
            {"name": "demo_add", "args": {"a": 2}, "id": "dup", "type": "tool_call"},
            {"name": "demo_add", "args": {"a": 3}, "id": "old", "type": "tool_call"},
            {"name": "nope", "args": {}, "id": "", "type": "tool_call"},
        ],
        invalid_tool_calls=[
            {
                "name": "demo_add",
                "args": "{bad",
                "id": "dup",
                "error": "bad JSON",
                "type": "invalid_tool_call",
            }
        ],
    )
    out = prepare_reply(reply, toolset, used_ids={"old"})
    ids = [c["id"] for c in out.tool_calls]
    assert len(ids) == 5 == len(set(ids)) and "old" not in ids and all(ids)
    assert [identity(out, i) for i in ids[:3]] == [("demo", "add")] * 3
    assert identity(out, ids[3]) is None  # no such tool: answered without a card
    assert invalid_reason(out, ids[4]) == "bad JSON" and identity(out, ids[4]) is None
    assert out.invalid_tool_calls == []


def test_edited_arguments_must_fit_the_schema() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
        "required": ["a", "b"],
    }
    assert schema_problem({"a": 1, "b": 2}, schema) is None
    assert "unknown argument(s): rm" in (schema_problem({"a": 1, "b": 2, "rm": "-rf"}, schema) or "")
    assert "'b' is a required property" in (schema_problem({"a": 1}, schema) or "")
    assert "is not of type 'number'" in (schema_problem({"a": "one", "b": 2}, schema) or "")
    open_schema = {**schema, "additionalProperties": True}
    assert schema_problem({"a": 1, "b": 2, "x": 0}, open_schema) is None
