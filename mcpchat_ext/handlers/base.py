"""Shared base of the REST handlers: authentication, authorization, engine access, JSON errors."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TypeVar

from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web

from ..config import local_user
from ..errors import BadRequest, ChatExtError
from ..frames.decode import decode_json

if TYPE_CHECKING:
    from pydantic import BaseModel

    from ..engine import Engine
    from ..users.workspace import UserWorkspace

M = TypeVar("M", bound="BaseModel")

AUTH_RESOURCE = "mcpchat"


def visitor_name(handler: Any) -> str:
    """The authenticated *visiting* user (not the server owner): all state is keyed on it.

    jupyter_server's own token/password identity providers know no users: every holder of the
    token is the server's owner, and they invent a random "anonymous" user per browser. Those
    visitors are keyed on the owner (the OS user) so chats survive a new browser. Real identity
    providers (JupyterHub's, or any custom one) key on the authenticated username.
    """
    user = handler.current_user
    if user and type(handler.identity_provider).__module__.startswith("jupyter_server.auth"):
        return local_user()
    name = getattr(user, "username", None) or getattr(user, "name", None)
    if not name:
        raise BadRequest("no authenticated user")
    return str(name)


class MCPChatHandler(ExtensionHandlerMixin, APIHandler):
    """Errors answer ``{"code", "message"}``: a client mistake (ChatExtError, an invalid body) is
    logged as one line; anything else is logged with its traceback under a reference that the
    client's message quotes (no traceback reaches the client)."""

    auth_resource = AUTH_RESOURCE
    _incident: ChatExtError | None = None

    @property
    def engine(self) -> Engine:
        engine: Engine = self.settings["mcpchat_engine"]
        return engine

    async def workspace(self) -> UserWorkspace:
        return await self.engine.workspace(visitor_name(self), visitor=self)

    def body(self, model: type[M]) -> M:
        return model.model_validate(decode_json(self.request.body or b"{}"))

    def reply(self, value: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        from ..protocol import jsonable

        self.finish(json.dumps(jsonable(value)))

    def _error(self, status: int, code: str, message: str) -> None:
        self.clear_header("Content-Type")
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"code": code, "message": message}))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        from pydantic import ValidationError

        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, ChatExtError):
            self._error(exc.http_status, exc.code, str(exc))
        elif isinstance(exc, ValidationError):
            msg = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5])
            self._error(400, "bad_request", msg)
        elif exc is None or isinstance(exc, web.HTTPError):
            super().write_error(status_code, **kwargs)
        else:  # logged (with its reference) by log_exception
            error = self._incident or ChatExtError("internal error: see the server log")
            self._error(error.http_status, error.code, str(error))

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        from pydantic import ValidationError

        if isinstance(value, (ChatExtError, ValidationError)):
            self.log.info("%s %s -> %s", self.request.method, self.request.path, value)
        elif value is None or isinstance(value, web.HTTPError):
            super().log_exception(typ, value, tb)
        else:
            from ..incidents import incident

            self._incident = incident(self.log, value, f"{self.request.method} {self.request.path} failed")
