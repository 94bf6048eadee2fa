"""The message reducer (add_messages semantics, its id cache) and token events from the agent node."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, RemoveMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph.message import add_messages

from mcpchat_ext import protocol as p
from mcpchat_ext.agent import runner
from mcpchat_ext.agent.graph import build_graph
from mcpchat_ext.agent.run_context import TurnContext
from mcpchat_ext.agent.state import fold_messages, share_ids
from mcpchat_ext.demo.model import DemoChatModel


def _ids(messages: list[Any]) -> list[str]:
    return [str(m.id) for m in messages]


def test_fold_appends_replaces_and_removes_like_add_messages() -> None:
    base = fold_messages([], [[HumanMessage("a", id="1"), AIMessage("b", id="2")]])
    grown = fold_messages(base, [HumanMessage("c", id="3")])
    assert _ids(grown) == ["1", "2", "3"]
    replaced = fold_messages(grown, [AIMessage("B", id="2")])
    assert [m.content for m in replaced] == ["a", "B", "c"]
    removed = fold_messages(replaced, [RemoveMessage(id="1")])
    assert _ids(removed) == ["2", "3"]
    expected = add_messages(add_messages(list(grown), [AIMessage("B", id="2")]), [RemoveMessage(id="1")])
    assert [(m.id, m.content) for m in removed] == [(m.id, m.content) for m in expected]  # type: ignore[union-attr]


def test_fold_from_an_older_state_after_a_newer_fold_is_still_exact() -> None:
    """The cached id set of a list may hold ids added by later folds: results stay exact."""
    base = fold_messages([], [HumanMessage("a", id="1")])
    fold_messages(base, [AIMessage("x", id="2")])  # grows the shared id set with "2"
    other = fold_messages(base, [AIMessage("y", id="2")])  # "2" is new for base
    assert [(m.id, m.content) for m in other] == [("1", "a"), ("2", "y")]
    again = fold_messages(other, [AIMessage("z", id="2")])
    assert [(m.id, m.content) for m in again] == [("1", "a"), ("2", "z")]


def test_shared_ids_of_a_copy_and_in_place_growth() -> None:
    base = fold_messages([], [HumanMessage("a", id="1")])
    duplicate = list(base)
    share_ids(base, duplicate)
    assert _ids(fold_messages(duplicate, [HumanMessage("b", id="2")])) == ["1", "2"]
    base.append(AIMessage("grown in place", id="3"))  # length changed: the cache is not trusted
    assert [m.content for m in fold_messages(base, [AIMessage("new", id="3")])] == ["a", "new"]


def test_messages_without_ids_get_ids() -> None:
    out = fold_messages([], [HumanMessage("a"), AIMessage("b")])
    assert all(m.id for m in out) and len(set(_ids(out))) == 2


class WholeReplyModel(BaseChatModel):
    """A model with no streaming support: ``astream`` yields its whole reply once."""

    @property
    def _llm_type(self) -> str:
        return "whole-reply"

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content="all at once"))])


async def _turn(model: BaseChatModel, text: str) -> tuple[list[p.TokenFrame], p.ChatMessage]:
    """The token frames of one turn and the reply it ended with."""
    graph = build_graph(model, InMemorySaver())
    frames = [
        f
        async for f in runner.run_turn(
            graph, chat_id="c", thread_id="t", context=TurnContext(), user_text=text
        )
    ]
    done = frames[-1]
    assert isinstance(done, p.DoneFrame) and done.message is not None
    return [f for f in frames if isinstance(f, p.TokenFrame)], done.message


@pytest.mark.asyncio
async def test_streaming_model_tokens_are_frames_of_the_reply() -> None:
    tokens, reply = await _turn(DemoChatModel(), "hello there")
    assert len(tokens) > 1
    assert {t.message_id for t in tokens} == {reply.id}
    assert "".join(t.text for t in tokens) == reply.content


@pytest.mark.asyncio
async def test_model_without_streaming_still_answers_with_one_token() -> None:
    tokens, reply = await _turn(WholeReplyModel(), "hi")
    assert [t.text for t in tokens] == ["all at once"] and reply.content == "all at once"
    assert tokens[0].message_id == reply.id
