"""Untrusted JSON in (a websocket frame, a REST body): decoded, or refused with a clear message.

``json.loads`` alone fails in ways that are not ``JSONDecodeError``: ``RecursionError`` for deeply
nested input (a 5,000-deep list over the websocket, a 100,000-deep REST body), a
``UnicodeDecodeError`` for bytes that are not UTF-8, a ``ValueError`` for an integer of more than
4,300 digits. :func:`decode_json` turns each into a :class:`BadJSON` (a 400 / a ``bad_frame``),
and refuses documents nested deeper than :data:`MAX_DEPTH` levels: nothing in the protocol comes
close, and deeper ones would overflow the stack of the code that validates or echoes them.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import BadRequest

MAX_DEPTH = 64


class BadJSON(BadRequest):
    """The input is not JSON we accept."""


def check_depth(value: Any, limit: int = MAX_DEPTH) -> Any:
    """``value``, or BadJSON when its lists/objects nest deeper than ``limit`` (no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        if children and depth > limit:
            raise BadJSON(f"JSON nested deeper than {limit} levels")
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return value


def decode_json(raw: str | bytes) -> Any:
    """The JSON value of ``raw`` (UTF-8 when bytes); BadJSON says what is wrong with it."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadJSON(f"not UTF-8 text (invalid byte at position {exc.start})") from None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise BadJSON(f"not JSON: {exc}") from None
    except RecursionError:
        raise BadJSON(f"JSON nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        raise BadJSON(f"not JSON we accept: {exc}") from None
    return check_depth(value)
