"""REST: the visiting user's approval rules (plus the administrator's, read-only)."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from .base import MCPChatHandler
from .wire import protocol as p


class RulesHandler(MCPChatHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.reply(await (await self.workspace()).rules.list())

    @web.authenticated
    @authorized
    async def post(self) -> None:
        workspace = await self.workspace()
        self.reply(await workspace.rules.add(self.body(p.NewRule)), status=201)


class RuleHandler(MCPChatHandler):
    @web.authenticated
    @authorized
    async def delete(self, rule_id: str) -> None:
        await (await self.workspace()).rules.remove(rule_id)
        self.set_status(204)
        self.finish()
