"""The demo model's tool arguments, read from the words of a request and the tool's schema."""

from __future__ import annotations

import json
import re
from typing import Any

from .words import (
    _COUNT_PARAMS,
    _FILLER,
    _NUMBER,
    _PAIR,
    _QUOTED,
    ToolSpec,
    _matches,
    _name_words,
    _words,
)

# --------------------------------------------------------------------------
# arguments from text
# --------------------------------------------------------------------------


def _json_object(text: str) -> tuple[dict[str, Any], str]:
    decoder = json.JSONDecoder()
    for match in re.finditer(r"\{", text):
        try:
            value, end = decoder.raw_decode(text, match.start())
        except ValueError:
            continue
        if isinstance(value, dict):
            return value, _blank(text, (match.start(), end))
    return {}, text


def _blank(text: str, span: tuple[int, int]) -> str:
    """``text`` with ``span`` replaced by spaces (positions of the rest stay valid)."""
    start, end = span
    return text[:start] + " " * (end - start) + text[end:]


def _coerce(value: str, schema: dict[str, Any]) -> Any:
    kind = _schema_type(schema)
    value = value.strip().strip("\"'")
    try:
        if kind == "integer":
            return int(float(value))
        if kind == "number":
            number = float(value)
            return int(number) if number.is_integer() and "." not in value else number
    except ValueError:
        return value
    if kind == "boolean":
        return value.lower() in {"true", "yes", "1", "on"}
    return value


def _schema_type(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind is None:
        for option in schema.get("anyOf") or []:
            if isinstance(option, dict) and option.get("type") not in (None, "null"):
                return _schema_type(option)
        return "string"
    return str(kind)


def extract_args(tool: ToolSpec, clause: str, keyword_span: tuple[int, int] | None) -> dict[str, Any]:
    """Arguments for ``tool`` from ``clause`` guided by its JSON schema properties."""
    args, text = _json_object(clause)
    args = {k: v for k, v in args.items() if not tool.properties or k in tool.properties}
    for match in _PAIR.finditer(text):
        name = match.group(1)
        if name in tool.properties and name not in args:
            args[name] = _coerce(match.group(2), tool.properties[name])
            text = _blank(text, match.span())
    numeric = [n for n, s in tool.properties.items() if _schema_type(s) in ("number", "integer")]
    numbers = [n for n in _NUMBER.finditer(text) if not _in_address(text, n)]
    used_spans: list[tuple[int, int]] = []
    for name in (n for n in numeric if n not in args):  # "6 sides", "sides 6", "sides of 6"
        named = _named_number(text, name, numbers)
        if named is not None:
            numbers.remove(named)
            args[name] = _coerce(named.group(), tool.properties[name])
            used_spans.append(named.span())
    counted = [n for n in numeric if n.lower() in _COUNT_PARAMS and n not in args]
    if counted and numbers and tool.keywords:  # "roll 2 dice": the number before the tool's word
        for number in numbers:
            following = _words(text[number.end() :])[:1]
            if any(_matches(w, k) for w in following for k in tool.keywords):
                numbers.remove(number)
                args[counted[0]] = _coerce(number.group(), tool.properties[counted[0]])
                used_spans.append(number.span())
                break
    for name in (n for n in numeric if n not in args):
        if not numbers:
            break
        match = numbers.pop(0)
        args[name] = _coerce(match.group(), tool.properties[name])
        used_spans.append(match.span())
    for name, schema in tool.properties.items():
        if name not in args and _schema_type(schema) == "boolean":
            if re.search(rf"\b(no|not|without)\s+{re.escape(name)}\b", text, re.I):
                args[name] = False
    strings = [n for n, s in tool.properties.items() if _schema_type(s) == "string"]
    strings = [n for n in strings if n not in args]
    if not strings:
        return args
    for name in list(strings):  # "from Europe/Paris to Asia/Tokyo"
        lowered = name.lower()
        for markers, word in ((("source", "from", "src"), "from"), (("target", "dest", "to"), "to")):
            found = re.search(rf"\b{word}\s+(\S+)", text, re.I)
            if found and any(m in _name_words(lowered) for m in markers):
                args[name] = found.group(1).strip(" ?!.,;:")
                text = _blank(text, found.span())
                strings.remove(name)
                break
    if not strings:
        return args
    quoted = [next(g for g in m.groups() if g is not None) for m in _QUOTED.finditer(text)]
    for name in strings:
        enum = tool.properties[name].get("enum")
        if enum:
            lowered = text.lower()
            chosen = next((e for e in enum if str(e).lower() in lowered), None)
            if chosen is not None:
                args[name] = chosen
            continue
        if quoted:
            args[name] = quoted.pop(0)
        elif name == strings[0]:
            rest = _remaining_text(text, keyword_span, used_spans)
            if rest:
                args[name] = rest
    return args


_ADDRESS = re.compile(r"://|[/@\\]|^www\.|\d+\.\d+\.\d+|[\w.-]*[A-Za-z.][\w.-]*:\d+", re.I)


def _in_address(text: str, number: re.Match[str]) -> bool:
    """The number is part of a URL, path, host:port or dotted address (``127.0.0.1:8000/x``)."""
    start, end = number.span()
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    return bool(_ADDRESS.search(text[start:end].strip("\"'()[]<>,;!?")))


def _named_number(text: str, name: str, numbers: list[re.Match[str]]) -> re.Match[str] | None:
    """The number written right next to the parameter's name, if any."""
    words = [w for w in _name_words(name) if w not in _FILLER]
    if not words:
        return None
    for number in numbers:
        after = _words(text[number.end() :])[:1]
        before = _words(text[: number.start()])[-2:]
        before = [w for w in before if w not in {"of", "is", "to", "be"}][-1:]
        if any(_matches(w, k) for w in after + before for k in words):
            return number
    return None


def _remaining_text(text: str, keyword_span: tuple[int, int] | None, used: list[tuple[int, int]]) -> str:
    """The free text of a clause: after the tool's keyword, without used numbers and filler."""
    chars = list(text)
    for start, end in used:
        chars[start:end] = " " * (end - start)
    cleaned = "".join(chars)
    if keyword_span is not None:
        after = cleaned[keyword_span[1] :]
        cleaned = after if after.strip() else cleaned[: keyword_span[0]]
    tokens = cleaned.split()
    while tokens and re.sub(r"\W", "", tokens[0].lower()) in _FILLER:
        tokens.pop(0)
    while tokens and re.sub(r"\W", "", tokens[-1].lower()) in _FILLER | {""}:
        tokens.pop()
    return " ".join(tokens).strip(" ?!.,;:")
