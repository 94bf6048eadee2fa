"""``ChatWidget``: the mcpchat-ext chat UI inside a notebook (anywidget).

The frontend is the same chat UI as the JupyterLab panel (``static/widget.js``, built from
``labextension/src`` by ``pip install .``). Inside JupyterLab (the page of a Jupyter server with
this extension, and the same user) it uses the server's chat websocket, like the panel, so both
show the same turns live. Elsewhere, or with ``transport="kernel"``, it talks over the widget
comm: ``model.send(frame)`` / ``model.on("msg:custom", ...)`` carrying the frames of
:mod:`mcpchat_ext.protocol`, and the engine runs in this kernel (see :mod:`.bridge`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anywidget
import traitlets

from ..config import local_user
from .bridge import CommBridge

BUNDLE = Path(__file__).parent / "static" / "widget.js"

# Shown instead of the chat when the package was installed without building the frontend.
FALLBACK_ESM = """
export default {
  render({ el }) {
    const box = document.createElement("div");
    box.className = "mcpchat-widget-missing";
    box.style.padding = "8px";
    box.textContent = "mcpchat-ext frontend not built: run pip install .";
    el.appendChild(box);
  },
};
"""


def _esm() -> Path | str:
    return BUNDLE if BUNDLE.is_file() else FALLBACK_ESM


class ChatWidget(anywidget.AnyWidget):
    """Chat with your agent in a notebook; every tool call waits for your approval.

    ``ChatWidget()`` shows the chats of the current user (``JUPYTERHUB_USER`` or the OS user) in
    the same SQLite files as the JupyterLab panel. Set ``chat_id`` to open a chat.
    """

    _esm = _esm()

    height = traitlets.Unicode("520px", help="CSS height of the chat").tag(sync=True)
    chat_id = traitlets.Unicode(None, allow_none=True, help="The open chat (None: newest)").tag(sync=True)
    user = traitlets.Unicode("", help="Whose chats are shown (read only)").tag(sync=True)
    transport = traitlets.Enum(
        ("auto", "kernel"),
        default_value="auto",
        help=(
            "auto: inside JupyterLab the widget talks to the Jupyter server's chat engine, like the "
            "side panel (a turn shows live in both), and to this kernel elsewhere; kernel: always "
            "this kernel's engine"
        ),
    ).tag(sync=True)

    def __init__(self, *, user: str | None = None, **kwargs: Any) -> None:
        super().__init__(user=user or local_user(), **kwargs)
        # "auto" starts the kernel's engine only if the frontend falls back to it (its hello)
        self._bridge = CommBridge(self._send_frame, user=self.user, warm=self.transport == "kernel")
        self.on_msg(self._on_custom)

    def _send_frame(self, frame: dict[str, Any]) -> None:
        self.send(frame)

    def _on_custom(self, _widget: Any, content: Any, _buffers: Any) -> None:
        self._bridge.receive(content)

    @property
    def bridge(self) -> CommBridge:
        return self._bridge

    async def export(self, format: str = "ipynb", path: str | Path | None = None) -> str:
        """The open chat (``chat_id``) as a notebook ("ipynb"), Markdown ("md") or its approval
        audit ("audit"), as :meth:`mcpchat_ext.api.Chat.export`; also written to ``path``."""
        from .. import api

        if not self.chat_id:
            raise ValueError("no chat is open in this widget: set chat_id first")
        client = api.Client(await api.get_workspace(self.user))
        return await (await client.chat(self.chat_id)).export(format, path)  # type: ignore[arg-type]

    def close(self) -> None:
        """Close the widget; running turns continue (the JupyterLab panel still shows them)."""
        bridge: CommBridge | None = getattr(self, "_bridge", None)
        if bridge is not None:
            try:
                bridge.close()
            except RuntimeError:  # the kernel's loop is already closed (interpreter exit)
                pass
        super().close()
