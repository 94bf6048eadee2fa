"""REST: chats, their history, and turns (for clients that do not use the websocket)."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..errors import BadRequest
from .base import MCPChatHandler
from .wire import protocol as p


def _int_arg(handler: MCPChatHandler, name: str) -> int | None:
    raw = handler.get_query_argument(name, None)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise BadRequest(f"query argument '{name}' must be an integer") from None


class ChatsHandler(MCPChatHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.reply(await (await self.workspace()).list_chats())

    @web.authenticated
    @authorized
    async def post(self) -> None:
        workspace = await self.workspace()
        self.reply(await workspace.create_chat(self.body(p.CreateChat)), status=201)


class ChatHandler(MCPChatHandler):
    @web.authenticated
    @authorized
    async def get(self, chat_id: str) -> None:
        self.reply(await (await self.workspace()).get_chat(chat_id))

    @web.authenticated
    @authorized
    async def patch(self, chat_id: str) -> None:
        workspace = await self.workspace()
        self.reply(await workspace.update_chat(chat_id, self.body(p.UpdateChat)))

    @web.authenticated
    @authorized
    async def delete(self, chat_id: str) -> None:
        await (await self.workspace()).delete_chat(chat_id)
        self.set_status(204)
        self.finish()


class ChatMessagesHandler(MCPChatHandler):
    @web.authenticated
    @authorized
    async def get(self, chat_id: str) -> None:
        workspace = await self.workspace()
        limit = _int_arg(self, "limit")
        page = await workspace.history(
            chat_id, offset=_int_arg(self, "offset"), limit=200 if limit is None else limit
        )
        self.reply(page)

    @web.authenticated
    @authorized
    async def post(self, chat_id: str) -> None:
        """Send a message; answers with the turn's frames once it is done or awaits approval."""
        workspace = await self.workspace()
        body = self.body(p.SendMessage)
        events = [
            f async for f in workspace.turns.stream(chat_id, text=body.text, attachments=body.attachments)
        ]
        self.reply({"events": events})


class ChatDecisionsHandler(MCPChatHandler):
    @web.authenticated
    @authorized
    async def post(self, chat_id: str) -> None:
        """Approve / edit / reject every pending tool call; answers with the resumed turn's frames."""
        workspace = await self.workspace()
        body = self.body(p.SubmitDecisions)
        events = [f async for f in workspace.turns.stream(chat_id, decisions=body.decisions)]
        self.reply({"events": events})


class ChatStopHandler(MCPChatHandler):
    @web.authenticated
    @authorized
    async def post(self, chat_id: str) -> None:
        stopped = await (await self.workspace()).turns.stop(chat_id)
        self.reply({"stopped": stopped})
