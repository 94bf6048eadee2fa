"""Elicitation over the websocket frames (the FrameDispatcher both the panel and the notebook
widget use), with two clients of one user: both see the card; an answer that does not fit, a
malformed or unknown one, is told to the client that sent it alone; a valid one settles it for
both. Real dispatcher, workspace, asking FastMCP server (stdio) and ChatOpenAI on the fake."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from mcpchat_ext import api
from mcpchat_ext.frames.dispatcher import FrameDispatcher
from tests.api.llm_client import llm_client
from tests.fakes.openai_server import FakeOpenAI, text_reply, tool_call_reply
from tests.mcp_servers.asking import asking_spec

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(120)]


class Client:
    """One connection: what its dispatcher sent it."""

    def __init__(self, client: api.Client) -> None:
        self.frames: list[dict[str, Any]] = []
        self.dispatcher = FrameDispatcher(client.workspace, self._got)

    async def _got(self, frame: dict[str, Any]) -> None:
        self.frames.append(frame)

    async def send(self, frame: dict[str, Any] | str) -> None:
        await self.dispatcher.handle_raw(frame if isinstance(frame, str) else json.dumps(frame))

    async def next(self, match: Callable[[dict[str, Any]], bool], after: int = 0) -> dict[str, Any]:
        for _ in range(2000):
            found = [f for f in self.frames[after:] if match(f)]
            if found:
                return found[0]
            await asyncio.sleep(0.01)
        raise AssertionError(f"no such frame in {self.frames[after:]}")


def of(kind: str, **fields: Any) -> Callable[[dict[str, Any]], bool]:
    return lambda f: f["type"] == kind and all(f.get(k) == v for k, v in fields.items())


@pytest_asyncio.fixture
async def client(tmp_path: Path, llm: FakeOpenAI) -> AsyncIterator[api.Client]:
    async with llm_client(tmp_path, llm) as client:
        assert (await client.add_server(asking_spec())).state == "ready"
        yield client


async def test_two_clients_one_card_and_answers_told_to_their_sender(
    client: api.Client, llm: FakeOpenAI
) -> None:
    chat = await client.new_chat("frames", servers=["asking"])
    one, two = Client(client), Client(client)
    llm.queue(tool_call_reply([("asking_ask_form", {})]), text_reply("ok"))
    await one.send({"type": "send", "chat_id": chat.id, "text": "ask me"})
    pending = await one.next(of("approval_required"))
    decision = {"call_id": pending["calls"][0]["id"], "action": "approve"}
    await one.send({"type": "decide", "chat_id": chat.id, "decisions": [decision]})
    ask = await one.next(of("elicitation_request"))
    assert (await two.next(of("elicitation_request")))["request_id"] == ask["request_id"]
    rid, seen_by_two = ask["request_id"], len(two.frames)

    answer = {"type": "elicitation_answer", "chat_id": chat.id, "request_id": rid, "action": "accept"}
    await one.send({**answer, "content": {"name": "Ada", "age": "old"}})
    refused = await one.next(of("server_request_status", request_id=rid))
    assert refused["status"] == "invalid" and "age" in refused["note"]
    await one.send('{"type": "elicitation_answer", "chat_id": "x"}')  # malformed
    assert (await one.next(of("error")))["code"] == "bad_frame"
    await one.send({**answer, "request_id": "no-such-request"})
    assert (await one.next(of("server_request_status", request_id="no-such-request")))["status"] == "gone"
    assert not [f for f in two.frames[seen_by_two:] if f["type"] in ("server_request_status", "error")]

    await two.send({**answer, "content": {"name": "Ada", "age": 36}})
    for c in (one, two):
        assert (await c.next(of("server_request_status", status="accepted")))["request_id"] == rid
    result = await one.next(of("tool_result"))
    assert result["message"]["content"] == "accept name=Ada age=36"
    mark = len(one.frames)
    await one.send({**answer, "content": {"name": "Eve", "age": 1}})  # too late
    assert (await one.next(of("server_request_status", request_id=rid), after=mark))["status"] == "gone"
    await one.next(of("done"))
    for c in (one, two):
        await c.dispatcher.close()
