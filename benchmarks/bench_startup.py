"""Start-up cost the extension adds to `jupyter server`: spawn -> first 200 on /api/status with the
extension enabled vs disabled (same isolated config otherwise; runs alternate; medians), plus the
top self-time offenders of `python -X importtime -c "import mcpchat_ext.app"`.

Target: < 150 ms added.

    python benchmarks/bench_startup.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys

from jupyter_harness import JupyterServer
from stats import ROOT, median, ms, table, verdict


def import_offenders(module: str, top: int = 12) -> tuple[float, list[tuple[float, float, str]]]:
    """(total seconds, [(self s, cumulative s, module)]) of importing ``module`` in a fresh interpreter
    that already has jupyter_server.extension.application loaded (what the server has at that point)."""
    pre = "import jupyter_server.serverapp, jupyter_server.extension.application"
    code = f"{pre}; import sys; sys.stderr.write('--mark--\\n'); import {module}"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
    ).stderr
    after = out.split("--mark--\n", 1)[1]
    rows = []
    for line in after.splitlines():
        if not line.startswith("import time:") or "|" not in line or "self [us]" in line:
            continue
        self_us, cum_us, name = (x.strip() for x in line[len("import time:") :].split("|"))
        rows.append((int(self_us) / 1e6, int(cum_us) / 1e6, name))
    total = sum(r[0] for r in rows)
    return total, sorted(rows, reverse=True)[:top]


async def main(quick: bool) -> int:
    runs = 2 if quick else 7
    times: dict[bool, list[float]] = {True: [], False: []}
    for i in range(runs + 1):  # the first pair warms the OS file cache
        for enabled in (True, False):
            server = await JupyterServer.start(enabled=enabled)
            if i:
                times[enabled].append(server.started_in)
            await server.stop()
    on, off = median(times[True]), median(times[False])
    print(f"`jupyter server` spawn -> first 200 on /api/status, median of {runs}")
    print(
        table(
            ["extension", "median", "min", "max"],
            [
                ["mcpchat_ext enabled", ms(on), ms(min(times[True])), ms(max(times[True]))],
                ["mcpchat_ext disabled", ms(off), ms(min(times[False])), ms(max(times[False]))],
            ],
        )
    )
    added = on - off
    print(f"\nadded by the extension: {ms(added)}  target < 150 ms -> {verdict(added < 0.150)}")

    total, rows = import_offenders("mcpchat_ext.app")
    print(f"\n`import mcpchat_ext.app` after jupyter_server is loaded: {ms(total)} (self times summed); top:")
    print(table(["self", "cumulative", "module"], [[ms(s), ms(c), n.strip()] for s, c, n in rows]))
    return 0 if added < 0.150 else 1


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    sys.exit(asyncio.run(main(ap.parse_args().quick)))
