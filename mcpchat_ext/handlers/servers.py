"""REST: the visiting user's MCP servers (plus the administrator's read-only catalog)."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from .base import MCPChatHandler
from .wire import protocol as p


class ServersHandler(MCPChatHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.reply(await (await self.workspace()).servers.statuses())

    @web.authenticated
    @authorized
    async def post(self) -> None:
        workspace = await self.workspace()
        self.reply(await workspace.servers.add(self.body(p.ServerSpec)), status=201)


class ServerHandler(MCPChatHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        self.reply(await (await self.workspace()).servers.status(name))

    @web.authenticated
    @authorized
    async def put(self, name: str) -> None:
        workspace = await self.workspace()
        self.reply(await workspace.servers.update(name, self.body(p.ServerSpec)))

    @web.authenticated
    @authorized
    async def delete(self, name: str) -> None:
        await (await self.workspace()).servers.remove(name)
        self.set_status(204)
        self.finish()


class ServerConnectHandler(MCPChatHandler):
    @web.authenticated
    @authorized
    async def post(self, name: str) -> None:
        self.reply(await (await self.workspace()).servers.connect(name))


class ServerToolsHandler(MCPChatHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        self.reply(await (await self.workspace()).servers.tools(name))


class ServerImportHandler(MCPChatHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        workspace = await self.workspace()
        self.reply(await workspace.servers.import_config(self.body(p.ImportServers)), status=201)
