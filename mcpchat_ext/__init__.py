"""mcpchat-ext: chat with LangGraph agents that use MCP tools, every tool call approved by you.

Entry points for Jupyter (server extension, prebuilt labextension) and the notebook API:

    from mcpchat_ext import ChatWidget          # anywidget chat UI for notebooks
    from mcpchat_ext import api                  # programmatic use: await api.connect()
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"
__all__ = ["ChatWidget", "__version__", "api"]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    from .app import MCPChatExtension

    return [{"module": "mcpchat_ext", "app": MCPChatExtension}]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "mcpchat-ext"}]


def __getattr__(name: str) -> Any:
    # Lazy: importing the package (e.g. when Jupyter discovers the extension) stays cheap.
    if name == "ChatWidget":
        from .widget import ChatWidget

        return ChatWidget
    if name == "api":
        # not `from . import api`: its hasattr() check would re-enter this __getattr__ forever
        return importlib.import_module(".api", __name__)
    raise AttributeError(name)
