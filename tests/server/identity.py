"""A token -> user identity provider, so one real jupyter-server can be visited by several users.

Behaves like JupyterHub's provider in the single-user server: the *visitor* is whoever holds the
token, whatever user owns the server.
"""

from __future__ import annotations

from jupyter_server.auth.identity import IdentityProvider, User
from tornado import web

TOKENS = {"alice-token": "alice", "bob-token": "bob"}


class MultiUserIdentityProvider(IdentityProvider):
    def get_user(self, handler: web.RequestHandler) -> User | None:
        auth = handler.request.headers.get("Authorization", "")
        token = auth.removeprefix("token ").strip() or handler.get_argument("token", "")
        name = TOKENS.get(token)
        if not name:
            return None
        handler._token_authenticated = True  # type: ignore[attr-defined]  # as jupyter-server does: no XSRF for tokens
        return User(username=name)

    @property
    def auth_enabled(self) -> bool:
        return True


def auth(user: str) -> dict[str, str]:
    token = {v: k for k, v in TOKENS.items()}[user]
    return {"Authorization": f"token {token}"}
