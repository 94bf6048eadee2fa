"""The token path: chunks joined before LangGraph's stream (TokenJoiner), and the per-stream
chunk watchdog that replaces ChatOpenAI's per-chunk wait_for."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from mcpchat_ext.agent import streaming
from mcpchat_ext.agent.streaming import TOKEN_EVENT, ChunkWatchdog, TokenJoiner, fast_streaming, token_event
from mcpchat_ext.errors import ModelError
from tests.agent.toolkit import chat_model
from tests.fakes.openai_server import FakeOpenAI, text_reply


class Events:
    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []
        self.arrived = asyncio.Event()

    def __call__(self, data: dict[str, Any]) -> None:
        assert data["event"] == TOKEN_EVENT
        event = token_event(data)
        assert event is not None
        self.items.append(event)
        self.arrived.set()


@pytest.mark.asyncio
async def test_first_chunk_goes_out_at_once_and_fast_ones_are_joined() -> None:
    events = Events()
    joiner = TokenJoiner(events, window=60.0)
    joiner.add("m1", "Hel")
    assert events.items == [("m1", "Hel")]  # not held: the first token is not delayed
    for part in ("lo", ", ", "world"):
        joiner.add("m1", part)
    assert events.items == [("m1", "Hel")]
    joiner.flush()
    assert events.items == [("m1", "Hel"), ("m1", "lo, world")]
    joiner.flush()  # nothing held: nothing written
    assert len(events.items) == 2


@pytest.mark.asyncio
async def test_held_text_is_written_when_the_window_ends_without_another_chunk() -> None:
    events = Events()
    joiner = TokenJoiner(events, window=0.02)
    joiner.add("m1", "a")
    events.arrived.clear()
    joiner.add("m1", "b")
    joiner.add("m1", "c")
    await asyncio.wait_for(events.arrived.wait(), 5)  # the timer, not a later chunk, sent it
    assert events.items == [("m1", "a"), ("m1", "bc")]
    joiner.close()


@pytest.mark.asyncio
async def test_another_message_first_sends_what_is_held_in_order() -> None:
    events = Events()
    joiner = TokenJoiner(events, window=60.0)
    joiner.add("m1", "x")
    joiner.add("m1", "y")
    joiner.add("m2", "z")
    joiner.flush()
    assert events.items == [("m1", "x"), ("m1", "y"), ("m2", "z")]
    assert "".join(t for _, t in events.items) == "xyz"


@pytest.mark.asyncio
async def test_close_drops_held_text_and_its_timer() -> None:
    events = Events()
    joiner = TokenJoiner(events, window=0.01)
    joiner.add("m1", "a")
    joiner.add("m1", "b")
    joiner.close()
    await asyncio.sleep(0.05)  # the window passes: nothing may be written after close
    assert events.items == [("m1", "a")]


@pytest.mark.asyncio
async def test_watchdog_turns_a_stalled_stream_into_a_model_error() -> None:
    async def stream() -> None:
        watchdog = ChunkWatchdog(timeout=0.05)
        try:
            await asyncio.sleep(60)  # a stream that sends nothing
        except asyncio.CancelledError:
            if (error := watchdog.failure()) is not None:
                raise error from None
            raise
        finally:
            watchdog.close()

    with pytest.raises(ModelError, match=r"sent nothing for 0\.05 s"):
        await asyncio.wait_for(stream(), 30)


@pytest.mark.asyncio
async def test_a_stop_stays_a_cancellation_and_beats_keep_a_slow_stream_alive() -> None:
    beats = 0
    enough = asyncio.Event()

    async def stream() -> None:
        nonlocal beats
        watchdog = ChunkWatchdog(timeout=0.2)
        try:
            while True:
                await asyncio.sleep(0.02)  # a chunk every 20 ms: slow, not stalled
                watchdog.beat()
                beats += 1
                if beats >= 30:  # well past the timeout
                    enough.set()
        except asyncio.CancelledError:
            assert watchdog.failure() is None
            raise
        finally:
            watchdog.close()

    task = asyncio.create_task(stream())
    await asyncio.wait_for(enough.wait(), 30)
    assert not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


@pytest.mark.asyncio
async def test_a_reply_that_stalls_ends_the_turn_with_a_model_error(
    llm: FakeOpenAI, turns: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(streaming, "CHUNK_TIMEOUT", 0.3)
    llm.queue(text_reply(n_tokens=3, token_delay=5.0))
    frames = await turns.send("hello")
    assert frames[-1].type == "error" and frames[-1].code == "model_error"
    assert "sent nothing for 0.3 s" in frames[-1].message
    assert [m.role for m in await turns.history()] == ["user"]  # the user's text is kept


def test_the_per_chunk_wait_for_of_chat_openai_is_off_in_the_graph() -> None:
    model = chat_model("http://127.0.0.1:9/v1")
    assert model.stream_chunk_timeout  # ChatOpenAI's default: a wait_for per chunk
    fast = fast_streaming(model)
    assert fast.stream_chunk_timeout is None and fast.openai_api_base == model.openai_api_base
    assert model.stream_chunk_timeout  # the caller's model is not changed


@pytest.mark.asyncio
async def test_a_write_gives_the_loop_way_so_the_first_token_leaves_before_the_rest_is_read() -> None:
    events = Events()
    joiner = TokenJoiner(events, window=60.0)
    joiner.add("m1", "a")
    assert joiner.turns_due == streaming.YIELDS_AFTER_FIRST
    delivered: list[int] = []
    # what the loop runs meanwhile (LangGraph's queue, the runner, the socket) gets those turns
    asyncio.get_running_loop().call_soon(lambda: delivered.append(len(events.items)))
    await joiner.give_way()
    assert joiner.turns_due == 0 and delivered == [1]
    joiner.add("m1", "b")  # held: nothing written, no turn given
    assert joiner.turns_due == 0
    joiner.flush()
    assert joiner.turns_due == 1  # a later write needs one turn
    await joiner.give_way()
    assert joiner.turns_due == 0
