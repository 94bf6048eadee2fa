"""HTTP and websocket handlers; the route table lives here and nowhere else."""

from __future__ import annotations

from typing import Any

from .chats import (
    ChatDecisionsHandler,
    ChatHandler,
    ChatMessagesHandler,
    ChatsHandler,
    ChatStopHandler,
)
from .export import ChatExportHandler
from .mcp_endpoint import MCPEndpointHandler
from .resources import ServerLogHandler, ServerResourceHandler
from .rules import RuleHandler, RulesHandler
from .servers import (
    ServerConnectHandler,
    ServerHandler,
    ServerImportHandler,
    ServersHandler,
    ServerToolsHandler,
)
from .settings import SettingsHandler
from .websocket import ChatWebSocketHandler

_CHAT = r"(?P<chat_id>[A-Za-z0-9_\-]{1,64})"
_SERVER = r"(?P<name>[A-Za-z0-9_\-]{1,64})"


def route_table(*, mcp_endpoint: bool = False) -> list[tuple[str, Any]]:
    """``mcp_endpoint``: also serve the jupyter tools' MCP endpoint (else its path is a 404)."""
    api = "/mcpchat/api"
    routes: list[tuple[str, Any]] = [("/mcpchat/mcp", MCPEndpointHandler)] if mcp_endpoint else []
    return [
        *routes,
        (f"{api}/settings", SettingsHandler),
        (f"{api}/chats", ChatsHandler),
        (f"{api}/chats/{_CHAT}", ChatHandler),
        (f"{api}/chats/{_CHAT}/messages", ChatMessagesHandler),
        (f"{api}/chats/{_CHAT}/decisions", ChatDecisionsHandler),
        (f"{api}/chats/{_CHAT}/stop", ChatStopHandler),
        (f"{api}/chats/{_CHAT}/export", ChatExportHandler),
        (f"{api}/rules", RulesHandler),
        (rf"{api}/rules/(?P<rule_id>[A-Za-z0-9_\-]{{1,64}})", RuleHandler),
        (f"{api}/servers", ServersHandler),
        (f"{api}/servers/import", ServerImportHandler),
        (f"{api}/servers/{_SERVER}", ServerHandler),
        (f"{api}/servers/{_SERVER}/connect", ServerConnectHandler),
        (f"{api}/servers/{_SERVER}/tools", ServerToolsHandler),
        (f"{api}/servers/{_SERVER}/resource", ServerResourceHandler),
        (f"{api}/servers/{_SERVER}/log", ServerLogHandler),
        ("/mcpchat/ws", ChatWebSocketHandler),
    ]
