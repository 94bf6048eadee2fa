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


def route_table() -> list[tuple[str, Any]]:
    api = "/mcpchat/api"
    return [
        (f"{api}/settings", SettingsHandler),
        (f"{api}/chats", ChatsHandler),
        (f"{api}/chats/{_CHAT}", ChatHandler),
        (f"{api}/chats/{_CHAT}/messages", ChatMessagesHandler),
        (f"{api}/chats/{_CHAT}/decisions", ChatDecisionsHandler),
        (f"{api}/chats/{_CHAT}/stop", ChatStopHandler),
        (f"{api}/rules", RulesHandler),
        (rf"{api}/rules/(?P<rule_id>[A-Za-z0-9_\-]{{1,64}})", RuleHandler),
        (f"{api}/servers", ServersHandler),
        (f"{api}/servers/import", ServerImportHandler),
        (f"{api}/servers/{_SERVER}", ServerHandler),
        (f"{api}/servers/{_SERVER}/connect", ServerConnectHandler),
        (f"{api}/servers/{_SERVER}/tools", ServerToolsHandler),
        ("/mcpchat/ws", ChatWebSocketHandler),
    ]
