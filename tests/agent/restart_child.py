"""Child process for the restart test: run a turn until it pauses for approval, then exit.

python -m tests.agent.restart_child DB_PATH BASE_URL  -> prints the pending call ids as JSON
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from mcpchat_ext.agent import runner
from mcpchat_ext.agent.checkpoint import open_checkpointer
from mcpchat_ext.agent.graph import build_graph
from mcpchat_ext.agent.run_context import TurnContext
from tests.agent.toolkit import ToolBox, chat_model, collect, toolset


async def main(db: Path, base_url: str) -> None:
    async with open_checkpointer(db) as saver:
        graph = build_graph(chat_model(base_url), saver)
        frames = await collect(
            runner.run_turn(
                graph,
                chat_id="chat-r",
                thread_id="thread-r",
                context=TurnContext(tools=toolset(ToolBox().tools())),
                user_text="add and echo",
            )
        )
        assert frames[-1].type == "approval_required", frames
        print(json.dumps([c.id for c in frames[-1].calls]))


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), sys.argv[2]))
