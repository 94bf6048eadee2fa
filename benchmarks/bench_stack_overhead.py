"""Stack overhead of a 2,000-token streamed reply: browser websocket -> jupyter server extension ->
agent -> ChatOpenAI -> local OpenAI-compatible server, vs the `openai` client streaming the same
reply straight from the same server.

The fake server (tests/fakes/openai_server.py, its own process) streams 2,000 word tokens, once as
fast as it can (worst case for per-token overhead) and once paced at 2 ms per token (500 tok/s,
still faster than hosted models); --quick: paced at 1 ms/token only, 2 runs. A real `jupyter server` subprocess (token auth, tmp data dir)
runs the extension; the client is a tornado websocket client sending protocol frames (a new chat
per run, so every prompt is the same size). Runs alternate ours / baseline; medians are reported.

Targets: paced, total time <= 1.05x the direct client; at the full rate (issue 12), total time
<= 1.5x the direct client; added time-to-first-token < 10 ms on both. The table also gives each
side's tokens per second.

    python benchmarks/bench_stack_overhead.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from jupyter_harness import FakeLLM, JupyterServer
from stats import median, ms, now, table, verdict

N_TOKENS = 2000


def target(label: str) -> float:
    """The highest total-time ratio (stack / direct) a stream may take."""
    return 1.05 if label.startswith("paced") else 1.5


async def direct(llm: FakeLLM, token_delay: float) -> tuple[float, float, int]:
    from openai import AsyncOpenAI

    await llm.queue({"n_tokens": N_TOKENS, "token_delay": token_delay})
    async with AsyncOpenAI(base_url=llm.base_url, api_key="test", max_retries=0) as client:
        t0 = now()
        stream = await client.chat.completions.create(
            model="fake-model",
            messages=[{"role": "user", "content": "Write a long answer."}],
            stream=True,
            stream_options={"include_usage": True},
        )
        first = None
        tokens = 0
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                tokens += 1
                if first is None:
                    first = now() - t0
        return first or 0.0, now() - t0, tokens


async def main(quick: bool, in_process: bool = False) -> int:
    runs = 2 if quick else 7
    profiles = [("paced 1 ms/token", 0.001)] if quick else [("max rate", 0.0), ("paced 2 ms/token", 0.002)]
    llm = await FakeLLM.start()
    server = await JupyterServer.start(llm=llm, model_stream_process=not in_process)
    print("replies read in", "the server process" if in_process else "the stream process")
    ws = await server.chat_socket()
    results: dict[str, dict[str, list[float]]] = {}
    try:
        for label, delay in profiles:
            res = results[label] = {"ttft": [], "total": [], "d_ttft": [], "d_total": []}
            for i in range(runs + 1):  # the first pair warms up
                chat = await ws.call("chats.create", title=f"bench {i}", servers=[])
                await llm.queue({"n_tokens": N_TOKENS, "token_delay": delay})
                ttft, total, tokens, kind = await ws.turn(chat["id"], "Write a long answer.")
                if kind != "done" or tokens != N_TOKENS:
                    raise RuntimeError(f"turn ended with {kind} after {tokens} tokens")
                d_ttft, d_total, d_tokens = await direct(llm, delay)
                assert d_tokens == N_TOKENS, d_tokens
                if i:
                    res["ttft"].append(ttft)
                    res["total"].append(total)
                    res["d_ttft"].append(d_ttft)
                    res["d_total"].append(d_total)
            print(
                f"  {label}: the last reply's {N_TOKENS} tokens arrived in {ws.token_frames} websocket frames"
            )
    finally:
        ws.close()
        await server.stop()
        await llm.stop()

    rows = []
    ok = True
    for label, res in results.items():
        ratio = median(res["total"]) / median(res["d_total"])
        added = median(res["ttft"]) - median(res["d_ttft"])
        ok = ok and ratio <= target(label) and added < 0.010
        rows.append(
            [
                label,
                ms(median(res["d_ttft"])),
                ms(median(res["ttft"])),
                ms(added),
                ms(median(res["d_total"])),
                ms(median(res["total"])),
                f"{ratio:.2f}x",
                f"{N_TOKENS / median(res['d_total']):.0f}",
                f"{N_TOKENS / median(res['total']):.0f}",
            ]
        )
    print(f"{N_TOKENS}-token streamed reply, median of {runs} runs each")
    for label, res in results.items():
        print(f"  {label} stack TTFT per run: {', '.join(ms(t) for t in res['ttft'])}")
    print(
        table(
            [
                "stream",
                "TTFT direct",
                "TTFT stack",
                "added TTFT",
                "total direct",
                "total stack",
                "ratio",
                "direct tok/s",
                "stack tok/s",
            ],
            rows,
        )
    )
    print("\ntarget: ratio <= 1.05x paced, <= 1.5x at the full rate; added TTFT < 10 ms on both")
    for label, res in results.items():
        ratio = median(res["total"]) / median(res["d_total"])
        added = median(res["ttft"]) - median(res["d_ttft"])
        print(
            f"  {label}: ratio {ratio:.2f}x -> {verdict(ratio <= target(label))}, "
            f"added TTFT {ms(added)} -> {verdict(added < 0.010)}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument(
        "--in-process", action="store_true", help="model_stream_process=False: read replies in the server process"
    )
    a = ap.parse_args()
    sys.exit(asyncio.run(main(a.quick, a.in_process)))
