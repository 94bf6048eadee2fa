"""The shipped notebooks run top to bottom in a real kernel (offline demo model, tmp data dir)."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.widget.conftest import REPO_ROOT

NOTEBOOKS = REPO_ROOT / "notebooks"

pytestmark = pytest.mark.timeout(240)


def kernel_env(data_dir: Path) -> dict[str, str]:
    # no PYTEST_* either: under pytest ipykernel gives sys.stderr no fileno, which the MCP stdio
    # client needs for the server's stderr (a real kernel has one)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "MCPCHAT_", "PYTEST_"))}
    env["MCPCHAT_DATA_DIR"] = str(data_dir)
    # the kernel imports the package from this checkout (installed or not)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p)
    return env


def run_notebook(name: str, tmp_path: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name="python3",  # the kernelspec's "python" resolves to this interpreter (.venv)
        timeout=120,
        startup_timeout=120,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute(env=kernel_env(tmp_path / "mcpchat-data"))
    return nb


def outputs_text(nb: nbformat.NotebookNode) -> str:
    parts: list[str] = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", ""))
            parts.append(str(out.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


@pytest.mark.parametrize("name", ["quickstart.ipynb", "programmatic.ipynb"])
def test_notebook_is_committed_without_outputs(name: str) -> None:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.get("outputs") == [] and cell.get("execution_count") is None


def test_quickstart_runs(tmp_path: Path) -> None:
    nb = run_notebook("quickstart.ipynb", tmp_path)
    text = outputs_text(nb)
    assert "Offline demo model" in text
    assert "waiting for approval: demo_add {'a': 2, 'b': 3}" in text
    assert "tool result: 5" in text and "tool result: 5.0" not in text
    assert "42" in text
    widget_outputs = [
        out
        for cell in nb.cells
        for out in cell.get("outputs", [])
        if "application/vnd.jupyter.widget-view+json" in out.get("data", {})
    ]
    assert len(widget_outputs) == 1
    assert (tmp_path / "mcpchat-data" / "app.db").is_file()


def test_programmatic_runs(tmp_path: Path) -> None:
    nb = run_notebook("programmatic.ipynb", tmp_path)
    text = outputs_text(nb)
    assert "demo_add" in text
    assert "tool: 5" in text and "tool: 5.0" not in text
    assert "numbers too large" in text
    assert (tmp_path / "mcpchat-data" / "checkpoints.db").is_file()
