"""Who a ``jupyter`` tool call acts as, and whether the Jupyter server lets them.

The tools act as the *visiting* user whose chat made the call, with that user's permissions on
this Jupyter server: every call asks the server's own authorizer (``ServerApp.authorizer``, which
on JupyterHub checks the visitor's hub scopes) for the action on the resource, exactly as the
server's REST handlers do (``contents`` read/write, ``kernels`` execute, ``sessions`` write).

A tool call runs after the user approved it, outside any HTTP request, so the authorizer is
given the visitor's :class:`jupyter_server.auth.User` and the last request handler that
authenticated them (bound by the chat's handlers, see :meth:`VisitorAccess.bind`). Until that
user has been seen through an authenticated request, every call is refused.
"""

from __future__ import annotations

from typing import Any

from jupyter_core.utils import ensure_async


class ToolError(Exception):
    """A tool call that cannot be done; its message is what the model (and the user) read."""


# what a tool needs, in the authorizer's words (jupyter_server.auth.utils: resources and actions)
READ_CONTENTS = ("read", "contents")
WRITE_CONTENTS = ("write", "contents")
EXECUTE_KERNELS = ("execute", "kernels")
READ_KERNELS = ("read", "kernels")
WRITE_SESSIONS = ("write", "sessions")
READ_SESSIONS = ("read", "sessions")


class VisitorAccess:
    """The visitor's identity as Jupyter knows it, and the checks of the server's authorizer."""

    def __init__(self, user: str, authorizer: Any) -> None:
        self.user = user  # the workspace's (visitor's) name
        self._authorizer = authorizer
        self._identity: Any = None  # jupyter_server.auth.User
        self._handler: Any = None

    def bind(self, handler: Any) -> None:
        """Remember the authenticated user of ``handler`` (a request of this visitor)."""
        identity = getattr(handler, "current_user", None)
        if identity is not None:
            self._identity = identity
            self._handler = handler

    @property
    def bound(self) -> bool:
        return self._identity is not None

    async def allowed(self, action: str, resource: str) -> bool:
        if self._identity is None:
            return False
        ok = await ensure_async(
            self._authorizer.is_authorized(self._handler, self._identity, action, resource)
        )
        return bool(ok)

    async def require(self, *needs: tuple[str, str]) -> None:
        """ToolError naming the first permission the visitor lacks."""
        if self._identity is None:
            raise ToolError(
                f"the Jupyter tools have not seen {self.user} log in to this Jupyter server yet: "
                "open the chat in JupyterLab (or reload it) and try again"
            )
        for action, resource in needs:
            if not await self.allowed(action, resource):
                raise ToolError(
                    f"{self.user} is not allowed to {action} {resource} on this Jupyter server "
                    "(refused by its authorizer; ask its owner or the hub administrator for access)"
                )
