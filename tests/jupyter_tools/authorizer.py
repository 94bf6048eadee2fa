"""A shared server's authorizer, as JupyterHub custom scopes would make it: alice owns the server;
bob, visiting, may use the chat and read files, but not write files, start sessions or run code."""

from __future__ import annotations

from typing import Any

from jupyter_server.auth.authorizer import Authorizer

VISITOR_MAY = {("read", "contents")}


class OwnerAndReadOnlyVisitors(Authorizer):
    def is_authorized(self, handler: Any, user: Any, action: str, resource: str) -> bool:
        if user.username == "alice" or resource == "mcpchat":
            return True
        return (action, resource) in VISITOR_MAY
