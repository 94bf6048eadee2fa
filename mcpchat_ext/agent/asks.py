"""The MCP server requests that wait for the user in one chat (elicitation and sampling cards).

A running tool call's asker (agent/call_asker.py) opens a request here and awaits it; the user's
answer frame (from any of their clients) settles it through :meth:`ChatAsks.answer`, after the
request's own check (an answer that does not fit is refused, and the request keeps waiting). A
call has at most one open request: a second one while the first waits is refused.

Every view of the chat shows the same request: the frame a request was shown with is kept while
it waits (:meth:`ChatAsks.shown`: a reloaded page, a second tab or the notebook widget gets it
with the chat's history). The first answer settles it (the settling is synchronous: two answers
cannot both be taken); a later one is told the request was already answered and changes nothing.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .. import protocol as p
from ..errors import Conflict
from .usage import added

AnswerFrame = p.ElicitationAnswerFrame | p.SamplingAnswerFrame
RequestFrame = p.ElicitationRequestFrame | p.SamplingRequestFrame
Shown = TypeVar("Shown", p.ElicitationRequestFrame, p.SamplingRequestFrame)
ENDED = object()  # what a request's future holds when its call ended before an answer
ANSWERED = (
    "this request was already answered (in this or another view of the chat); this answer changed nothing"
)
SETTLED = (
    "this request no longer waits for an answer (it expired or its tool call ended); "
    "this answer changed nothing"
)
UNKNOWN = "this request no longer waits for an answer (answered, expired, or its call ended)"
KEEP_SETTLED = 256  # settled request ids remembered, to tell a late answer what happened


@dataclass(frozen=True)
class AskRecord:
    """One decision about a server's request, for the audit: what was asked, and the answer."""

    call_id: str
    server: str
    kind: str  # elicitation/create | sampling/createMessage | sampling/result
    action: str  # accept | decline | cancel | approve | reject
    request: dict[str, Any]
    reason: str | None = None
    answer: dict[str, Any] | None = None  # e.g. which fields were filled (never their values)


Audit = Callable[[AskRecord], Awaitable[None]]


async def _no_audit(record: AskRecord) -> None:
    """No audit trail (a ChatAsks built without a store)."""


# (call id, usage): keep what a sampling request of the call spent, once the model answered
Keep = Callable[[str, p.Usage], Awaitable[None]]


async def _not_kept(call_id: str, usage: p.Usage) -> None:
    """Nowhere to keep the spend (a ChatAsks built without a store): the call's result has it."""


@dataclass
class Pending:
    request_id: str
    call_id: str
    kind: type[AnswerFrame]
    check: Callable[[Any], Any]  # the answer frame -> the value the asker gets (BadRequest)
    future: asyncio.Future[Any]
    deadline: float = 0.0  # the loop time it stops waiting
    frame: RequestFrame | None = None  # how it was shown (its ``timeout`` counted from when it was)


@dataclass
class ChatAsks:
    """One chat's open server requests, by request id; ``connected``: a client of the user is
    there to answer (else a request is declined at once)."""

    chat_id: str
    timeout: float = 300.0  # seconds a request waits for the user
    max_tokens: int = 4096  # the most tokens a sampling request may have the model write
    audit: Audit = _no_audit
    keep: Keep = _not_kept  # (the store: a Stop or a crash after the model answered keeps it)
    connected: Callable[[], bool] = lambda: True
    _open: dict[str, Pending] = field(default_factory=dict)
    # request id -> why it no longer waits (ANSWERED or SETTLED), the newest KEEP_SETTLED
    _settled: OrderedDict[str, str] = field(default_factory=OrderedDict)
    # call id -> the tokens its server's sampling requests spent on the chat's model, until the
    # tools node puts them on the call's result (:meth:`take_spent`)
    _spent: dict[str, p.Usage] = field(default_factory=dict)

    def open(self, call_id: str, kind: type[AnswerFrame], check: Callable[[Any], Any]) -> Pending:
        """A new request of ``call_id``; Conflict while that call already has one open."""
        if any(q.call_id == call_id for q in self._open.values()):
            raise Conflict(f"a request of the call {call_id} already waits for the user")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        request = Pending(uuid.uuid4().hex, call_id, kind, check, loop.create_future(), deadline)
        self._open[request.request_id] = request
        return request

    def show(self, request: Pending, frame: Shown) -> Shown:
        """Remember how ``request`` is shown (for the views that open the chat later)."""
        request.frame = frame
        return frame

    def close(self, request: Pending) -> None:
        self._open.pop(request.request_id, None)
        self._settle(request.request_id, SETTLED)

    def _settle(self, request_id: str, why: str) -> None:
        if request_id in self._settled:
            return
        self._settled[request_id] = why
        while len(self._settled) > KEEP_SETTLED:
            self._settled.popitem(last=False)

    def shown(self) -> list[RequestFrame]:
        """The requests that wait for an answer now, as shown, with the seconds they still wait."""
        now = asyncio.get_running_loop().time()
        return [
            q.frame.model_copy(update={"timeout": max(0.0, round(q.deadline - now, 1))})
            for q in self._open.values()
            if q.frame is not None and not q.future.done()
        ]

    def end(self, call_id: str) -> None:
        """The call ended: its open request (if any) gets ENDED."""
        for request in list(self._open.values()):
            if request.call_id == call_id and not request.future.done():
                request.future.set_result(ENDED)

    def answer(self, frame: AnswerFrame) -> None:
        """Settle the request ``frame`` answers. Conflict when it no longer waits; BadRequest
        (the request waits on) when the answer does not fit."""
        request = self._open.get(frame.request_id)
        if request is None or request.future.done():
            raise Conflict(self._settled.get(frame.request_id, UNKNOWN))
        if not isinstance(frame, request.kind):
            raise Conflict(f"request {frame.request_id} is not answered with {frame.type}")
        value = request.check(frame)
        # no await since the lookup: of two answers at once, only the first gets here
        request.future.set_result(value)
        self._settle(request.request_id, ANSWERED)

    def spend(self, call_id: str, usage: p.Usage) -> None:
        """``usage`` of the chat's model, spent on a sampling request of ``call_id``."""
        self._spent[call_id] = added(self._spent.get(call_id), usage)

    def take_spent(self, call_id: str) -> p.Usage | None:
        """What the sampling requests of ``call_id`` spent (once: it is forgotten here)."""
        return self._spent.pop(call_id, None)

    def waiting(self) -> list[str]:
        return list(self._open)
