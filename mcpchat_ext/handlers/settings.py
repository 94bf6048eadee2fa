"""REST: what the client needs to know about the model endpoint (never the key)."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from .base import MCPChatHandler


class SettingsHandler(MCPChatHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.reply((await self.workspace()).settings())
