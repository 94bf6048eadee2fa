"""A model endpoint that is down gives a clear error and loses nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.fakes.ports import free_port as closed_port

from .conftest import body


@pytest.fixture
def mcpchat_config(mcpchat_config: dict[str, Any]) -> dict[str, Any]:
    return {
        **mcpchat_config,
        "openai_api_key": "sk-test",
        "openai_base_url": f"http://127.0.0.1:{closed_port()}/v1",
        "model_name": "down-model",
    }


async def test_model_endpoint_down_gives_clear_error_and_keeps_chat(jp_fetch: Any) -> None:
    chat = json.loads((await jp_fetch("mcpchat", "api", "chats", method="POST", body="{}")).body)
    result = json.loads(
        (
            await jp_fetch(
                "mcpchat",
                "api",
                "chats",
                chat["id"],
                "messages",
                method="POST",
                body=body({"text": "hello"}),
                request_timeout=90,
            )
        ).body
    )
    last = result["events"][-1]
    assert last["type"] == "error" and last["code"] == "model_error", last
    assert "127.0.0.1" in last["message"] or "connect" in last["message"].lower()
    page = json.loads((await jp_fetch("mcpchat", "api", "chats", chat["id"], "messages")).body)
    assert [m["content"] for m in page["messages"] if m["role"] == "user"] == ["hello"]
    settings = json.loads((await jp_fetch("mcpchat", "api", "settings")).body)
    assert settings["model"]["demo"] is False and "sk-test" not in json.dumps(settings)
