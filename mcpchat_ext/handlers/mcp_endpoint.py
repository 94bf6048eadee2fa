"""The optional MCP endpoint (``<base_url>/mcpchat/mcp``): a thin handler over JupyterEndpoint.

Jupyter authenticates the request (``@web.authenticated``: token header or cookie; tornado's XSRF
check for a cookie POST, which jupyter-server skips for token-authenticated requests), its
authorizer must let the visitor write ``mcpchat`` (``@authorized``, as for the chat), and every
tool call inside is authorized again as that visitor (jupyter_tools/endpoint.py). The transport is
stateless JSON: POST only; GET (a server-sent stream) and DELETE (a session) answer 405.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jupyter_server.auth.decorator import authorized
from tornado import web

from .base import MCPChatHandler, visitor_name

if TYPE_CHECKING:
    from ..jupyter_tools.endpoint import JupyterEndpoint

ENDPOINT_KEY = "mcpchat_endpoint"
_HOP_BY_HOP = {"content-length", "transfer-encoding", "connection"}


class MCPEndpointHandler(MCPChatHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        endpoint: JupyterEndpoint = self.settings[ENDPOINT_KEY]
        headers = list(self.request.headers.get_all())
        reply = await endpoint.handle(
            visitor_name(self), self, "POST", self.request.path, headers, self.request.body or b""
        )
        self.clear_header("Content-Type")
        self.set_status(reply.status)
        for name, value in reply.headers:
            if name.lower() not in _HOP_BY_HOP:
                self.set_header(name, value)
        self.finish(bytes(reply.body))

    @web.authenticated
    async def get(self) -> None:
        self._not_here()

    @web.authenticated
    async def delete(self) -> None:
        self._not_here()

    def _not_here(self) -> None:
        self.set_header("Allow", "POST")
        self._error(405, "method_not_allowed", "this MCP endpoint is stateless: send JSON-RPC with POST")
