"""Start :mod:`tests.api.crash_child` processes and read their JSON events (parent side)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


class Child:
    """One child process; its stderr goes to ``<log>`` (shown when an event does not come)."""

    def __init__(self, proc: asyncio.subprocess.Process, log: Path) -> None:
        self.proc = proc
        self.log = log

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _stderr(self) -> str:
        try:
            return self.log.read_text()[-4000:]
        except FileNotFoundError:
            return ""

    async def event(self, kind: str, timeout: float = 120.0) -> dict[str, Any]:
        """The next stdout event of ``kind`` (other events are skipped)."""
        assert self.proc.stdout is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            left = deadline - loop.time()
            try:
                line = await asyncio.wait_for(self.proc.stdout.readline(), max(left, 0.01))
            except asyncio.TimeoutError:
                raise AssertionError(
                    f"no {kind!r} event within {timeout:g} s; stderr:\n{self._stderr()}"
                ) from None
            if not line:
                await self.proc.wait()
                raise AssertionError(
                    f"child exited ({self.proc.returncode}) before {kind!r}; stderr:\n{self._stderr()}"
                )
            event = json.loads(line)
            if event.get("event") == kind:
                return event

    async def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{line}\n".encode())
        await self.proc.stdin.drain()

    async def kill(self) -> None:
        """SIGKILL and reap it (a zombie still answers ``kill(pid, 0)``, so reap before relying
        on the pid being gone)."""
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    async def finish(self, timeout: float = 30.0) -> int:
        """Close its stdin and wait for it to exit (killed after ``timeout`` s)."""
        if self.proc.stdin is not None and not self.proc.stdin.is_closing():
            self.proc.stdin.close()
        try:
            return await asyncio.wait_for(self.proc.wait(), timeout)
        except asyncio.TimeoutError:
            await self.kill()
            raise AssertionError(f"child did not exit; stderr:\n{self._stderr()}") from None


async def start_child(mode: str, data_dir: Path, base_url: str, *extra: str, log: Path) -> Child:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "MCPCHAT_"))}
    env["PYTHONPATH"] = str(ROOT)
    with log.open("wb") as err:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.api.crash_child",
            mode,
            str(data_dir),
            base_url,
            *extra,
            cwd=ROOT,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=err,
        )
    return Child(proc, log)
