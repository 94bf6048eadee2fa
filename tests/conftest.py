"""Root test configuration shared by every test package.

Sub-directories (store/, connections/, agent/, server/, browser/, hub/) keep
their own fixtures in their own conftest.py; fakes/ holds real test servers
(FastMCP servers, a local OpenAI-compatible endpoint).
"""

from __future__ import annotations

pytest_plugins = ["pytest_jupyter.jupyter_server"]
