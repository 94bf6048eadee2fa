"""Root test configuration shared by every test package.

Sub-directories (store/, connections/, agent/, server/, browser/, hub/) keep
their own fixtures in their own conftest.py; fakes/ holds real test servers
(FastMCP servers, a local OpenAI-compatible endpoint).
"""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).parent

pytest_plugins = ["pytest_jupyter.jupyter_server"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Groups for ``pytest -n 2 --dist loadgroup`` (what ``.ci/run`` runs): the browser tests are
    one group, so one worker runs them in order, sharing one JupyterLab per fixture and one
    Chromium per module as in a serial run, while the other worker takes the rest a module at a
    time (a module's own servers start once). Without xdist the marks do nothing."""
    for item in items:
        path = Path(str(item.fspath)).relative_to(TESTS)
        group = "browser" if path.parts[0] == "browser" else path.as_posix()
        item.add_marker(pytest.mark.xdist_group(group))
