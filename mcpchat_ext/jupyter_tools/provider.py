"""The ``jupyter`` tool source of one Jupyter server: per visitor, an in-process MCP server.

Built by the server extension from the server's own contents manager, kernel manager, session
manager and authorizer. The engine offers :meth:`JupyterTools.spec` to every user (unless the
administrator switched the tools off) and gives each user's connection manager
:meth:`JupyterTools.servers_for` that user; the chat's handlers :meth:`bind` the visitor's
authenticated identity, which every tool call is authorized as.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from .access import VisitorAccess
from .contents import Contents
from .edits import NotebookEdits
from .kernels import Kernels
from .live import OpenNotebooks

if TYPE_CHECKING:
    from mcp.server.lowlevel import Server

    from ..mcp_servers.inprocess import BuiltinServer
    from ..protocol import ServerSpec
    from .toolbox import JupyterToolbox

DESCRIPTION = "Built in: this Jupyter server's files, notebooks and kernels, as you (every call asks first)"


class JupyterTools:
    def __init__(
        self,
        *,
        contents_manager: Any,
        kernel_manager: Any,
        session_manager: Any,
        authorizer: Any,
        max_timeout: float = 60.0,
        root: str | None = None,
    ) -> None:
        """``max_timeout``: the longest a kernel run may take (keep it below the tool timeout);
        ``root``: the root directory of a file-system contents manager (paths may not leave it)."""
        self.authorizer = authorizer
        self.max_timeout = max_timeout
        self.contents = Contents(contents_manager, root)
        self.kernels = Kernels(kernel_manager, session_manager, self.contents)
        self._access: dict[str, VisitorAccess] = {}
        self.open_notebooks = OpenNotebooks()  # the engine sets its ``ask``
        # told (user, path, change) of every edit a user's tools made: their open views follow
        self.notify: Callable[[str, str, dict[str, Any]], Awaitable[None]] | None = None

    @classmethod
    def from_serverapp(cls, serverapp: Any, *, tool_timeout: float) -> JupyterTools:
        from jupyter_server.services.contents.fileio import FileManagerMixin

        cm = serverapp.contents_manager
        return cls(
            contents_manager=serverapp.contents_manager,
            kernel_manager=serverapp.kernel_manager,
            session_manager=serverapp.session_manager,
            authorizer=serverapp.authorizer,
            max_timeout=max(1.0, tool_timeout - 2.0),  # answer (interrupted) before the call is cut
            root=str(getattr(cm, "root_dir", "")) if isinstance(cm, FileManagerMixin) else None,
        )

    def access(self, user: str) -> VisitorAccess:
        access = self._access.get(user)
        if access is None:
            access = self._access[user] = VisitorAccess(user, self.authorizer)
        return access

    def bind(self, user: str, handler: Any) -> None:
        """``handler`` authenticated ``user`` (whose workspace it opened): calls act as them."""
        self.access(user).bind(handler)

    def spec(self) -> ServerSpec:
        from ..protocol import ServerSpec
        from .server import SERVER_NAME

        return ServerSpec(name=SERVER_NAME, transport="builtin", description=DESCRIPTION)

    def _toolbox(self, user: str, access: VisitorAccess, offered: frozenset[str] | None) -> JupyterToolbox:
        from .toolbox import JupyterToolbox

        async def changed(path: str, change: dict[str, Any]) -> None:
            if self.notify is not None:
                await self.notify(user, path, change)

        return JupyterToolbox(
            access,
            self.contents,
            NotebookEdits(self.contents, changed),
            self.kernels,
            max_timeout=self.max_timeout,
            open_notebooks=self.open_notebooks,
            offered=offered,
        )

    def servers_for(self, user: str) -> dict[str, BuiltinServer]:
        from .server import SERVER_NAME, build_server

        toolbox = self._toolbox(user, self.access(user), None)
        return {SERVER_NAME: lambda: build_server(toolbox)}

    def server_for_request(self, user: str, handler: Any, offered: frozenset[str]) -> Server[Any, Any]:
        """A server of the ``offered`` tools acting as ``user``, whom ``handler`` (one HTTP request
        of the MCP endpoint) authenticated: its calls are authorized for that request."""
        from .server import build_server

        access = VisitorAccess(user, self.authorizer)
        access.bind(handler)
        return build_server(self._toolbox(user, access, offered))
