"""REST: a chat as a downloadable file (``?format=ipynb|md|audit``)."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..errors import BadRequest
from .base import MCPChatHandler

FORMATS = ("ipynb", "md", "audit")


class ChatExportHandler(MCPChatHandler):
    @web.authenticated
    @authorized
    async def get(self, chat_id: str) -> None:
        from ..export.service import export_chat

        fmt = self.get_query_argument("format", "ipynb")
        if fmt not in FORMATS:
            raise BadRequest("query argument 'format' must be 'ipynb', 'md' or 'audit'")
        export = await export_chat(await self.workspace(), chat_id, fmt)  # type: ignore[arg-type]
        self.set_header("Content-Disposition", f'attachment; filename="{export.filename}"')
        self.set_header("X-Content-Type-Options", "nosniff")
        self.finish(export.content, set_content_type=export.media_type)
