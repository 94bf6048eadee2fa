"""Checkpoint growth: 500 chat turns with a tool call each, DeltaChannel state vs stock add_messages.

Each turn is: human message -> AI message with a tool call -> tool message -> AI reply, driven by
``mcpchat_ext.agent.runner.run_turn`` (the product's turn driver, auto-approve policy on so no
interrupt) over a deterministic offline model and a local tool. Both sides use the same SQLite
checkpointer (``open_checkpointer``: AsyncSqliteSaver, WAL) on a fresh file:

* ours: ``mcpchat_ext.agent.graph.build_graph`` (state ``messages`` is a DeltaChannel);
* baseline: a stock ``StateGraph`` whose ``messages`` is ``Annotated[list, add_messages]``,
  with the same agent -> tools -> agent loop.

Reported: bytes on disk (db + WAL after a checkpoint), storage / raw message bytes (JSON of every
message once), and the mean per-turn time over turns 6-15 vs the last 10 turns.
Targets (ours): storage <= 5x raw message bytes; last turns <= 1.5x turn 10.

    python benchmarks/bench_checkpoint_growth.py [--quick] [--turns N] [--baseline-turns N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, TypedDict

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage, BaseMessage, ToolMessage, message_to_dict
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import tool
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from stats import median, ms, now, table, verdict

from mcpchat_ext.agent.graph import RECEIVED
from mcpchat_ext.agent.run_context import Verdict
from mcpchat_ext.agent.toolset import Toolset
from mcpchat_ext.protocol import ToolInfo

USER_TEXT = "Please look up the weather for the city of Amsterdam and summarise it for me, turn {i}."
REPLY_TEXT = (
    "Here is the summary you asked for: it is mild and cloudy in Amsterdam with a light breeze "
    "from the south-west, around 14 degrees, and rain is expected later in the evening (turn {i})."
)


PAD = {"small": 0, "typical": 1}  # typical: ~3 kB tool output, ~1.2 kB reply (real MCP/LLM sizes)
PAYLOAD = {"mode": "small"}
FILLER = "Hourly detail: 15:00 14 C cloudy; 16:00 14 C cloudy; 17:00 13 C light rain expected. "


@tool
def weather(city: str) -> str:
    """The weather of a city."""
    text = (
        f"Weather report for {city}: temperature 14 C, humidity 81%, wind SW 12 km/h, "
        "cloud cover 90%, precipitation probability 70% after 18:00, visibility 10 km."
    )
    return text + FILLER * 33 * PAD[PAYLOAD["mode"]]


TOOL_NAME = "bench_weather"  # the model-facing name of (server "bench", tool "weather")
ALLOW_ALL = lambda _server, _tool: Verdict("allow", "benchmark")  # noqa: E731


def bench_toolset() -> Toolset:
    info = ToolInfo(name=TOOL_NAME, server="bench", tool="weather", description="The weather of a city.")
    return Toolset([(info, weather)])


class ScriptedModel(BaseChatModel):
    """Calls ``weather`` after a human message and answers in text after a tool result."""

    @property
    def _llm_type(self) -> str:
        return "scripted-bench"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Any:
        return self

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        raise NotImplementedError

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        turn = sum(1 for m in messages if m.type == "human")
        if isinstance(messages[-1], ToolMessage):
            msg = AIMessage(
                content=REPLY_TEXT.format(i=turn) + " More detail follows." * 50 * PAD[PAYLOAD["mode"]]
            )
        else:
            call = {"id": f"call_{turn:06d}", "name": TOOL_NAME, "args": {"city": "Amsterdam"}}
            msg = AIMessage(content="", tool_calls=[call])
        return ChatResult(generations=[ChatGeneration(message=msg)])


class StockState(TypedDict, total=False):
    messages: Annotated[list[AnyMessage], add_messages]
    rounds: int
    plan: list[dict[str, Any]]


def build_stock_graph(model: BaseChatModel, checkpointer: Any) -> Any:
    """The same loop with stock ``add_messages`` state (no approval node: policy approves all)."""
    tools = bench_toolset().tools

    async def agent(state: StockState, config: RunnableConfig) -> dict[str, Any]:
        response = await model.bind_tools(tools).ainvoke(list(state["messages"]), config)
        return {"messages": [response]}

    def route(state: StockState) -> str:
        last = state["messages"][-1]
        return "tools" if isinstance(last, AIMessage) and last.tool_calls else END

    async def tools_node(state: StockState, config: RunnableConfig) -> dict[str, Any]:
        by_name = {t.name: t for t in tools}
        last = state["messages"][-1]
        assert isinstance(last, AIMessage)
        out = [await by_name[c["name"]].ainvoke({**c, "type": "tool_call"}, config) for c in last.tool_calls]
        return {"messages": out, "rounds": int(state.get("rounds") or 0) + 1}

    builder = StateGraph(StockState)
    builder.add_node(RECEIVED, lambda state: {})  # where run_turn writes the user's message
    builder.add_node("agent", agent)
    builder.add_node("tools", tools_node)
    builder.add_edge(START, RECEIVED)
    builder.add_edge(RECEIVED, "agent")
    builder.add_conditional_edges("agent", route, ["tools", END])
    builder.add_edge("tools", "agent")
    return builder.compile(checkpointer=checkpointer)


def raw_bytes(messages: Sequence[BaseMessage]) -> int:
    return sum(len(json.dumps(message_to_dict(m), separators=(",", ":"))) for m in messages)


async def disk_bytes(saver: Any, path: Path) -> int:
    await saver.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


SAMPLE_AT = (100, 200, 500)  # turns at which the bytes on disk are sampled


async def run(kind: str, turns: int, path: Path) -> dict[str, Any]:
    from mcpchat_ext.agent.checkpoint import open_checkpointer
    from mcpchat_ext.agent.graph import build_graph
    from mcpchat_ext.agent.run_context import TurnContext
    from mcpchat_ext.agent.runner import run_turn, thread_config

    times: list[float] = []
    samples: dict[int, tuple[int, int]] = {}  # turn -> (bytes on disk, raw message bytes)
    async with open_checkpointer(path) as saver:
        build = build_graph if kind == "ours" else build_stock_graph
        graph = build(ScriptedModel(), saver)
        for i in range(1, turns + 1):
            t0 = now()
            frames = [
                f
                async for f in run_turn(
                    graph,
                    chat_id="c1",
                    thread_id="t1",
                    context=TurnContext(tools=bench_toolset(), policy=ALLOW_ALL),
                    user_text=USER_TEXT.format(i=i),
                )
            ]
            times.append(now() - t0)
            if frames[-1].type != "done":
                raise RuntimeError(f"{kind} turn {i} ended with {frames[-1]}")
            if i in SAMPLE_AT and i != turns:
                msgs = (await graph.aget_state(thread_config("t1"))).values["messages"]
                samples[i] = (await disk_bytes(saver, path), raw_bytes(msgs))
        state = await graph.aget_state(thread_config("t1"))
        messages = state.values["messages"]
        assert len(messages) == 4 * turns, len(messages)
        samples[turns] = (await disk_bytes(saver, path), raw_bytes(messages))
        return {
            "times": times,
            "disk": samples[turns][0],
            "raw": samples[turns][1],
            "samples": samples,
            "messages": len(messages),
        }


def window(times: list[float], lo: int, hi: int) -> float:
    """Mean seconds of turns lo..hi (1-based, inclusive)."""
    part = times[lo - 1 : hi]
    return sum(part) / len(part)


async def main(turns: int, base_turns: int, payload: str = "small") -> int:
    PAYLOAD["mode"] = payload
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-ckpt-") as tmp:
        for kind, n in (("ours", turns), ("stock", base_turns)):
            if n <= 0:
                continue
            t0 = now()
            results[kind] = res = await run(kind, n, Path(tmp) / kind / "checkpoints.db")
            res["wall"] = now() - t0
    rows = []
    for kind, label in (("ours", "DeltaChannel (ours)"), ("stock", "stock add_messages")):
        if kind not in results:
            continue
        r = results[kind]
        n = len(r["times"])
        early, late = window(r["times"], 6, 15), window(r["times"], n - 9, n)
        r["growth"] = late / early
        rows.append(
            [
                label,
                n,
                f"{r['disk'] / 1e6:.2f} MB",
                f"{r['raw'] / 1e6:.3f} MB",
                f"{r['disk'] / r['raw']:.1f}x",
                ms(early),
                ms(late),
                f"{r['growth']:.2f}x",
                ms(median(r["times"])),
                f"{r['wall']:.1f} s",
            ]
        )
    print(
        table(
            [
                "state",
                "turns",
                "on disk",
                "raw msgs",
                "disk/raw",
                "turn 6-15",
                "last 10",
                "late/early",
                "median",
                "wall",
            ],
            rows,
        )
    )
    ours = results["ours"]
    ok_disk = ours["disk"] <= 5 * ours["raw"]
    ok_time = ours["growth"] <= 1.5
    if "stock" in results:
        st = results["stock"]
        print("\nbytes on disk by turn (disk / raw message bytes):")
        rows = []
        for t in sorted(set(ours["samples"]) | set(st["samples"])):
            row: list[object] = [t]
            for r in (ours, st):
                d = r["samples"].get(t)
                row.append(f"{d[0] / 1e6:.2f} MB ({d[0] / d[1]:.1f}x)" if d else "-")
            rows.append(row)
        print(table(["turn", "DeltaChannel (ours)", "stock add_messages"], rows))
        k = len(st["times"])
        print(
            f"at turn {k}: stock uses {st['samples'][k][0] / ours['samples'][k][0]:.1f}x the disk of ours; "
            f"its turns {k - 9}-{k} take {window(st['times'], k - 9, k) / window(ours['times'], k - 9, k):.2f}x ours"
            if k in ours["samples"]
            else ""
        )

    print(f"\npayload: {payload} (raw message bytes per turn: {ours['raw'] / turns:.0f})")
    print(f"target storage <= 5x raw: {ours['disk'] / ours['raw']:.1f}x -> {verdict(ok_disk)}")
    print(f"target last turns <= 1.5x turn 10: {ours['growth']:.2f}x -> {verdict(ok_time)}")
    return 0 if ok_disk and ok_time else 1


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="100 turns each")
    ap.add_argument("--payload", choices=sorted(PAD), default="small", help="message sizes")
    ap.add_argument("--turns", type=int, default=None)
    ap.add_argument("--baseline-turns", type=int, default=None)
    a = ap.parse_args()
    n = a.turns or (100 if a.quick else 500)
    # stock storage grows quadratically (~0.9 GB at 500 turns): compare it up to 200 turns
    b = a.baseline_turns if a.baseline_turns is not None else min(n, 200)
    sys.exit(asyncio.run(main(n, b, a.payload)))
