"""The ``jupyter`` tool source of a kernel: the same tools, acting on the kernel they run in.

The Python API (:mod:`mcpchat_ext.api`) and the notebook widget in kernel transport build their
engine with a :class:`KernelTools` (unless ``jupyter_tools`` is off): the same server name, tool
names, schemas and annotations as the Jupyter server's ``jupyter`` tools (one definition,
:mod:`..server`), so cards, rules and audit read the same; served in process over MCP like them.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from ..live import OpenNotebooks

if TYPE_CHECKING:
    from ...mcp_servers.inprocess import BuiltinServer
    from ...protocol import ServerSpec

DESCRIPTION = (
    "Built in: the files and notebooks below this kernel's working directory, and this kernel's "
    "code and variables (every call asks first)"
)
INSTRUCTIONS = (
    "Tools of the Python kernel this chat runs in: files and notebooks (cells and outputs) below "
    "the kernel's working directory, and this kernel itself. Paths are relative to that directory. "
    "execute_code, run_cell, list_variables and inspect_variable act on this kernel, whatever "
    "notebook path is given. Cells are numbered from 0 as read_notebook shows them. "
    "read_open_notebook is not available here (no JupyterLab). Every call waits for the user's "
    "approval."
)


class KernelTools:
    def __init__(self, *, root: str | None = None, max_timeout: float = 60.0, shell: Any = None) -> None:
        """``root``: the directory the file tools may not leave (default: the working directory);
        ``max_timeout``: the longest a run may take (keep it below the tool timeout); ``shell``:
        the IPython shell to run code in (default: ``get_ipython()``, if any)."""
        self.root = os.path.abspath(root or os.getcwd())
        self.max_timeout = max_timeout
        self._shell = shell
        # what the engine hooks up for the Jupyter server's tools; no frontend answers here
        self.open_notebooks = OpenNotebooks()
        self.notify: Callable[[str, str, dict[str, Any]], Awaitable[None]] | None = None

    @classmethod
    def for_engine(cls, *, tool_timeout: float) -> KernelTools:
        return cls(max_timeout=max(1.0, tool_timeout - 2.0))  # answer (interrupted) before the cut

    def bind(self, user: str, handler: Any) -> None:
        """(No visitors in a kernel: it runs as its user.)"""

    def spec(self) -> ServerSpec:
        from ...protocol import ServerSpec
        from ..server import SERVER_NAME

        return ServerSpec(name=SERVER_NAME, transport="builtin", description=DESCRIPTION)

    def servers_for(self, user: str) -> dict[str, BuiltinServer]:
        from ..contents import Contents
        from ..edits import NotebookEdits
        from ..server import SERVER_NAME, build_server
        from .files import LocalFiles
        from .shell import Shell
        from .toolbox import KernelToolbox

        contents = Contents(LocalFiles(self.root), self.root)
        shell = Shell(self._shell) if self._shell is not None else Shell.current()
        toolbox = KernelToolbox(contents, NotebookEdits(contents), shell, max_timeout=self.max_timeout)
        return {SERVER_NAME: lambda: build_server(toolbox, INSTRUCTIONS)}
