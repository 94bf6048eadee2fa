"""What an elicitation request may ask and what the user's answer must be.

A form request's ``requestedSchema`` is MCP's restricted JSON schema: one object of named
primitive fields (string, number, integer, boolean) or choices: the spec's enum schemas, one
of a list (``enum``, titled ``oneOf: [{const, title}]``) or several (an array whose ``items``
are an ``enum`` or titled ``anyOf``), each choice a text value. A request outside it is refused
before the user sees it. An accepted answer is checked with jsonschema
(formats included: email, date, ...) against that schema before it goes back to the server; an
answer that does not fit is refused with what is wrong, and nothing is sent.

URL requests name a page for the user to open: only http and https URLs are shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from ..errors import BadRequest

PRIMITIVE = {"string", "number", "integer", "boolean"}
MAX_FIELDS = 50
MAX_CHOICES = 200
MAX_URL = 4000
# the values an ElicitResult may carry
Answer = dict[str, str | int | float | bool | list[str] | None]


def form_problem(schema: Any) -> str | None:
    """Why ``schema`` is not a form MCP allows (None when it is one)."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    if not isinstance(schema, Mapping) or schema.get("type") != "object":
        return "the requested schema must be an object schema"
    props = schema.get("properties")
    if not isinstance(props, Mapping) or not props:
        return "the requested schema names no fields"
    if len(props) > MAX_FIELDS:
        return f"the requested schema has {len(props)} fields; at most {MAX_FIELDS} are shown"
    for name, prop in props.items():
        kind = prop.get("type") if isinstance(prop, Mapping) else None
        if kind == "array":
            items = prop.get("items")
            if not isinstance(items, Mapping) or not (items.get("enum") or items.get("anyOf")):
                return f"field {name!r}: an array field must list its choices"
            if problem := _choices_problem(items):
                return f"field {name!r}: {problem}"
        elif kind not in PRIMITIVE:
            return f"field {name!r}: only string, number, integer, boolean and choice fields are allowed"
        elif kind == "string" and (problem := _choices_problem(prop)):
            return f"field {name!r}: {problem}"
    try:
        Draft202012Validator.check_schema(dict(schema))
    except SchemaError as exc:
        return f"the requested schema is not valid JSON schema: {exc.message}"
    return None


def _choices_problem(schema: Mapping[str, Any]) -> str | None:
    """Why the choices of ``schema`` (``enum``, or titled ``oneOf`` / ``anyOf``) are not a list of
    text values a user can pick from (None: they are, or it lists none)."""
    for key in ("enum", "oneOf", "anyOf"):
        choices = schema.get(key)
        if choices is None:
            continue
        if not isinstance(choices, list) or not choices:
            return f"its {key} must list its choices"
        if len(choices) > MAX_CHOICES:
            return f"it offers {len(choices)} choices; at most {MAX_CHOICES} are shown"
        values = (
            choices
            if key == "enum"
            else [c.get("const") if isinstance(c, Mapping) else None for c in choices]
        )
        if not all(isinstance(v, str) for v in values):
            return f"each choice of its {key} must be a text value" + ("" if key == "enum" else " ('const')")
    return None


def _choice_message(validator: Any, choices: Any, value: Any) -> str | None:
    """ "'x' is not one of the choices: a, b" for a titled choice's error (None: not one)."""
    if validator not in ("oneOf", "anyOf") or not isinstance(choices, list):
        return None
    values = [c["const"] for c in choices if isinstance(c, Mapping) and isinstance(c.get("const"), str)]
    if not values or len(values) != len(choices):
        return None
    shown = ", ".join(values[:20]) + (", ..." if len(values) > 20 else "")
    return f"{str(value)[:100]!r} is not one of the choices: {shown}"


def check_answer(schema: Mapping[str, Any], content: Any) -> Answer:
    """``content`` as the answer to a form of ``schema``; BadRequest naming what does not fit."""
    from jsonschema import Draft202012Validator, FormatChecker

    if not isinstance(content, dict):
        raise BadRequest("an accepted form needs its values ('content')")
    props = schema.get("properties") or {}
    if extra := sorted(set(content) - set(props)):
        raise BadRequest(f"the form has no field(s) {', '.join(extra)}")
    validator = Draft202012Validator(dict(schema), format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(content), key=lambda e: list(e.absolute_path))
    if errors:
        parts = []
        for err in errors[:5]:
            where = ".".join(str(p) for p in err.absolute_path)
            message = _choice_message(err.validator, err.validator_value, err.instance) or err.message
            parts.append(f"{where}: {message}" if where else message)
        raise BadRequest(f"the answer does not fit the server's form: {'; '.join(parts)}")
    for key, value in content.items():
        if isinstance(value, list) and not all(isinstance(v, str) for v in value):
            raise BadRequest(f"{key}: only lists of text choices can be returned")
        if isinstance(value, dict):
            raise BadRequest(f"{key}: nested values cannot be returned")
    return dict(content)


def url_problem(url: str) -> str | None:
    """Why ``url`` is not shown to the user to open (None: it is an http(s) URL)."""
    if len(url) > MAX_URL:
        return f"the URL is longer than {MAX_URL} characters"
    try:
        parts = urlsplit(url)
    except ValueError:
        return "the URL cannot be parsed"
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "only http and https URLs are opened"
    if any(ord(c) < 33 or ord(c) == 127 for c in url):
        return "the URL contains spaces or control characters"
    return None
