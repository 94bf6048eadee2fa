"""Reply stamps, chat totals, the estimate's correction and the context window's cap."""

from __future__ import annotations

from langchain_core.messages import AIMessage, HumanMessage

from mcpchat_ext.agent.catalog import ModelEntry
from mcpchat_ext.agent.context import budget_for, fit_history
from mcpchat_ext.agent.messages import to_chat_message
from mcpchat_ext.agent.usage import MAX_SCALE, MIN_SCALE, chat_usage, correction, reply_usage, stamp

ENTRY = ModelEntry(id="m", provider="openai", model="x", label="X", input_price=1.0, output_price=4.0)


def _reply(text: str, tokens_in: int, tokens_out: int) -> AIMessage:
    usage = {"input_tokens": tokens_in, "output_tokens": tokens_out, "total_tokens": tokens_in + tokens_out}
    return AIMessage(content=text, usage_metadata=usage)  # type: ignore[arg-type]


def test_stamp_and_reply_usage() -> None:
    reply = stamp(_reply("hi", 1000, 500), ENTRY, estimated_prompt=800)
    usage = reply_usage(reply)
    assert usage is not None and (usage.input_tokens, usage.output_tokens, usage.model) == (1000, 500, "m")
    assert usage.cost == (1000 * 1.0 + 500 * 4.0) / 1e6
    record = to_chat_message(reply)
    assert record.usage == usage and record.metadata["model_id"] == "m"
    assert reply_usage(stamp(AIMessage(content="no usage"), ENTRY, 5)) is None
    assert reply_usage(stamp(_reply("x", 1, 1), None, 5)) is not None


def test_chat_usage_totals() -> None:
    messages = [
        HumanMessage("q"),
        stamp(_reply("a", 100, 10), ENTRY, 90),
        HumanMessage("q2"),
        AIMessage(content="no usage reported"),
        stamp(_reply("b", 150, 20), None, 140),  # a model without prices
    ]
    total = chat_usage(messages, 4096)
    assert (total.input_tokens, total.output_tokens, total.replies) == (250, 30, 2)
    assert total.cost == (100 + 40) / 1e6  # only the priced reply
    assert (total.context_tokens, total.context_window) == (170, 4096)
    assert chat_usage([HumanMessage("q")], None).cost is None


def test_correction_is_the_last_ratio_and_bounded() -> None:
    assert correction([HumanMessage("q")]) == 1.0
    older = stamp(_reply("a", 300, 1), ENTRY, 100)
    newer = stamp(_reply("b", 150, 1), ENTRY, 100)
    assert correction([older, HumanMessage("q"), newer]) == 1.5
    assert correction([stamp(_reply("c", 10_000, 1), ENTRY, 10)]) == MAX_SCALE
    assert correction([stamp(_reply("c", 1, 1), ENTRY, 1000)]) == MIN_SCALE


def test_scaled_trimming_keeps_less() -> None:
    turns = []
    for i in range(6):
        turns += [HumanMessage(f"q{i} " + "w" * 200), AIMessage(content="r" * 200)]
    plain, _ = fit_history(turns, 300)
    scaled, trimmed = fit_history(turns, 300, scale=2.0)
    assert trimmed and len(scaled) < len(plain)
    assert isinstance(scaled[0], HumanMessage)  # still whole turns


def test_context_window_caps_the_budget() -> None:
    assert budget_for(100_000, None) == 100_000
    assert budget_for(100_000, 8000) == 6000  # a quarter of the window left for the reply
    assert budget_for(100_000, 8000, reply_tokens=1000) == 7000
    assert budget_for(0, 8000) == 6000  # "everything" still has to fit the window
    assert budget_for(2000, 8000) == 2000
