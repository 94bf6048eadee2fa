"""frames/encode.py: a broadcast frame is encoded once for all of a user's connections."""

from __future__ import annotations

import json

import pytest

from mcpchat_ext.frames import encode as encode_module
from mcpchat_ext.frames.encode import encode


def test_the_same_frame_is_encoded_once_and_another_frame_anew(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    real = json.dumps

    def counting(obj: object, *args: object, **kwargs: object) -> str:
        calls.append(obj)
        return real(obj)

    monkeypatch.setattr(encode_module.json, "dumps", counting)
    frame = {"type": "token", "chat_id": "c", "message_id": "m", "text": "hi <b>"}
    texts = [encode(frame) for _ in range(5)]  # five connections of one user
    assert len(calls) == 1 and len(set(texts)) == 1 and json.loads(texts[0]) == frame
    twin = dict(frame)  # equal, but another frame (a coalescer's joined copy): encoded anew
    twin["text"] = "hi <b> there"
    assert json.loads(encode(twin))["text"] == "hi <b> there" and len(calls) == 2
    assert json.loads(encode(frame)) == frame and len(calls) == 3
