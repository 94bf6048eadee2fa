"""Child process for the crash and race tests: the Python API on a shared data dir, driven by the parent.

    python -m tests.api.crash_child MODE DATA_DIR BASE_URL [LEDGER]

Every line the child prints on stdout is one JSON object (``{"event": ...}``); the parent reads
them to know when to act (no sleeps). Modes:

* ``tool``: add the ledger server (writing to LEDGER), start a chat, send a message (the parent
  queued a ``ledger_slow`` call on the fake model), print ``pending`` with the call, approve it
  and keep running it; the parent SIGKILLs the child once the ledger shows the call started.
* ``stream``: start a chat without servers, send a message, print ``token`` at the first streamed
  token and keep streaming (the parent queued a long slow reply), until SIGKILLed.
* ``decide``: connect the ledger server, print ``ready``, then for each chat id read from stdin
  approve every pending call of that chat at once and print ``result`` (what it saw: pending
  calls, frames, or the Conflict); ``quit`` (or end of input) shuts down.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from mcpchat_ext import api
from mcpchat_ext import protocol as p
from mcpchat_ext.errors import ChatExtError, Conflict
from tests.fakes.ledger_server import spec as ledger_spec


def say(**event: Any) -> None:
    print(json.dumps(event), flush=True)


def config(data_dir: str, base_url: str) -> dict[str, Any]:
    return {
        "data_dir": Path(data_dir),
        "openai_api_key": "test",
        "openai_base_url": base_url,
        "model_name": "fake-model",
        "include_demo_server": False,
        "tool_timeout": 120.0,
        "connect_timeout": 20.0,
    }


async def run_tool(client: api.Client, ledger: Path) -> None:
    status = await client.add_server(**ledger_spec(ledger))
    assert status.state == "ready", status.error
    chat = await client.new_chat("crash during a tool", servers=["ledger"])
    frames = [f async for f in chat.send("sleep in the ledger")]
    assert isinstance(frames[-1], p.ApprovalRequiredFrame), frames
    [call] = frames[-1].calls
    say(event="pending", chat_id=chat.id, call_id=call.id, name=call.name, args=call.args)
    async for frame in chat.approve_all():
        say(event="frame", type=frame.type)
    say(event="finished")  # the parent kills the child before this


async def run_stream(client: api.Client) -> None:
    chat = await client.new_chat("crash during a reply", servers=[])
    told = False
    async for frame in chat.send("tell me a very long story"):
        if isinstance(frame, p.TokenFrame) and not told:
            say(event="token", chat_id=chat.id, text=frame.text)
            told = True
    say(event="finished")


async def decide_once(client: api.Client, chat_id: str) -> dict[str, Any]:
    result: dict[str, Any] = {"event": "result", "chat_id": chat_id, "pending": None, "frames": []}
    chat = await client.chat(chat_id)
    try:
        pending = await chat.pending()
        result["pending"] = [c.id for c in pending]
        async for frame in chat.decide([api.approve(c.id) for c in pending]):
            result["frames"].append(frame.type)
    except Conflict as exc:
        result["conflict"] = str(exc)
    except ChatExtError as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"
    return result


async def run_decide(client: api.Client) -> None:
    status = await client.connect_server("ledger")
    assert status.state == "ready", status.error
    say(event="ready")
    while True:
        line = (await asyncio.to_thread(sys.stdin.readline)).strip()
        if not line or line == "quit":
            return
        say(**await decide_once(client, line))


async def main(mode: str, data_dir: str, base_url: str, ledger: str | None) -> None:
    client = await api.connect(**config(data_dir, base_url))
    try:
        if mode == "tool":
            assert ledger is not None
            await run_tool(client, Path(ledger))
        elif mode == "stream":
            await run_stream(client)
        elif mode == "decide":
            await run_decide(client)
        else:
            raise SystemExit(f"unknown mode {mode!r}")
    finally:
        await api.shutdown()


if __name__ == "__main__":
    args = sys.argv[1:]
    asyncio.run(main(args[0], args[1], args[2], args[3] if len(args) > 3 else None))
