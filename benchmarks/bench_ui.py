"""Chat UI rendering cost in a real Chromium: streaming into a long chat vs an empty one, and opening
a long chat.

The page (benchmarks/bench_ui_page.js) mounts the notebook widget bundle
(mcpchat_ext/widget/static/widget.js: the same ChatApp, views and markdown renderer as the JupyterLab
panel) on a fake anywidget model that answers like the chat server (``chats.history`` with
offset/limit, default limit 200) and streams token frames, one word per frame, one frame per 4 ms
(setTimeout's floor). Headless Debian chromium (/usr/bin/chromium) via Playwright.

- streaming: a 2,000-token reply into a chat of 200 messages (turns of user, assistant with a tool
  call, tool result, markdown reply with code, a table and a quote; every older page loaded, so all
  200 are in the DOM) vs into an empty chat; frame
  times from a requestAnimationFrame loop, long tasks from a PerformanceObserver, main-thread time
  from CDP ``Performance.getMetrics`` (TaskDuration) over the stream, divided by the tokens.
- opening: mount -> the first paint (the frame after the newest message is in view) of a
  1,000-message chat vs a 4-message chat.

Runs alternate empty / long; medians. Targets: p95 frame < 20 ms and main-thread time per token
<= 1.2x the empty chat's while streaming into the 200-message chat; a 1,000-message chat opens in
< 300 ms. Build the bundle first: ``jlpm --cwd labextension build:widget``.

    python benchmarks/bench_ui.py [--quick]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from stats import ROOT, median, pct, table, verdict

CHROMIUM = "/usr/bin/chromium"
BUNDLE = ROOT / "mcpchat_ext" / "widget" / "static" / "widget.js"
PAGE_JS = Path(__file__).with_name("bench_ui_page.js")
ORIGIN = "http://bench.invalid"
INDEX = """<!doctype html><html><head><meta charset="utf-8"><title>bench</title>
<style>body{margin:0;font:14px sans-serif} #root{width:900px}</style></head>
<body><div id="root"></div><script type="module">
import './bench_ui_page.js'; window.benchReady = true;
</script></body></html>"""
TOKENS = 2000
GAP_MS = 4
LONG_CHAT = 200
OPEN_CHAT = 1000


def server(bundle: Path) -> Any:
    files = {"widget.js": bundle, "bench_ui_page.js": PAGE_JS}

    def serve(route: Any) -> None:
        name = route.request.url.removeprefix(ORIGIN + "/").split("?")[0]
        if name in ("", "index.html"):
            route.fulfill(status=200, content_type="text/html", body=INDEX)
        elif name in files:
            route.fulfill(status=200, content_type="text/javascript", body=files[name].read_text())
        else:
            route.fulfill(status=404, body="")

    return serve


def metrics(cdp: Any) -> dict[str, float]:
    return {m["name"]: float(m["value"]) for m in cdp.send("Performance.getMetrics")["metrics"]}


def task_seconds(cdp: Any) -> float:
    return metrics(cdp)["TaskDuration"]


LAYOUT_METRICS = ("LayoutCount", "RecalcStyleCount", "LayoutDuration", "RecalcStyleDuration", "ScriptDuration")


def stream_run(page: Any, cdp: Any, chat: str, n: int, tokens: int) -> dict[str, Any]:
    page.evaluate("([id, n]) => window.benchOpen(id, n)", [chat, n])
    page.evaluate("() => window.benchLoadAll()")  # all of them in the DOM, not only the newest page
    page.wait_for_timeout(300)
    m0 = metrics(cdp)
    res: dict[str, Any] = page.evaluate("([t, g]) => window.benchStream(t, g)", [tokens, GAP_MS])
    m1 = metrics(cdp)
    res["task_ms_per_token"] = (m1["TaskDuration"] - m0["TaskDuration"]) * 1000 / tokens
    res["layout"] = {k: m1.get(k, 0.0) - m0.get(k, 0.0) for k in LAYOUT_METRICS}
    shown = page.evaluate("() => document.querySelectorAll('[data-message-id]').length")
    res["shown"] = shown
    return res


def print_profiles(page: Any, cdp: Any, tokens: int) -> None:
    """One more stream of each kind under the CPU profiler: self time per function (``--profile``;
    build an unminified bundle for readable names, see the module's doc)."""
    from cdp_profile import profiled, top

    for label, n in (("empty", 0), ("long", LONG_CHAT)):
        chat = f"profile-{label}"
        res, times = profiled(cdp, lambda chat=chat, n=n: stream_run(page, cdp, chat, n, tokens))  # type: ignore[misc]
        busy = sum(v for k, v in times.items() if k != "(idle)")
        lay = res["layout"]
        print(
            f"\nprofile, stream into {n} messages: {busy / tokens:.3f} ms/token sampled;"
            f" per token: {lay['LayoutCount'] / tokens:.2f} layouts ({lay['LayoutDuration'] * 1000 / tokens:.3f} ms),"
            f" {lay['RecalcStyleCount'] / tokens:.2f} style recalcs ({lay['RecalcStyleDuration'] * 1000 / tokens:.3f} ms),"
            f" script {lay['ScriptDuration'] * 1000 / tokens:.3f} ms; top self time:"
        )
        for name, ms_ in top(times):
            print(f"  {ms_ / tokens:7.3f} ms/token  {name[:110]}")


def main(quick: bool, bundle: Path, profile: bool = False) -> int:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} missing (apt-get install -y chromium)")
        return 2
    if not bundle.exists():
        print(f"{bundle} missing: run `jlpm --cwd labextension build:widget` first")
        return 2
    runs, tokens, opens = (1, 500, 3) if quick else (3, TOKENS, 7)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 1000})
            page.route(f"{ORIGIN}/**", server(bundle))
            page.goto(f"{ORIGIN}/index.html")
            page.wait_for_function("() => window.benchReady === true")
            cdp = page.context.new_cdp_session(page)
            cdp.send("Performance.enable", {"timeDomain": "threadTicks"})
            streams: dict[str, list[dict[str, Any]]] = {"empty": [], "long": []}
            for i in range(runs + 1):  # the first pair warms up
                for label, n in (("empty", 0), ("long", LONG_CHAT)):
                    res = stream_run(page, cdp, f"{label}-{i}", n, tokens)
                    if i:
                        streams[label].append(res)
            open_times: dict[str, list[float]] = {"small": [], "long": []}
            for i in range(opens + 1):
                for label, n in (("small", 4), ("long", OPEN_CHAT)):
                    ms_ = page.evaluate("([id, n]) => window.benchOpen(id, n)", [f"open-{label}-{i}", n])
                    page.wait_for_timeout(200)
                    if i:
                        open_times[label].append(float(ms_))
            shown_open = page.evaluate("() => document.querySelectorAll('[data-message-id]').length")
            if profile:
                print_profiles(page, cdp, tokens)
        finally:
            browser.close()

    def summary(runs_: list[dict[str, Any]]) -> dict[str, float]:
        frames = [f for r in runs_ for f in r["frames"]]
        longs = [t for r in runs_ for t in r["longTasks"]]
        return {
            "p50": pct(frames, 50),
            "p95": pct(frames, 95),
            "over50": sum(1 for f in frames if f > 50) / max(1, len(runs_)),
            "frames": len(frames) / max(1, len(runs_)),
            "long_max": max(longs, default=0.0),
            "per_token": median([r["task_ms_per_token"] for r in runs_]),
            "elapsed": median([r["elapsed"] for r in runs_]),
            "shown": runs_[-1]["shown"],
        }

    empty, long_ = summary(streams["empty"]), summary(streams["long"])
    rows = [
        [
            label,
            f"{s['shown']:.0f}",
            f"{s['p50']:.1f} ms",
            f"{s['p95']:.1f} ms",
            f"{s['over50']:.0f} / {s['frames']:.0f}",
            f"{s['long_max']:.0f} ms",
            f"{s['per_token']:.3f} ms",
            f"{s['elapsed'] / 1000:.1f} s",
        ]
        for label, s in (("empty chat", empty), (f"{LONG_CHAT} messages", long_))
    ]
    print(f"{tokens}-token reply, one token frame per {GAP_MS} ms, {runs} run(s) each (after a warm-up pair)")
    print(
        table(
            [
                "stream into",
                "msgs shown",
                "frame p50",
                "frame p95",
                ">50 ms frames/run",
                "longest task",
                "main thread/token",
                "stream took",
            ],
            rows,
        )
    )
    ratio = long_["per_token"] / empty["per_token"]
    print(f"main-thread time per token: {ratio:.2f}x the empty chat")
    small_open, long_open = median(open_times["small"]), median(open_times["long"])
    print(
        f"open to first paint of the newest message (median of {opens}): 4 messages {small_open:.0f} ms,"
        f" {OPEN_CHAT} messages {long_open:.0f} ms ({long_open / small_open:.1f}x; {shown_open} message nodes rendered)"
    )
    print(f"  per run ({OPEN_CHAT}): {', '.join(f'{t:.0f}' for t in open_times['long'])} ms")
    ok_p95, ok_ratio, ok_open = long_["p95"] < 20, ratio <= 1.2, long_open < 300
    print("\ntargets:")
    print(
        f"  p95 frame while streaming into {LONG_CHAT} messages < 20 ms: {long_['p95']:.1f} ms -> {verdict(ok_p95)}"
    )
    print(f"  main-thread time per token <= 1.2x the empty chat: {ratio:.2f}x -> {verdict(ok_ratio)}")
    print(
        f"  open a {OPEN_CHAT}-message chat < 300 ms to first paint: {long_open:.0f} ms -> {verdict(ok_open)}"
    )
    return 0 if ok_p95 and ok_ratio and ok_open else 1


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument(
        "--bundle", type=Path, default=BUNDLE, help="widget bundle to measure (default: this checkout's)"
    )
    ap.add_argument(
        "--profile",
        action="store_true",
        help="also profile one stream of each kind (unminified bundle: esbuild src/widget.ts --bundle"
        " --format=esm --loader:.css=text --outfile=/tmp/widget-dev.js, then --bundle /tmp/widget-dev.js)",
    )
    a = ap.parse_args()
    sys.exit(main(a.quick, a.bundle, a.profile))
