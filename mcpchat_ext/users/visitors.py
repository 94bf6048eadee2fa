"""What a visitor of someone else's Jupyter server may do with MCP servers.

On JupyterHub an owner can share their single-user server (``access:servers`` scopes): the
visitor's chats, servers and approvals are their own (state is keyed on the visitor), but every
MCP stdio server runs its command *on the owner's server, as the owner*. So by default only the
owner may add, change or start their own stdio servers; a visitor may use HTTP/SSE servers and the
administrator's catalog. ``allow_visitor_stdio_servers`` lifts the restriction. (A visitor who
may use the server can also start kernels, that is run any code as the owner: this narrows the
chat's own surface, it does not make sharing safe.)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import Forbidden
from ..protocol import ServerSpec


@dataclass(frozen=True)
class VisitorPolicy:
    owner: str  # the user the Jupyter server runs as (JUPYTERHUB_USER, else the OS user)
    user: str  # the visiting user whose workspace this is
    allow_stdio: bool = False  # MCPChatExtension.allow_visitor_stdio_servers

    @property
    def may_run_commands(self) -> bool:
        return self.allow_stdio or self.user == self.owner

    def refusal(self, name: str) -> str:
        return (
            f"MCP server '{name}': only {self.owner}, who owns this Jupyter server, may add, change or "
            f"start stdio MCP servers here (a stdio server runs its command as {self.owner}). Use an "
            f"HTTP server, or ask {self.owner} to set "
            "c.MCPChatExtension.allow_visitor_stdio_servers = True"
        )

    def check(self, specs: Iterable[ServerSpec]) -> None:
        """Forbidden when ``specs`` hold a stdio server this user may not run."""
        if self.may_run_commands:
            return
        for spec in specs:
            if spec.transport == "stdio":
                raise Forbidden(self.refusal(spec.name))
