"""What an elicitation form may ask (agent/elicitation.py): the MCP spec's enum schemas are
shown, a request with choices a user cannot pick from is refused, and answers are checked with
jsonschema against the server's schema."""

from __future__ import annotations

from typing import Any

import pytest

from mcpchat_ext.agent.elicitation import MAX_CHOICES, check_answer, form_problem
from mcpchat_ext.errors import BadRequest


def _form(**props: Any) -> dict[str, Any]:
    return {"type": "object", "properties": props}


TITLED_ONE = {"type": "string", "oneOf": [{"const": "r", "title": "Red"}, {"const": "g", "title": "Green"}]}
LEGACY = {"type": "string", "enum": ["r", "g"], "enumNames": ["Red", "Green"]}
UNTITLED_MANY = {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}, "maxItems": 1}
TITLED_MANY = {
    "type": "array",
    "items": {"anyOf": [{"const": "a", "title": "A"}, {"const": "b", "title": "B"}]},
}


@pytest.mark.parametrize("field", [TITLED_ONE, LEGACY, UNTITLED_MANY, TITLED_MANY])
def test_the_specs_enum_schemas_are_shown(field: dict[str, Any]) -> None:
    assert form_problem(_form(choice=field)) is None


@pytest.mark.parametrize(
    ("field", "why"),
    [
        ({"type": "string", "oneOf": [{"const": 1, "title": "one"}]}, "text value"),
        ({"type": "string", "oneOf": [{"type": "string", "format": "email"}]}, "text value"),
        ({"type": "string", "enum": ["a", {"b": 1}]}, "text value"),
        ({"type": "array", "items": {"anyOf": [{"title": "no const"}]}}, "text value"),
        ({"type": "array", "items": {"type": "string"}}, "must list its choices"),
        ({"type": "string", "enum": [f"c{i}" for i in range(MAX_CHOICES + 1)]}, f"at most {MAX_CHOICES}"),
        ({"type": "object", "properties": {}}, "only string"),
    ],
)
def test_choices_a_user_cannot_pick_from_are_refused(field: dict[str, Any], why: str) -> None:
    problem = form_problem(_form(choice=field))
    assert problem is not None and why in problem and "'choice'" in problem


def test_answers_are_checked_against_the_choices() -> None:
    schema = _form(one=TITLED_ONE, many=UNTITLED_MANY, titled=TITLED_MANY)
    assert check_answer(schema, {"one": "g", "many": ["b"], "titled": ["a", "b"]}) == {
        "one": "g",
        "many": ["b"],
        "titled": ["a", "b"],
    }
    for bad, where in [
        ({"one": "Green"}, "one"),  # the title is not the value
        ({"many": ["a", "b"]}, "many"),  # maxItems
        ({"titled": ["c"]}, "titled"),
        ({"titled": "a"}, "titled"),  # one value where a list is asked
    ]:
        with pytest.raises(BadRequest, match=rf"{where}[.0-9]*: "):
            check_answer(schema, bad)
