"""Run every benchmark in turn (each in its own interpreter) and summarise PASS/MISS.

python benchmarks/run_all.py [--quick] [names...]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ALL = [
    "bench_mcp_calls",
    "bench_checkpoint_growth",
    "bench_stack_overhead",
    "bench_concurrency",
    "bench_startup",
    "bench_ui",
]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("names", nargs="*", default=ALL)
    a = ap.parse_args()
    summary = []
    for name in a.names:
        name = name.removesuffix(".py")
        print(f"\n=== {name} {'--quick' if a.quick else ''}".rstrip(), flush=True)
        t0 = time.perf_counter()
        cmd = [sys.executable, str(HERE / f"{name}.py")] + (["--quick"] if a.quick else [])
        rc = subprocess.run(cmd, cwd=HERE.parent, stderr=subprocess.DEVNULL).returncode
        summary.append(
            (
                name,
                "PASS" if rc == 0 else ("MISS" if rc == 1 else f"FAILED rc={rc}"),
                time.perf_counter() - t0,
            )
        )
    print("\n=== summary")
    for name, verdict, secs in summary:
        print(f"{name:26} {verdict:14} {secs:6.1f} s")
    return 0 if all(v == "PASS" for _, v, _ in summary) else 1


if __name__ == "__main__":
    sys.exit(main())
