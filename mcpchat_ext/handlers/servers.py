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
        self.reply(await (await self.user_session()).servers.statuses())

    @web.authenticated
    @authorized
    async def post(self) -> None:
        session = await self.user_session()
        self.reply(await session.servers.add(self.body(p.ServerSpec)), status=201)


class ServerHandler(MCPChatHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        self.reply(await (await self.user_session()).servers.status(name))

    @web.authenticated
    @authorized
    async def put(self, name: str) -> None:
        session = await self.user_session()
        self.reply(await session.servers.update(name, self.body(p.ServerSpec)))

    @web.authenticated
    @authorized
    async def delete(self, name: str) -> None:
        await (await self.user_session()).servers.remove(name)
        self.set_status(204)
        self.finish()


class ServerConnectHandler(MCPChatHandler):
    @web.authenticated
    @authorized
    async def post(self, name: str) -> None:
        self.reply(await (await self.user_session()).servers.connect(name))


class ServerToolsHandler(MCPChatHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        self.reply(await (await self.user_session()).servers.tools(name))


class ServerImportHandler(MCPChatHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        session = await self.user_session()
        self.reply(await session.servers.import_config(self.body(p.ImportServers)), status=201)
