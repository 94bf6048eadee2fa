"""REST: a resource and the logging messages of one of the visiting user's MCP servers."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from .base import MCPChatHandler


class ServerResourceHandler(MCPChatHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        """``GET .../servers/<name>/resource?uri=<uri>``: the resource's contents."""
        uri = self.get_argument("uri")
        self.reply(await (await self.workspace()).servers.read_resource(name, uri))


class ServerLogHandler(MCPChatHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        """``GET .../servers/<name>/log``: the server's logging messages (oldest first)."""
        self.reply(await (await self.workspace()).servers.log(name))
