"""The model catalog on a real jupyter-server: REST and websocket offer its models and a per-chat
choice, and a catalog key never reaches a client: not in REST or websocket answers, not in the
page's HTML, not in the error when the endpoint fails (even one that echoes the key back), and
not in the server log."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from ..fakes.openai_server import FakeOpenAI, text_reply
from .conftest import body
from .wsclient import ChatSocket

pytestmark = pytest.mark.timeout(120)
SECRET = "sk-catalog-key-9f8e7d6c5b4a"


@pytest.fixture
def llm() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def mcpchat_config(
    mcpchat_config: dict[str, Any], llm: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    monkeypatch.setenv("TEST_CATALOG_KEY", SECRET)
    catalog = {
        "models": {
            "fake": {
                "model": "fake-model",
                "label": "Fake endpoint",
                "base_url": llm.base_url,
                "api_key_env": "TEST_CATALOG_KEY",
                "context_window": 4096,
                "input_price": 3,
                "output_price": 15,
            }
        }
    }
    return {**mcpchat_config, "model_catalog": catalog, "include_demo_server": False}


@pytest.fixture
def server_extra_config() -> dict[str, Any]:  # JupyterLab too: its page must not carry the key
    extensions = {"mcpchat_ext": True, "jupyterlab": True, "jupyter_server_terminals": False}
    return {"ServerApp": {"jpserver_extensions": extensions}}


async def api(jp_fetch: Any, *parts: str, method: str = "GET", data: Any = None) -> tuple[str, Any]:
    kw: dict[str, Any] = {"method": method, "request_timeout": 60}
    if method in ("POST", "PUT", "PATCH"):
        kw["body"] = body(data if data is not None else {})
    response = await jp_fetch("mcpchat", "api", *parts, **kw)
    raw = response.body.decode() if response.body else ""
    return raw, json.loads(raw) if raw else None


async def test_catalog_models_and_a_per_chat_choice_over_rest(jp_fetch: Any, llm: FakeOpenAI) -> None:
    _, settings = await api(jp_fetch, "settings")
    assert [m["id"] for m in settings["models"]] == ["fake", "demo"]
    assert settings["model"]["id"] == "fake" and settings["model"]["context_window"] == 4096
    _, chat = await api(jp_fetch, "chats", method="POST", data={"servers": [], "model": "demo"})
    assert chat["model"] == "demo"
    _, answer = await api(jp_fetch, "chats", chat["id"], "messages", method="POST", data={"text": "hi"})
    assert answer["events"][-1]["type"] == "done" and not llm.requests  # the demo model answered
    _, chat = await api(jp_fetch, "chats", chat["id"], method="PATCH", data={"model": "fake"})
    assert chat["model"] == "fake"
    llm.queue(text_reply("real answer"))
    _, answer = await api(jp_fetch, "chats", chat["id"], "messages", method="POST", data={"text": "again"})
    done = answer["events"][-1]
    assert done["message"]["content"] == "real answer"
    assert done["message"]["usage"]["model"] == "fake" and done["message"]["usage"]["cost"] > 0
    with pytest.raises(HTTPClientError) as info:
        await api(jp_fetch, "chats", chat["id"], method="PATCH", data={"model": "gpt-9"})
    assert info.value.code == 400
    assert info.value.response is not None
    assert "unknown model 'gpt-9'" in info.value.response.body.decode()


async def test_a_catalog_key_never_reaches_a_client(
    jp_fetch: Any, jp_ws_fetch: Any, llm: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    sock = ChatSocket(await jp_ws_fetch("mcpchat", "ws"))
    seen.append(json.dumps(await sock.recv()))  # welcome
    seen.append(json.dumps(await sock.call("settings.get")))
    chat = await sock.call("chats.create", servers=[])
    # the endpoint rejects the key and echoes it back in its error, as some gateways do
    llm.fail_next(401, message=f"Incorrect API key provided: {SECRET}")
    await sock.send({"type": "send", "chat_id": chat["id"], "text": "hello"})
    frames = await sock.until("done", "error", chat_id=chat["id"])
    assert frames[-1]["type"] == "error" and frames[-1]["code"] == "model_error"
    assert "401" in frames[-1]["message"] and "[key hidden]" in frames[-1]["message"]
    llm.queue(text_reply("fine now"))
    await sock.send({"type": "send", "chat_id": chat["id"], "text": "again"})
    await sock.until("done", chat_id=chat["id"])
    seen.append(json.dumps(await sock.call("chats.history", chat_id=chat["id"])))
    seen.extend(json.dumps(f) for f in sock.seen)
    for parts in (("settings",), ("chats",), ("chats", chat["id"]), ("chats", chat["id"], "messages")):
        seen.append((await api(jp_fetch, *parts))[0])
    page = await jp_fetch("lab", method="GET", request_timeout=60)
    seen.append(page.body.decode())
    assert llm.headers[-1]["authorization"] == f"Bearer {SECRET}"  # the endpoint did get it
    seen.append(caplog.text)  # nor in the server log (the endpoint's error is logged too)
    for text in seen:
        assert SECRET not in text and SECRET[:16] not in text
        assert "TEST_CATALOG_KEY" not in text
