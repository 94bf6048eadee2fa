"""A server's own requests to the client during a tool call: elicitation and sampling.

:class:`ServerRequests` gives one server's ``ClientSession`` its ``elicitation_callback`` and
``sampling_callback`` (which makes the session declare both capabilities). A request is answered
by the :class:`Asker` of the tool call it belongs to: the worker registers each running call's
asker for the call's life (:meth:`ServerRequests.during`).

MCP does not say which call a server request belongs to (over stdio nothing links them), so a
request is only taken while exactly one call of this server's session runs: with none (the call
ended), or several (it could be any of them: it must not reach the wrong chat), it is refused
with an error naming why, and the server's tool goes on without the user's answer.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any, Protocol

from mcp import types
from mcp.shared.context import RequestContext

log = logging.getLogger(__name__)

NO_CALL = (
    "this client answers elicitation and sampling requests only while one of the server's tool "
    "calls runs, and none does now"
)
SEVERAL_CALLS = (
    "several tool calls of this server run at once, so this client cannot tell which one asks; "
    "ask again when only one runs"
)


class Asker(Protocol):
    """Brings one running call's server requests to its user (agent/asks.py)."""

    @property
    def waited(self) -> float:
        """Seconds this call spent waiting for its user (not counted against its timeout)."""
        ...

    @property
    def asking(self) -> bool:
        """A request of this call waits for its user now."""
        ...

    async def elicit(
        self, server: str, params: types.ElicitRequestParams
    ) -> types.ElicitResult | types.ErrorData:
        """The user's answer to an elicitation request (or an error to the server)."""
        ...

    async def sample(
        self, server: str, params: types.CreateMessageRequestParams
    ) -> types.CreateMessageResult | types.ErrorData:
        """The approved completion of a sampling request (or an error to the server)."""
        ...


def refused(message: str) -> types.ErrorData:
    return types.ErrorData(code=types.INVALID_REQUEST, message=message)


class ServerRequests:
    """One server's session callbacks, answered by the asker of its one running call."""

    def __init__(self, server: str) -> None:
        self.server = server
        self._askers: list[Asker] = []
        # requests being answered now: the SDK's receive loop waits on each (mcp 1.x answers a
        # server's request inline), so the session answers nothing else meanwhile
        self.answering = 0

    def session_kwargs(self) -> dict[str, Any]:
        return {"elicitation_callback": self.elicit, "sampling_callback": self.sample}

    @contextlib.contextmanager
    def during(self, asker: Asker | None) -> Iterator[None]:
        """While the body runs, the call of ``asker`` runs on this server (None: a call with no
        user to ask still counts, so that a request is never given to another call)."""
        entry: Asker = asker if asker is not None else _NOBODY
        self._askers.append(entry)
        try:
            yield
        finally:
            self._askers.remove(entry)

    def _asker(self) -> Asker | types.ErrorData:
        if not self._askers:
            return refused(NO_CALL)
        if len(self._askers) > 1:
            return refused(SEVERAL_CALLS)
        return self._askers[0]

    async def elicit(
        self, context: RequestContext[Any, Any], params: types.ElicitRequestParams
    ) -> types.ElicitResult | types.ErrorData:
        asker = self._asker()
        if isinstance(asker, types.ErrorData):
            log.info("refused an elicitation request of %s: %s", self.server, asker.message)
            return asker
        self.answering += 1
        try:
            return await asker.elicit(self.server, params)
        finally:
            self.answering -= 1

    async def sample(
        self, context: RequestContext[Any, Any], params: types.CreateMessageRequestParams
    ) -> types.CreateMessageResult | types.ErrorData:
        asker = self._asker()
        if isinstance(asker, types.ErrorData):
            log.info("refused a sampling request of %s: %s", self.server, asker.message)
            return asker
        self.answering += 1
        try:
            return await asker.sample(self.server, params)
        finally:
            self.answering -= 1


class _Nobody:
    """The asker of a call made outside a chat (e.g. a tool called directly): nobody to ask."""

    waited = 0.0
    asking = False

    async def elicit(self, server: str, params: types.ElicitRequestParams) -> types.ElicitResult:
        return types.ElicitResult(action="decline")

    async def sample(self, server: str, params: types.CreateMessageRequestParams) -> types.ErrorData:
        return refused("no user can approve a sampling request for this call")


_NOBODY: Asker = _Nobody()
