"""The ``jupyter`` tools of the Python API inside a real ipykernel (started with jupyter_client):
code runs in the running shell while the user's cell awaits the chat (no deadlock), outputs,
images and errors come back as from the server's toolset and never reach the cell, a timeout
interrupts the run, and every call waits for the API's approver; a tool's image reaches the model
as an image part when the model's catalog entry says ``images: true``."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.manager import KernelManager

from tests.fakes.openai_server import FakeOpenAI, text_reply, tool_call_reply
from tests.widget.conftest import REPO_ROOT

from .conftest import PNG

pytestmark = pytest.mark.timeout(240)

# a cell that defines ``call(name, args)``: one call of the kernel's own jupyter tools over MCP
TOOLS_CELL = """
import json
from mcpchat_ext.jupyter_tools.in_kernel import KernelTools
from mcpchat_ext.mcp_servers.inprocess import builtin_session

_tools = KernelTools(max_timeout=20.0)

async def call(name, args):
    async with builtin_session(_tools.servers_for("me")["jupyter"]) as s:
        await s.initialize()
        if name == "list_tools":
            return [t.model_dump(mode="json") for t in (await s.list_tools()).tools]
        return (await s.call_tool(name, args)).model_dump(mode="json")
"""

IMAGE_CODE = (
    "import base64, IPython.display as d\n"
    f"d.display(d.Image(data=base64.b64decode({PNG!r})))\n"
    "print('drawn')\n"
    "made = 6 * 7\n"
    "made"
)


class Kernel:
    """A real kernel and a blocking client; :meth:`run` executes a cell and returns its outputs."""

    def __init__(self, km: KernelManager, kc: BlockingKernelClient) -> None:
        self.km, self.kc = km, kc

    def run(self, code: str, timeout: float = 120) -> list[dict[str, Any]]:
        outputs: list[dict[str, Any]] = []

        def hook(msg: dict[str, Any]) -> None:
            if msg["header"]["msg_type"] in ("stream", "error", "display_data", "execute_result"):
                outputs.append({"type": msg["header"]["msg_type"], **msg["content"]})

        reply = self.kc.execute_interactive(code, timeout=timeout, output_hook=hook)
        assert reply["content"]["status"] == "ok", (reply["content"], outputs)
        return outputs

    def value(self, code: str) -> Any:
        """The JSON the cell ``code`` prints on its last line."""
        out = [o["text"] for o in self.run(code) if o["type"] == "stream" and o["name"] == "stdout"]
        return json.loads("".join(out).strip().splitlines()[-1])


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("kernel-root")


@pytest.fixture(scope="module")
def kernel(root: Path) -> Iterator[Kernel]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "MCPCHAT_", "PYTEST_"))}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p)
    env["FAKE_KEY"] = "sk-test"
    km = KernelManager(kernel_name="python3")
    km.start_kernel(env=env, cwd=str(root))
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)
        kernel = Kernel(km, kc)
        kernel.run(TOOLS_CELL)
        yield kernel
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def texts(result: dict[str, Any]) -> str:
    return "\n".join(b["text"] for b in result["content"] if b["type"] == "text")


def test_same_tools_as_the_server_but_read_open_notebook(kernel: Kernel) -> None:
    from mcpchat_ext.jupyter_tools.server import TOOLS, mcp_tool

    listed = {t["name"]: t for t in kernel.value("print(json.dumps(await call('list_tools', {})))")}
    server = {t.name: mcp_tool(t).model_dump(mode="json") for t in TOOLS}
    assert set(listed) == set(server) - {"read_open_notebook"}
    assert all(listed[n] == server[n] for n in listed)


def test_code_runs_in_the_running_shell_and_its_output_comes_back(kernel: Kernel) -> None:
    # the cell awaits the tool call, which runs code in this very shell: no deadlock
    outputs = kernel.run(
        f"r = await call('execute_code', {{'path': 'any.ipynb', 'code': {IMAGE_CODE!r}}})\nprint('cell done')"
    )
    cell_text = "".join(o.get("text", "") for o in outputs)
    assert cell_text == "cell done\n", "the tool's output is captured, not shown in the user's cell"
    assert not [o for o in outputs if o["type"] in ("display_data", "execute_result", "error")]
    result = kernel.value("print(json.dumps(r))")
    assert not result["isError"]
    text = texts(result)
    assert "finished" in text and "[stdout]\ndrawn" in text and "[result]\n42" in text
    [image] = [b for b in result["content"] if b["type"] == "image"]
    assert image["mimeType"] == "image/png" and base64.b64decode(image["data"]) == base64.b64decode(PNG)
    # the variable is in the user's namespace, and the variable tools see it
    assert kernel.value("print(json.dumps(made))") == 42
    listing = texts(kernel.value("print(json.dumps(await call('list_variables', {'path': 'x.ipynb'})))"))
    assert "\nmade: int = 42\n" in listing and "\n_tools:" not in listing  # (private names hidden)
    detail = kernel.value(
        "print(json.dumps(await call('inspect_variable', {'path': '', 'name': 'made.real'})))"
    )
    assert "made.real: int = 42" in texts(detail)


def test_errors_come_back_as_errors_and_never_reach_the_cell(kernel: Kernel) -> None:
    code = "print('before')\nraise ValueError('\\x1b[31mhostile\\x1b[0m text')"
    outputs = kernel.run(f"r = await call('execute_code', {{'path': 'x.ipynb', 'code': {code!r}}})")
    assert outputs == [], "neither the output nor the traceback is published to the cell"
    text = texts(kernel.value("print(json.dumps(r))"))
    assert "raised an error" in text and "[stdout]\nbefore" in text
    assert "ValueError" in text and "hostile text" in text and "\x1b" not in text
    # a syntax error, and a name the model made up for a variable
    bad = texts(kernel.value("print(json.dumps(await call('execute_code', {'path': 'x', 'code': 'def ('})))"))
    assert "SyntaxError" in bad
    probe = "print(json.dumps(await call('inspect_variable', {'path': 'x', 'name': '__import__(\"os\")'})))"
    refused = kernel.value(probe)
    assert refused["isError"]


def test_a_timeout_interrupts_the_run_and_the_kernel_goes_on(kernel: Kernel) -> None:
    code = "import time\nprint('started', flush=True)\ntime.sleep(60)\nprint('never')"
    kernel.run(f"r = await call('execute_code', {{'path': 'x.ipynb', 'code': {code!r}, 'timeout': 1}})")
    text = texts(kernel.value("print(json.dumps(r))"))
    assert "timed out after 1 s" in text and "interrupted" in text
    assert "[stdout]\nstarted\n" in text and "never\n" not in text.split("[error]")[0]
    assert "KeyboardInterrupt" in text and "mcpchat_ext" not in text  # (no frame of ours)
    again = kernel.value("print(json.dumps(await call('execute_code', {'path': 'x', 'code': '1 + 1'})))")
    assert "[result]\n2" in texts(again)


def test_api_chat_in_the_kernel_asks_first_and_sends_the_image_to_the_model(
    kernel: Kernel, root: Path, tmp_path: Path
) -> None:
    with FakeOpenAI() as llm:
        catalog = {
            "models": {
                "seeing": {
                    "provider": "openai",
                    "model": "fake-model",
                    "base_url": llm.base_url,
                    "api_key_env": "FAKE_KEY",
                    "images": True,
                }
            },
            "default": "seeing",
        }
        (tmp_path / "models.json").write_text(json.dumps(catalog))
        kernel.run(
            "from mcpchat_ext import api\n"
            "from mcpchat_ext.agent.catalog import load_catalog_file\n"
            f"_models, _default = load_catalog_file({str(tmp_path / 'models.json')!r})\n"
            f"client = await api.connect(data_dir={str(tmp_path / 'data')!r}, model_catalog=_models, "
            "default_model=_default, include_demo_server=False, tool_timeout=30.0, connect_timeout=30.0)\n"
            "chat = await client.new_chat('k', servers=['jupyter'])\n"
            "asked = []\n"
            "def approver(call):\n"
            "    asked.append([call.server, call.tool, call.args])\n"
            "    return 'secret' not in call.args.get('code', '')\n"
        )
        try:
            llm.queue(
                tool_call_reply([("jupyter_execute_code", {"path": "a.ipynb", "code": "secret = 1"})]),
                text_reply("it was rejected"),
                tool_call_reply([("jupyter_execute_code", {"path": "a.ipynb", "code": IMAGE_CODE})]),
                text_reply("I see a dot"),
            )
            first = kernel.value(
                "reply = await chat.ask('set it', approve=approver)\nprint(json.dumps(reply.text))"
            )
            assert first == "it was rejected"
            assert kernel.value("print(json.dumps('secret' in globals()))") is False, (
                "a rejected call ran nothing"
            )
            second = kernel.value(
                "reply = await chat.ask('draw', approve=approver)\nprint(json.dumps(reply.text))"
            )
            assert second == "I see a dot"
            assert kernel.value("print(json.dumps(asked))") == [
                ["jupyter", "execute_code", {"path": "a.ipynb", "code": "secret = 1"}],
                ["jupyter", "execute_code", {"path": "a.ipynb", "code": IMAGE_CODE}],
            ]
            assert kernel.value("print(json.dumps(made))") == 42
            urls = [
                part["image_url"]["url"]
                for m in llm.requests[-1]["messages"]
                if isinstance(m.get("content"), list)
                for part in m["content"]
                if part.get("type") == "image_url"
            ]
            assert urls == [f"data:image/png;base64,{PNG}"]
        finally:
            kernel.run("await api.shutdown()")
