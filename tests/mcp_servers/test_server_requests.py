"""The client declares elicitation and sampling, so the published server-everything offers its
tools that ask; their requests reach the running call's asker over stdio, streamable HTTP and
SSE, and what the asker answers is what the server gets. A call with no user to ask declines."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from mcp import types

from mcpchat_ext.mcp_servers.manager import MCPConnectionManager
from mcpchat_ext.mcp_servers.results import result_text
from mcpchat_ext.protocol import ServerSpec
from tests.mcp_servers.everything import running_everything, stdio_spec

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(90)]


@pytest.fixture(params=["stdio", "streamableHttp", "sse"])
def everything(request: pytest.FixtureRequest) -> Iterator[ServerSpec]:
    if request.param == "stdio":
        yield stdio_spec()
    else:
        with running_everything(request.param) as spec:
            yield spec


class ScriptedUser:
    """A call's asker that answers as scripted and keeps what it was asked."""

    waited = 0.0
    asking = False

    def __init__(self) -> None:
        self.elicited: list[types.ElicitRequestParams] = []
        self.sampled: list[types.CreateMessageRequestParams] = []

    async def elicit(self, server: str, params: types.ElicitRequestParams) -> types.ElicitResult:
        self.elicited.append(params)
        return types.ElicitResult(action="accept", content={"name": f"Ada from {server}", "check": True})

    async def sample(
        self, server: str, params: types.CreateMessageRequestParams
    ) -> types.CreateMessageResult:
        self.sampled.append(params)
        text = types.TextContent(type="text", text="sampled words")
        return types.CreateMessageResult(
            role="assistant", content=text, model="chat model", stopReason="endTurn"
        )


async def test_everything_asks_the_running_call(everything: ServerSpec) -> None:
    mgr = MCPConnectionManager(tool_timeout=20.0, connect_timeout=30.0, max_output_chars=20_000)
    try:
        status = await mgr.connect(everything)
        assert status.state == "ready", status.error
        names = {t.tool for t in status.tools}
        assert {"trigger-elicitation-request", "trigger-sampling-request", "trigger-url-elicitation"} <= names

        worker = await mgr._worker_for_call("everything")
        user = ScriptedUser()
        result = await worker.call("trigger-elicitation-request", {}, 20.0, asker=user)
        assert "- Name: Ada from everything" in result_text(result)
        [form] = user.elicited
        assert isinstance(form, types.ElicitRequestFormParams) and form.requestedSchema["required"] == [
            "name"
        ]

        args = {"prompt": "say hi", "maxTokens": 7}
        result = await worker.call("trigger-sampling-request", args, 20.0, asker=user)
        assert "sampled words" in result_text(result)
        [ask] = user.sampled
        assert ask.maxTokens == 7 and ask.systemPrompt == "You are a helpful test server."

        url_args = {"url": "https://example.org/consent", "message": "open it"}
        result = await worker.call("trigger-url-elicitation", url_args, 20.0, asker=user)
        assert isinstance(user.elicited[-1], types.ElicitRequestURLParams)
        assert user.elicited[-1].url == "https://example.org/consent"

        result = await worker.call("trigger-elicitation-request", {}, 20.0)  # nobody to ask
        assert "declined" in result_text(result)
    finally:
        await mgr.aclose()


async def test_a_request_goes_only_to_the_one_running_call() -> None:
    from mcpchat_ext.mcp_servers.server_requests import NO_CALL, SEVERAL_CALLS, ServerRequests

    requests = ServerRequests("s")
    form = types.ElicitRequestFormParams(message="m", requestedSchema={"type": "object", "properties": {}})
    refused = await requests.elicit(None, form)  # type: ignore[arg-type]
    assert isinstance(refused, types.ErrorData) and refused.message == NO_CALL
    first, second = ScriptedUser(), ScriptedUser()
    with requests.during(first):
        with requests.during(second):  # which of the two asks? neither is told
            both = await requests.elicit(None, form)  # type: ignore[arg-type]
            assert isinstance(both, types.ErrorData) and both.message == SEVERAL_CALLS
        answered = await requests.elicit(None, form)  # type: ignore[arg-type]
        assert isinstance(answered, types.ElicitResult) and answered.action == "accept"
    assert len(first.elicited) == 1 and not second.elicited
