"""A frame's JSON text, made once for all of a user's connections.

A broadcast hands the same frame (one dict) to every connection of the user, one after another;
each used to encode it again (5 tabs: 5 ``json.dumps`` of every token frame). :func:`encode`
remembers the last frame it encoded, by identity, and gives its text back for the same dict. Frames
are never changed once handed out (the token coalescer joins text into copies of its own), and the
remembered frame is held, so its identity cannot be reused by another dict meanwhile.
"""

from __future__ import annotations

import json
from typing import Any

_last: tuple[dict[str, Any] | None, str] = (None, "")


def encode(frame: dict[str, Any]) -> str:
    global _last
    last, text = _last
    if last is frame:
        return text
    text = json.dumps(frame)
    _last = (frame, text)
    return text
