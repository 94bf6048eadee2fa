"""An MCP server's own requests during a tool call (elicitation, sampling) reach the user of the
call, in its chat, and come back only as the user answered: real ChatOpenAI against the local
fake endpoint, the real asking FastMCP server over stdio, the real store's audit."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from pydantic import BaseModel

from mcpchat_ext import api
from mcpchat_ext import protocol as p
from mcpchat_ext.agent.catalog import parse_catalog
from mcpchat_ext.errors import BadRequest, Conflict
from mcpchat_ext.frames.dispatcher import FrameDispatcher
from mcpchat_ext.mcp_servers.server_requests import NO_CALL
from tests.api.llm_client import llm_client
from tests.fakes.openai_server import FakeOpenAI, text_reply, tool_call_reply
from tests.mcp_servers.asking import asking_spec

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(120)]
HOSTILE = "<script>window.__pwned=1</script>\x1b[31m<img src=x onerror=alert(1)> who are you?"


@pytest_asyncio.fixture
async def client(tmp_path: Path, llm: FakeOpenAI) -> AsyncIterator[api.Client]:
    async with llm_client(tmp_path, llm, sampling_max_tokens=100) as client:
        yield client


@pytest_asyncio.fixture
async def chat(client: api.Client, tmp_path: Path) -> api.Chat:
    spec = asking_spec(env={"ASK_LEDGER": str(tmp_path / "ledger.txt")})
    assert (await client.add_server(spec)).state == "ready"
    return await client.new_chat("asking", servers=["asking"])


async def _run(chat: api.Chat, llm: FakeOpenAI, tool: str, args: dict[str, Any]) -> AsyncIterator[BaseModel]:
    llm.queue(tool_call_reply([(f"asking_{tool}", args)]))
    frames = [f async for f in chat.send(f"run {tool}")]
    assert isinstance(frames[-1], p.ApprovalRequiredFrame)
    return chat.approve_all()


def _result(frames: list[BaseModel]) -> str:
    [result] = [f for f in frames if isinstance(f, p.ToolResultFrame)]
    return result.message.content


async def test_form_answer_is_checked_then_returned_and_audited(
    client: api.Client, chat: api.Chat, llm: FakeOpenAI
) -> None:
    stream = await _run(chat, llm, "ask_form", {"message": HOSTILE})
    llm.queue(text_reply("thanks"))
    frames: list[BaseModel] = []
    async for frame in stream:
        frames.append(frame)
        if isinstance(frame, p.ElicitationRequestFrame):
            assert frame.server == "asking" and frame.chat_id == chat.id and frame.mode == "form"
            assert frame.message == HOSTILE.replace("\x1b", "")  # the server's text, no control chars
            assert set((frame.requested_schema or {})["properties"]) == {"name", "age"}
            with pytest.raises(BadRequest, match="age"):  # out of range: refused, nothing sent
                await chat.answer_elicitation(frame.request_id, "accept", {"name": "Ada", "age": 999})
            with pytest.raises(BadRequest, match="no field"):
                await chat.answer_elicitation(frame.request_id, "accept", {"name": "Ada", "age": 3, "x": 1})
            await chat.answer_elicitation(frame.request_id, "accept", {"name": "Ada", "age": 36})
    assert _result(frames) == "accept name=Ada age=36"
    statuses = [f for f in frames if isinstance(f, p.ServerRequestStatusFrame)]
    assert [s.status for s in statuses] == ["accepted"]
    audit = [r for r in await client.workspace.audit(chat.id) if r["tool"] == "elicitation/create"]
    assert [(r["server"], r["action"], r["edited_args"]) for r in audit] == [
        ("asking", "accept", {"fields": ["age", "name"]})
    ]
    assert "Ada" not in repr(audit)  # what the user typed is not kept in the audit


async def test_an_open_request_is_in_every_views_history_and_taken_once(
    client: api.Client, chat: api.Chat, llm: FakeOpenAI, tmp_path: Path
) -> None:
    """A reload (or a second tab, or the notebook widget) gets the open request with the history;
    two views answering at once: the first answer is the one the server gets, the other view is
    told it was already answered; one audit record."""
    views: list[list[dict[str, Any]]] = [[], []]

    def view(frames: list[dict[str, Any]]) -> Any:
        async def send(frame: dict[str, Any]) -> None:
            frames.append(frame)

        return send

    tabs = [FrameDispatcher(client.workspace, view(v)) for v in views]
    assert (await client.workspace.history(chat.id)).server_requests == []
    stream = await _run(chat, llm, "ask_form", {})
    llm.queue(text_reply("thanks"))
    frames: list[BaseModel] = []
    async for frame in stream:
        frames.append(frame)
        if isinstance(frame, p.ElicitationRequestFrame):
            [shown] = (await client.workspace.history(chat.id)).server_requests  # a reload
            assert isinstance(shown, p.ElicitationRequestFrame)
            assert shown.model_dump(exclude={"timeout"}) == frame.model_dump(exclude={"timeout"})
            assert 0 < shown.timeout <= frame.timeout  # the seconds it still waits
            answers = [
                {"type": "elicitation_answer", "chat_id": chat.id, "request_id": frame.request_id,
                 "action": "accept", "content": {"name": name, "age": 30}}
                for name in ("Ada", "Eve")
            ]  # fmt: skip
            await asyncio.gather(
                *(tab.handle_raw(json.dumps(a)) for tab, a in zip(tabs, answers, strict=True))
            )
    for tab in tabs:
        await tab.close()
    received = (tmp_path / "ledger.txt").read_text().splitlines()
    assert len(received) == 1 and received[0] in (
        "answered: accept name=Ada age=30",
        "answered: accept name=Eve age=30",
    )
    assert f"answered: {_result(frames)}" == received[0]
    gone = [f for v in views for f in v if f.get("status") == "gone"]
    assert len(gone) == 1 and "already answered" in gone[0]["note"] and "changed nothing" in gone[0]["note"]
    assert [
        f["status"] for f in views[0] if f["type"] == "server_request_status" and f["status"] != "gone"
    ] == ["accepted"]  # each view sees how it settled
    audit = [r for r in await client.workspace.audit(chat.id) if r["tool"] == "elicitation/create"]
    assert [r["action"] for r in audit] == ["accept"]
    assert (await client.workspace.history(chat.id)).server_requests == []


async def test_titled_choices_are_checked_against_the_schema(
    chat: api.Chat, llm: FakeOpenAI, tmp_path: Path
) -> None:
    """The spec's titled enums (a ``oneOf`` of consts, a multi-select ``anyOf`` array with bounds)
    reach the client as sent; an answer outside them is refused with what is wrong (the request
    waits on), and only the fitting one reaches the server."""
    stream = await _run(chat, llm, "ask_choices", {})
    llm.queue(text_reply("ok"))
    frames: list[BaseModel] = []
    async for frame in stream:
        frames.append(frame)
        if isinstance(frame, p.ElicitationRequestFrame):
            props = (frame.requested_schema or {})["properties"]
            assert [c["title"] for c in props["colour"]["oneOf"]] == ["Red", "Green"]
            assert [c["const"] for c in props["fruit"]["items"]["anyOf"]] == ["a", "b", "c"]
            for bad, where in [
                ({"colour": "blue", "fruit": ["a"]}, "colour"),  # not one of the choices
                ({"colour": "r", "fruit": ["a", "b", "c"]}, "fruit"),  # more than maxItems
                ({"colour": "r", "fruit": []}, "fruit"),  # fewer than minItems
                ({"colour": "r", "fruit": ["z"]}, "fruit"),  # not a choice
                ({"colour": "r"}, "fruit"),  # required
            ]:
                with pytest.raises(BadRequest, match=f"does not fit the server's form: .*{where}"):
                    await chat.answer_elicitation(frame.request_id, "accept", bad)
            await chat.answer_elicitation(frame.request_id, "accept", {"colour": "g", "fruit": ["a", "c"]})
    assert _result(frames) == "accept colour=g fruit=a,c"
    assert (tmp_path / "ledger.txt").read_text().splitlines() == ["answered: accept colour=g fruit=a,c"]


async def test_ask_declines_without_a_handler_and_uses_one(chat: api.Chat, llm: FakeOpenAI) -> None:
    llm.queue(tool_call_reply([("asking_ask_form", {})]), text_reply("ok"))
    reply = await chat.ask("ask me", approve=True)
    assert reply.tool_results[0].content == "decline"

    seen: list[p.ElicitationRequestFrame] = []

    async def elicit(frame: p.ElicitationRequestFrame) -> dict[str, Any]:
        seen.append(frame)
        return {"name": "Grace", "age": 85}

    llm.queue(tool_call_reply([("asking_ask_form", {})]), text_reply("ok"))
    reply = await chat.ask("ask me again", approve=True, elicit=elicit)
    assert reply.tool_results[0].content == "accept name=Grace age=85"
    assert len(seen) == 1 and seen[0].message == "Who are you?"


async def test_requests_one_after_another_and_a_stale_answer(chat: api.Chat, llm: FakeOpenAI) -> None:
    stream = await _run(chat, llm, "ask_twice", {})
    llm.queue(text_reply("ok"))
    frames: list[BaseModel] = []
    ids: list[str] = []
    async for frame in stream:
        frames.append(frame)
        if isinstance(frame, p.ElicitationRequestFrame):
            ids.append(frame.request_id)
            if len(ids) == 1:
                await chat.answer_elicitation(frame.request_id, "decline")
            else:
                with pytest.raises(Conflict, match="already answered"):  # the first, answered again
                    await chat.answer_elicitation(ids[0], "accept", {"name": "x", "age": 1})
                await chat.answer_elicitation(frame.request_id, "accept", {"name": "Bo", "age": 7})
    assert len(set(ids)) == 2
    assert _result(frames) == "first: decline; second: accept name=Bo age=7"


async def test_a_request_after_its_call_ended_is_refused(
    chat: api.Chat, llm: FakeOpenAI, tmp_path: Path
) -> None:
    stream = await _run(chat, llm, "ask_later", {})
    llm.queue(text_reply("ok"))
    frames = [f async for f in stream]
    assert _result(frames) == "returned"
    ledger = tmp_path / "ledger.txt"
    for _ in range(400):  # the server asks a moment after the call returned
        if ledger.exists() and ledger.read_text():
            break
        await asyncio.sleep(0.025)
    assert ledger.read_text().strip() == f"later: refused: {NO_CALL}"  # (no answer received)
    assert not [f for f in frames if isinstance(f, p.ElicitationRequestFrame)]


async def test_url_mode_only_for_http_urls(chat: api.Chat, llm: FakeOpenAI) -> None:
    stream = await _run(chat, llm, "ask_url", {"url": "https://example.org/sign-in?x=1"})
    llm.queue(text_reply("ok"))
    frames: list[BaseModel] = []
    async for frame in stream:
        frames.append(frame)
        if isinstance(frame, p.ElicitationRequestFrame):
            assert frame.mode == "url" and frame.url == "https://example.org/sign-in?x=1"
            assert frame.requested_schema is None
            await chat.answer_elicitation(frame.request_id, "accept")
    assert _result(frames) == "accept"

    stream = await _run(chat, llm, "ask_url", {"url": "javascript:alert(document.cookie)"})
    llm.queue(text_reply("ok"))
    frames = [f async for f in stream]
    assert not [f for f in frames if isinstance(f, p.ElicitationRequestFrame)]
    assert _result(frames) == "refused: URL elicitation refused: only http and https URLs are opened"


async def test_sampling_is_approved_both_ways_and_capped(
    client: api.Client, chat: api.Chat, llm: FakeOpenAI
) -> None:
    stream = await _run(chat, llm, "sample", {"prompt": HOSTILE, "max_tokens": 10_000_000})
    llm.queue(text_reply("forty-two"), text_reply("done"))
    frames: list[BaseModel] = []
    async for frame in stream:
        frames.append(frame)
        if isinstance(frame, p.SamplingRequestFrame) and frame.stage == "request":
            assert frame.server == "asking" and frame.requested_max_tokens == 10_000_000
            assert frame.max_tokens == 100  # capped by sampling_max_tokens
            assert [m.text for m in frame.messages] == [HOSTILE.replace("\x1b", "")]
            assert frame.system_prompt == "You are a terse test server."
            with pytest.raises(Conflict, match="not answered with"):  # the wrong kind of answer
                await chat.answer_elicitation(frame.request_id, "decline")
            edited = [p.SamplingText(role="user", text="What is six times seven?")]
            answer = p.SamplingAnswerFrame(
                chat_id=chat.id,
                request_id=frame.request_id,
                action="approve",
                messages=edited,
                max_tokens=5000,
            )
            with pytest.raises(BadRequest, match="at most 100"):
                await client.workspace.answer_server_request(answer)
            await client.workspace.answer_server_request(answer.model_copy(update={"max_tokens": 40}))
        elif isinstance(frame, p.SamplingRequestFrame):
            assert frame.result == "forty-two" and frame.max_tokens == 40
            await chat.answer_sampling(frame.request_id, True)
    assert _result(frames).startswith("sampled: forty-two (model=")
    sampling = llm.requests[1]  # the model call the server asked for: what the user approved
    assert "tools" not in sampling
    assert sampling.get("max_tokens", sampling.get("max_completion_tokens")) == 40
    texts = [m["content"] for m in sampling["messages"]]
    assert texts == ["You are a terse test server.", "What is six times seven?"]
    audit = [r for r in await client.workspace.audit(chat.id) if r["tool"].startswith("sampling/")]
    assert [(r["tool"], r["action"]) for r in audit] == [
        ("sampling/createMessage", "edit"),
        ("sampling/result", "approve"),
    ]


async def test_sampling_tokens_count_in_the_chats_usage(tmp_path: Path, llm: FakeOpenAI) -> None:
    """What a server's sampling request spent on the chat's model (the endpoint's own count, and
    its price) is on the answer's card, on the call's result, and in the chat's totals: also
    when the user does not return the answer (the tokens were spent)."""
    entry = {"model": "fake-model", "base_url": llm.base_url, "input_price": 2.0, "output_price": 8.0}
    catalog = parse_catalog({"fake": entry})[0]
    async with llm_client(tmp_path, llm, model_catalog=catalog) as client:
        assert (await client.add_server(asking_spec())).state == "ready"
        chat = await client.new_chat("priced", servers=["asking"], model="fake")
        for returned in (True, False):
            stream = await _run(chat, llm, "sample", {"prompt": "What is six times seven?"})
            llm.queue(text_reply("forty-two"), text_reply("done"))
            frames: list[BaseModel] = []
            async for frame in stream:
                frames.append(frame)
                if isinstance(frame, p.SamplingRequestFrame):
                    await chat.answer_sampling(frame.request_id, frame.stage == "request" or returned)
            [shown] = [f for f in frames if isinstance(f, p.SamplingRequestFrame) and f.stage == "result"]
            # the fake endpoint counts words: the system prompt (6) and the message (5) in, one out
            assert shown.usage == p.Usage(
                input_tokens=11, output_tokens=1, cost=(11 * 2 + 8) / 1e6, model="fake"
            )
            [result] = [f for f in frames if isinstance(f, p.ToolResultFrame)]
            assert result.message.usage == shown.usage
        page = await client.workspace.history(chat.id)
        assert [m.usage for m in page.messages if m.role == "tool"] == [shown.usage, shown.usage]
        replies = [m.usage for m in page.messages if m.role == "assistant" and m.usage]
        totals = page.usage
        assert totals is not None and totals.replies == len(replies) == 4
        assert totals.sampling_tokens == 2 * 12
        assert totals.input_tokens == sum(u.input_tokens for u in replies) + 2 * 11
        assert totals.output_tokens == sum(u.output_tokens for u in replies) + 2 * 1
        assert totals.cost == pytest.approx(sum(u.cost or 0 for u in replies) + 2 * (11 * 2 + 8) / 1e6)
        assert (
            totals.context_tokens == replies[-1].input_tokens + replies[-1].output_tokens
        )  # (not sampling's)


async def test_sampling_rejected_runs_no_model(chat: api.Chat, llm: FakeOpenAI) -> None:
    stream = await _run(chat, llm, "sample", {"prompt": "hi"})
    llm.queue(text_reply("done"))
    frames: list[BaseModel] = []
    async for frame in stream:
        frames.append(frame)
        if isinstance(frame, p.SamplingRequestFrame):
            await chat.answer_sampling(frame.request_id, False, "not now")
    assert _result(frames) == "refused: the user rejected the sampling request: not now"
    assert len(llm.requests) == 2  # the chat's two turns; no sampling call


async def test_unanswered_request_expires_as_cancel(tmp_path: Path, llm: FakeOpenAI) -> None:
    async with llm_client(tmp_path, llm, server_request_timeout=0.3) as client:
        assert (await client.add_server(asking_spec())).state == "ready"
        chat = await client.new_chat("slow", servers=["asking"])
        stream = await _run(chat, llm, "ask_form", {})
        llm.queue(text_reply("ok"))
        frames = [f async for f in stream]
    assert _result(frames) == "cancel"
    [status] = [f for f in frames if isinstance(f, p.ServerRequestStatusFrame)]
    assert status.status == "expired" and status.note == "Cancelled: nobody answered in time."


async def test_the_users_time_does_not_count_against_the_tool_timeout(
    tmp_path: Path, llm: FakeOpenAI
) -> None:
    async with llm_client(tmp_path, llm, tool_timeout=0.5) as client:
        assert (await client.add_server(asking_spec())).state == "ready"
        chat = await client.new_chat("thinking", servers=["asking"])
        stream = await _run(chat, llm, "ask_form", {})
        llm.queue(text_reply("ok"))
        frames: list[BaseModel] = []
        async for frame in stream:
            frames.append(frame)
            if isinstance(frame, p.ElicitationRequestFrame):
                await asyncio.sleep(1.0)  # the user thinks for longer than the call may run
                await chat.answer_elicitation(frame.request_id, "accept", {"name": "Slow", "age": 99})
    assert _result(frames) == "accept name=Slow age=99"
