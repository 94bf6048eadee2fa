"""The ``jupyter`` tools over MCP (in-memory session) on a real jupyter-server with real ipykernel
kernels and real notebook files: read, edit, execute, variables, and their refusals."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import nbformat

from mcpchat_ext.jupyter_tools import JupyterTools

from .conftest import PNG, images, session_of, texts, write_notebook


def notebook_with_outputs(root: Path) -> None:
    nb = nbformat.v4.new_notebook()
    ok = nbformat.v4.new_code_cell("print('hello')", execution_count=1)
    ok.outputs = [nbformat.v4.new_output("stream", name="stdout", text="hello\n")]
    bad = nbformat.v4.new_code_cell("1/0", execution_count=2)
    bad.outputs = [
        nbformat.v4.new_output(
            "error",
            ename="ZeroDivisionError",
            evalue="division by zero",
            traceback=["\x1b[0;31mZeroDivisionError\x1b[0m", "----> 1 1/0"],
        )
    ]
    plot = nbformat.v4.new_code_cell("show()", execution_count=3)
    plot.outputs = [nbformat.v4.new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"})]
    nb.cells = [nbformat.v4.new_markdown_cell("# Title"), ok, bad, plot]
    nbformat.write(nb, root / "done.ipynb")


async def test_tools_are_annotated_read_only_or_destructive(tools: JupyterTools) -> None:
    async with session_of(tools) as alice:
        listed = {t.name: t.annotations for t in (await alice.list_tools()).tools}
    assert all(a is not None for a in listed.values())
    read_only = {n for n, a in listed.items() if a and a.readOnlyHint}
    destructive = {n for n, a in listed.items() if a and a.destructiveHint}
    assert read_only == {
        "list_files",
        "read_file",
        "read_notebook",
        "read_open_notebook",
        "list_variables",
        "inspect_variable",
    }
    assert {"replace_cell", "delete_cell", "execute_code", "run_cell"} <= destructive
    assert not read_only & destructive


async def test_list_and_read_files_notebooks_and_images(tools: JupyterTools, jp_root_dir: Path) -> None:
    (jp_root_dir / "data").mkdir()
    (jp_root_dir / "data" / "notes.txt").write_text("line one\nline two\n")
    (jp_root_dir / "pic.png").write_bytes(base64.b64decode(PNG))
    notebook_with_outputs(jp_root_dir)
    async with session_of(tools) as alice:
        listing = texts(await alice.call_tool("list_files", {}))
        assert "data/\tdirectory" in listing and "done.ipynb\tnotebook" in listing
        assert "data/notes.txt" in texts(await alice.call_tool("list_files", {"path": "data"}))
        assert texts(await alice.call_tool("read_file", {"path": "data/notes.txt"})) == "line one\nline two\n"
        [picture] = images(await alice.call_tool("read_file", {"path": "pic.png"}))
        assert (picture.mimeType, picture.data) == ("image/png", PNG)

        result = await alice.call_tool("read_notebook", {"path": "done.ipynb"})
        text = texts(result)
        assert "4 cells" in text and "# Title" in text and "[stdout]\nhello" in text
        assert "ZeroDivisionError: division by zero" in text and "----> 1 1/0" in text
        assert "\x1b" not in text, "ANSI colours are removed from tracebacks"
        [figure] = images(result)  # the display_data image reaches the tool result as an image
        assert figure.mimeType == "image/png" and figure.data == PNG
        bare = texts(await alice.call_tool("read_notebook", {"path": "done.ipynb", "include_outputs": False}))
        assert "hello\n" not in bare.split("print('hello')")[1]

        outside = await alice.call_tool("read_file", {"path": "../../etc/passwd"})
        assert outside.isError and "cannot read" in texts(outside)
        missing = await alice.call_tool("read_notebook", {"path": "nope.ipynb"})
        assert missing.isError and "nope.ipynb" in texts(missing)


async def test_create_insert_replace_delete_cells(tools: JupyterTools, jp_root_dir: Path) -> None:
    async with session_of(tools) as alice:
        made = await alice.call_tool(
            "create_notebook",
            {
                "path": "new.ipynb",
                "cells": [{"cell_type": "markdown", "source": "# New"}, {"source": "a = 1"}],
            },
        )
        assert not made.isError, texts(made)
        again = await alice.call_tool("create_notebook", {"path": "new.ipynb"})
        assert again.isError and "already exists" in texts(again)
        assert not (
            await alice.call_tool("insert_cell", {"path": "new.ipynb", "index": 1, "source": "b = 2"})
        ).isError
        assert not (
            await alice.call_tool("insert_cell", {"path": "new.ipynb", "index": -1, "source": "c = 3"})
        ).isError
        replaced = await alice.call_tool(
            "replace_cell", {"path": "new.ipynb", "index": 2, "source": "a = 10"}
        )
        assert "a = 10" in texts(replaced)
        assert not (await alice.call_tool("delete_cell", {"path": "new.ipynb", "index": 0})).isError
        wrong = await alice.call_tool("delete_cell", {"path": "new.ipynb", "index": 7})
        assert wrong.isError and "out of range" in texts(wrong) and "0..2" in texts(wrong)
        bad_args = await alice.call_tool("insert_cell", {"path": "new.ipynb", "index": 0})
        assert bad_args.isError and "source" in texts(bad_args)
    nb = nbformat.read(jp_root_dir / "new.ipynb", as_version=4)
    assert [c.source for c in nb.cells] == ["b = 2", "a = 10", "c = 3"]
    assert nb.metadata.kernelspec["name"] == "python3"
    nbformat.validate(nb)


async def test_run_cell_and_execute_code_in_the_notebooks_kernel(
    tools: JupyterTools, jp_root_dir: Path, jp_serverapp: Any
) -> None:
    write_notebook(jp_root_dir, "calc.ipynb", "x = 41\nprint(x + 1)", "x / 0")
    km = jp_serverapp.kernel_manager
    try:
        async with session_of(tools) as alice:
            ran = await alice.call_tool("run_cell", {"path": "calc.ipynb", "index": 0})
            assert "ran cell 0 of calc.ipynb [1]: finished" in texts(ran) and "[stdout]\n42" in texts(ran)
            [session] = await jp_serverapp.session_manager.list_sessions()
            assert session["path"] == "calc.ipynb" and session["kernel"]["id"] in km  # as JupyterLab's
            failed = await alice.call_tool("run_cell", {"path": "calc.ipynb", "index": 1})
            assert "raised an error" in texts(failed) and "ZeroDivisionError" in texts(failed)

            code = (
                "from IPython.display import Image, display\nimport base64\n"
                f"display(Image(data=base64.b64decode('{PNG}')))\nx + 1"
            )
            shown = await alice.call_tool("execute_code", {"path": "calc.ipynb", "code": code})
            assert "[result]\n42" in texts(shown)  # the same kernel: x is still defined
            [image] = images(shown)
            assert image.mimeType == "image/png" and base64.b64decode(image.data) == base64.b64decode(PNG)
            assert len(km.list_kernel_ids()) == 1, "one kernel per notebook, reused"
        nb = nbformat.read(jp_root_dir / "calc.ipynb", as_version=4)
        assert nb.cells[0].outputs[0]["text"] == "42\n" and nb.cells[0].execution_count == 1
        assert nb.cells[1].outputs[0]["ename"] == "ZeroDivisionError"
    finally:
        await km.shutdown_all()


async def test_a_run_past_its_timeout_interrupts_the_kernel(
    tools: JupyterTools, jp_root_dir: Path, jp_serverapp: Any
) -> None:
    write_notebook(jp_root_dir, "slow.ipynb")
    try:
        async with session_of(tools) as alice:
            code = "import time\nprint('started', flush=True)\ntime.sleep(60)"
            slow = await alice.call_tool("execute_code", {"path": "slow.ipynb", "code": code, "timeout": 2})
            assert "timed out after 2 s; the kernel was interrupted" in texts(slow)
            assert "started" in texts(slow), "outputs so far come back"
            after = await alice.call_tool("execute_code", {"path": "slow.ipynb", "code": "print('alive')"})
            assert "alive" in texts(after), "the interrupted kernel still runs code"
    finally:
        await jp_serverapp.kernel_manager.shutdown_all()


async def test_list_and_inspect_variables(tools: JupyterTools, jp_root_dir: Path, jp_serverapp: Any) -> None:
    write_notebook(jp_root_dir, "vars.ipynb")
    code = (
        "import os\nnums = [1, 2, 3]\nclass Grid:\n    shape = (3, 4)\n    dtype = 'float64'\n"
        "    def __repr__(self): return 'Grid(3x4)'\ngrid = Grid()\nclass Cfg: depth = 7\n"
        "class Model: config = Cfg()\nmodel = Model()\n_private = 1"
    )
    try:
        async with session_of(tools) as alice:
            none_yet = await alice.call_tool("list_variables", {"path": "vars.ipynb"})
            assert none_yet.isError and "no running kernel" in texts(none_yet)
            assert not (await alice.call_tool("execute_code", {"path": "vars.ipynb", "code": code})).isError
            listed = texts(await alice.call_tool("list_variables", {"path": "vars.ipynb"}))
            assert "nums: list len 3 = [1, 2, 3]" in listed
            assert "grid: __main__.Grid shape (3, 4) dtype float64 = Grid(3x4)" in listed
            assert "_private" not in listed and "os:" not in listed and "In:" not in listed
            assert "probe" not in listed and "__src" not in listed, "the probe leaves nothing behind"
            depth = texts(
                await alice.call_tool(
                    "inspect_variable", {"path": "vars.ipynb", "name": "model.config.depth"}
                )
            )
            assert depth.startswith("model.config.depth: int = 7")
            missing = await alice.call_tool("inspect_variable", {"path": "vars.ipynb", "name": "nothing"})
            assert missing.isError and "no variable 'nothing'" in texts(missing)
            sneaky = await alice.call_tool(
                "inspect_variable", {"path": "vars.ipynb", "name": "os.system('id')"}
            )
            assert sneaky.isError and "not a variable name" in texts(sneaky)
            again = texts(
                await alice.call_tool(
                    "execute_code",
                    {"path": "vars.ipynb", "code": "sorted(k for k in dir() if 'probe' in k or 'src' in k)"},
                )
            )
            assert "[result]\n[]" in again
    finally:
        await jp_serverapp.kernel_manager.shutdown_all()


async def test_a_visitor_never_seen_by_the_server_is_refused(tools: JupyterTools, jp_root_dir: Path) -> None:
    write_notebook(jp_root_dir, "a.ipynb", "1")
    async with session_of(tools, "carol", bind=False) as carol:
        refused = await carol.call_tool("read_notebook", {"path": "a.ipynb"})
    assert refused.isError and "have not seen carol" in texts(refused)


async def test_a_symlink_out_of_the_root_is_refused(
    tools: JupyterTools, jp_root_dir: Path, tmp_path_factory: Any
) -> None:
    outside = tmp_path_factory.mktemp("elsewhere")
    (outside / "secret.txt").write_text("TOP SECRET")
    (jp_root_dir / "link").symlink_to(outside)  # Jupyter's own REST API would follow it
    (jp_root_dir / "ok.txt").write_text("fine")
    async with session_of(tools) as alice:
        assert texts(await alice.call_tool("read_file", {"path": "ok.txt"})) == "fine"
        refused = await alice.call_tool("read_file", {"path": "link/secret.txt"})
        assert refused.isError and "outside the root" in texts(refused) and "TOP SECRET" not in texts(refused)
        made = await alice.call_tool("create_notebook", {"path": "link/new.ipynb"})
        assert made.isError and not (outside / "new.ipynb").exists()
