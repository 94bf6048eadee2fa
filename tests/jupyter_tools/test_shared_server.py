"""A shared server: bob visits alice's Jupyter server, which lets him read files but not write them
or run code (its authorizer, as JupyterHub scopes would). Through the ``jupyter`` tools, approved
by bob himself, he can read but cannot reach alice's kernels or change her notebooks; alice can."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.fakes.openai_server import FakeOpenAI
from tests.server.identity import auth
from tests.server.wsclient import ChatSocket

from .chat import decide, open_chat, pending_call
from .conftest import write_notebook


@pytest.fixture
def server_extra_config() -> dict[str, Any]:
    return {
        "ServerApp": {
            "identity_provider_class": "tests.server.identity.MultiUserIdentityProvider",
            "authorizer_class": "tests.jupyter_tools.authorizer.OwnerAndReadOnlyVisitors",
            "allow_unauthenticated_access": False,
        }
    }


async def test_a_visitor_without_execute_cannot_run_code_or_edit_through_the_tools(
    jp_ws_fetch: Any, jp_root_dir: Path, llm: FakeOpenAI, jp_serverapp: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JUPYTERHUB_USER", "alice")
    path = write_notebook(jp_root_dir, "alice.ipynb", "secret = 'alice-only'")
    before = path.read_bytes()
    marker = jp_root_dir / "pwned.txt"
    km = jp_serverapp.kernel_manager
    alice = ChatSocket(await jp_ws_fetch("mcpchat", "ws", headers=auth("alice")))
    bob = ChatSocket(await jp_ws_fetch("mcpchat", "ws", headers=auth("bob")))
    try:
        alice_chat = await open_chat(alice)
        bob_chat = await open_chat(bob)

        # alice runs her notebook: a kernel with her variables exists
        call = await pending_call(alice, llm, alice_chat, "run_cell", {"path": "alice.ipynb", "index": 0})
        assert (await decide(alice, alice_chat, call, "approve"))["status"] != "error"
        [kernel] = km.list_kernel_ids()
        before = path.read_bytes()

        # bob may read (the server grants it) ...
        call = await pending_call(bob, llm, bob_chat, "read_notebook", {"path": "alice.ipynb"})
        assert "secret = 'alice-only'" in (await decide(bob, bob_chat, call, "approve"))["content"]

        # ... but not run code in her kernel, nor start one, nor read its variables, nor edit
        attacks = [
            ("execute_code", {"path": "alice.ipynb", "code": f"open({str(marker)!r}, 'w').write('x')"}),
            ("execute_code", {"path": "other.ipynb", "code": "1"}),
            ("run_cell", {"path": "alice.ipynb", "index": 0}),
            ("list_variables", {"path": "alice.ipynb"}),
            ("inspect_variable", {"path": "alice.ipynb", "name": "secret"}),
            ("replace_cell", {"path": "alice.ipynb", "index": 0, "source": "secret = 'bob'"}),
            ("delete_cell", {"path": "alice.ipynb", "index": 0}),
            ("create_notebook", {"path": "bob.ipynb"}),
        ]
        for tool, args in attacks:
            call = await pending_call(bob, llm, bob_chat, tool, args)
            result = await decide(bob, bob_chat, call, "approve")  # bob approves his own call
            assert result["status"] == "error", (tool, result)
            assert "bob is not allowed to" in result["content"], (tool, result["content"])
            assert "alice-only" not in result["content"]
        assert not marker.exists() and not (jp_root_dir / "bob.ipynb").exists()
        assert path.read_bytes() == before, "alice's notebook is unchanged"
        assert km.list_kernel_ids() == [kernel], "no kernel was started for bob"

        # alice, whose permissions are her own, still can (bob's identity did not replace hers)
        call = await pending_call(
            alice, llm, alice_chat, "inspect_variable", {"path": "alice.ipynb", "name": "secret"}
        )
        assert "alice-only" in (await decide(alice, alice_chat, call, "approve"))["content"]
    finally:
        alice.ws.close()
        bob.ws.close()
        await km.shutdown_all()
