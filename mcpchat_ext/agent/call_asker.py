"""Bring one running tool call's MCP server requests to the user who approved the call.

:meth:`CallAsker.here` is made in the call's own task (the tools node set the call's id and the
run's context there): it remembers the chat's open requests (:class:`~.asks.ChatAsks`), the run's
stream (a request becomes a frame of the turn, like progress) and the chat's model. The MCP
session calls :meth:`elicit` / :meth:`sample` from its own task; each request is a card the user
answers, audited, and bounded in time (no answer: an elicitation is cancelled, a sampling request
refused, each with a note on its card).

Sampling is approved both ways: the request (messages, system prompt, token limit, as text; the
user may edit the text and the limit) before the model runs, then the model's answer before it
goes back to the server. The model runs with no tools. The tokens it spends (and their cost) are
the chat's: shown on the answer's card, kept for the call's result (:meth:`ChatAsks.spend`) and
in the store as soon as the model answered (``ChatAsks.keep``), whether or not the answer is then
returned, and whether or not the call then ends with a result (a Stop, a crash).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from typing import Any

from langchain_core.language_models import BaseChatModel
from langgraph.config import get_stream_writer
from langgraph.runtime import get_runtime
from mcp import types

from .. import protocol as p
from ..errors import BadRequest, Conflict
from .asks import ENDED, AskRecord, ChatAsks, Pending
from .catalog import ModelEntry
from .elicitation import check_answer, form_problem, url_problem
from .progress import current_call
from .sampling import MAX_TEXT, clean, model_hints, run_sampling, sampling_texts

log = logging.getLogger(__name__)

SERVER_REQUEST_EVENT = "mcpchat.server_request"
ONE_AT_A_TIME = "a request of this tool call already waits for the user; one at a time"
MAX_MESSAGE = 4000


def _refused(message: str) -> types.ErrorData:
    return types.ErrorData(code=types.INVALID_REQUEST, message=message)


def _rejected(message: str) -> types.ErrorData:
    return types.ErrorData(code=-1, message=message)


class CallAsker:
    """The server requests of one tool call, shown in its chat (see the module docstring)."""

    def __init__(
        self,
        call_id: str,
        asks: ChatAsks,
        write: Any,
        model: BaseChatModel | None = None,
        model_label: str | None = None,
        entry: ModelEntry | None = None,
    ) -> None:
        self.call_id = call_id
        self._asks = asks
        self._write = write
        self._model = model
        self._model_label = model_label
        self._entry = entry  # the chat model's catalog entry (its id and prices)
        self._context = contextvars.copy_context()  # the call's: writes reach its run's stream
        self._waited = 0.0
        self._since: float | None = None
        self._last = ""  # the id of the last sampling card shown

    @classmethod
    def here(cls) -> CallAsker | None:
        """The asker of the tool call the current task runs (None: not a chat's call)."""
        call_id = current_call.get()
        if not call_id:
            return None
        try:
            context = get_runtime().context
            write = get_stream_writer()
        except (RuntimeError, KeyError):  # not inside a graph run (a tool called directly)
            return None
        asks = getattr(context, "asks", None)
        if not isinstance(asks, ChatAsks):
            return None
        entry = getattr(context, "model_entry", None)
        label = getattr(entry, "label", None) or getattr(entry, "model", None)
        known = entry if isinstance(entry, ModelEntry) else None
        return cls(call_id, asks, write, getattr(context, "model", None), label, known)

    # -- the worker's view ------------------------------------------------------------------

    @property
    def waited(self) -> float:
        now = asyncio.get_running_loop().time()
        return self._waited + (now - self._since if self._since is not None else 0.0)

    @property
    def asking(self) -> bool:
        return self._since is not None

    def end(self) -> None:
        """The call ended: an open request of it is answered as ended."""
        self._asks.end(self.call_id)

    # -- plumbing ---------------------------------------------------------------------------

    def _emit(self, frame: Any) -> None:
        try:
            self._context.run(self._write, {"event": SERVER_REQUEST_EVENT, "frame": frame})
        except Exception:  # the run is over: nobody to show it to
            log.debug("could not show a server request", exc_info=True)

    def _status(self, request: Pending, status: p.ServerRequestState, note: str | None = None) -> None:
        self._emit(
            p.ServerRequestStatusFrame(
                chat_id=self._asks.chat_id, request_id=request.request_id, status=status, note=note
            )
        )

    async def _wait(self, request: Pending) -> Any:
        """The request's answer; None when it expired, ENDED when the call ended first."""
        loop = asyncio.get_running_loop()
        self._since = loop.time()
        try:
            return await asyncio.wait_for(asyncio.shield(request.future), self._asks.timeout)
        except asyncio.TimeoutError:
            return None
        finally:
            self._waited += loop.time() - self._since
            self._since = None

    async def _audit(
        self, server: str, kind: str, action: str, request: dict[str, Any], **extra: Any
    ) -> None:
        try:
            await self._asks.audit(AskRecord(self.call_id, server, kind, action, request, **extra))
        except Exception:  # the audit failing must not leave the server waiting
            log.warning("could not audit a server request of %s", server, exc_info=True)

    # -- elicitation ------------------------------------------------------------------------

    async def elicit(
        self, server: str, params: types.ElicitRequestParams
    ) -> types.ElicitResult | types.ErrorData:
        message = clean(params.message, MAX_MESSAGE)
        base: dict[str, Any] = {"chat_id": self._asks.chat_id, "call_id": self.call_id, "server": server}
        if isinstance(params, types.ElicitRequestURLParams):
            if problem := url_problem(params.url):
                return _refused(f"URL elicitation refused: {problem}")
            shown: dict[str, Any] = {**base, "mode": "url", "message": message, "url": params.url}
            summary: dict[str, Any] = {"mode": "url", "message": message, "url": params.url}
            schema: dict[str, Any] | None = None
        else:
            if problem := form_problem(params.requestedSchema):
                return _refused(f"elicitation refused: {problem}")
            schema = dict(params.requestedSchema)
            shown = {**base, "mode": "form", "message": message, "requested_schema": schema}
            summary = {"mode": "form", "message": message, "fields": sorted(schema.get("properties") or {})}
        kind = "elicitation/create"
        if not self._asks.connected():
            await self._audit(server, kind, "decline", summary, reason="no client of the user was connected")
            return types.ElicitResult(action="decline")

        def check(frame: p.ElicitationAnswerFrame) -> tuple[str, Any]:
            if frame.action != "accept" or schema is None:
                return frame.action, None
            return frame.action, check_answer(schema, frame.content)

        try:
            request = self._asks.open(self.call_id, p.ElicitationAnswerFrame, check)
        except Conflict:
            return _refused(ONE_AT_A_TIME)
        try:
            timeout = self._asks.timeout
            asked = p.ElicitationRequestFrame(request_id=request.request_id, timeout=timeout, **shown)
            self._emit(self._asks.show(request, asked))
            answer = await self._wait(request)
        finally:
            self._asks.close(request)
        if answer is None or answer is ENDED:
            why = "its tool call ended first" if answer is ENDED else "nobody answered in time"
            self._status(request, "ended" if answer is ENDED else "expired", f"Cancelled: {why}.")
            await self._audit(server, kind, "cancel", summary, reason=why)
            return types.ElicitResult(action="cancel")
        action, content = answer
        done: dict[str, p.ServerRequestState] = {
            "accept": "accepted",
            "decline": "declined",
            "cancel": "cancelled",
        }
        self._status(request, done[action])
        filled = {"fields": sorted(content)} if content else None
        await self._audit(server, kind, action, summary, answer=filled)
        return types.ElicitResult(action=action, content=content)

    # -- sampling ---------------------------------------------------------------------------

    async def sample(
        self, server: str, params: types.CreateMessageRequestParams
    ) -> types.CreateMessageResult | types.ErrorData:
        if params.tools:
            return _refused("sampling with tools is not supported by this client")
        texts = sampling_texts(params)
        limit = max(1, min(params.maxTokens, self._asks.max_tokens))
        system = clean(params.systemPrompt, MAX_TEXT) if params.systemPrompt else None
        summary: dict[str, Any] = {"messages": len(texts), "max_tokens": params.maxTokens, "capped_to": limit}
        kind = "sampling/createMessage"
        if self._model is None or not self._asks.connected():
            why = "no model for this chat" if self._model is None else "no client of the user was connected"
            await self._audit(server, kind, "reject", summary, reason=why)
            return _rejected(f"the user's client cannot run this sampling request: {why}")
        frame = p.SamplingRequestFrame(
            chat_id=self._asks.chat_id,
            request_id="",
            call_id=self.call_id,
            server=server,
            stage="request",
            messages=texts,
            system_prompt=system,
            max_tokens=limit,
            requested_max_tokens=params.maxTokens,
            model_hints=model_hints(params),
            model=self._model_label,
            timeout=self._asks.timeout,
        )

        def check_request(answer: p.SamplingAnswerFrame) -> p.SamplingAnswerFrame:
            if answer.max_tokens is not None and answer.max_tokens > self._asks.max_tokens:
                raise BadRequest(f"at most {self._asks.max_tokens} tokens may be sampled")
            return answer

        decided = await self._ask(frame, check_request)
        if not isinstance(decided, p.SamplingAnswerFrame) or decided.action == "reject":
            return await self._refuse(server, kind, summary, decided)
        edited = decided.messages is not None or decided.max_tokens is not None
        messages = [p.SamplingText(role=m.role, text=clean(m.text)) for m in (decided.messages or texts)][
            : len(texts) or None
        ]
        limit = decided.max_tokens or limit
        await self._audit(server, kind, "edit" if edited else "approve", {**summary, "capped_to": limit})
        try:
            sampled = await run_sampling(
                self._model,
                messages,
                system_prompt=system,
                max_tokens=limit,
                temperature=params.temperature,
                stop=params.stopSequences,
            )
        except Exception as exc:  # the model failed: the server is told, the card says so
            log.info("sampling for %s failed: %s", server, type(exc).__name__)
            note = f"The model failed: {type(exc).__name__}. The server was told."
            self._emit(
                p.ServerRequestStatusFrame(
                    chat_id=self._asks.chat_id, request_id=self._last, status="failed", note=note
                )
            )
            await self._audit(
                server, kind, "reject", summary, reason=f"the model failed: {type(exc).__name__}"
            )
            return _rejected(f"the user's model failed to answer: {type(exc).__name__}")
        usage = await self._spent(sampled.usage)
        result = frame.model_copy(
            update={
                "stage": "result",
                "messages": messages,
                "max_tokens": limit,
                "result": sampled.text,
                "usage": usage,
            }
        )
        returned = await self._ask(result, lambda a: a)
        kind = "sampling/result"
        summary = {**summary, "capped_to": limit, "usage": sampled.usage, "stop_reason": sampled.stop_reason}
        if not isinstance(returned, p.SamplingAnswerFrame) or returned.action == "reject":
            return await self._refuse(server, kind, summary, returned)
        await self._audit(server, kind, "approve", summary)
        return types.CreateMessageResult(
            role="assistant",
            content=types.TextContent(type="text", text=sampled.text),
            model=self._model_label or "chat model",
            stopReason=sampled.stop_reason,
        )

    async def _spent(self, reported: dict[str, int]) -> p.Usage | None:
        """The endpoint's count of a sampling run as the chat's usage (None: it reported none),
        kept for the call's result and in the store now: the tokens were spent, whatever
        happens to the call after (a Stop, a crash, a failure)."""
        if not reported:
            return None
        tokens_in, tokens_out = (
            int(reported.get("input_tokens") or 0),
            int(reported.get("output_tokens") or 0),
        )
        entry = self._entry
        usage = p.Usage(
            input_tokens=tokens_in,
            output_tokens=tokens_out,
            cost=entry.cost(tokens_in, tokens_out) if entry is not None else None,
            model=entry.id if entry is not None else None,
        )
        self._asks.spend(self.call_id, usage)
        try:  # (shielded: a cancelled wait still lets the write land)
            await asyncio.shield(self._asks.keep(self.call_id, usage))
        except Exception as exc:  # not kept: the call's result still carries it, if it gets one
            log.warning(
                "could not keep the sampling usage of call %s in chat %s: %s; the chat's totals "
                "count it only if the call returns a result (check the store's disk and file)",
                self.call_id,
                self._asks.chat_id,
                exc,
            )
        return usage

    async def _ask(self, frame: p.SamplingRequestFrame, check: Any) -> Any:
        """Show one sampling card and wait; the answer frame, None (expired), ENDED, or a
        Conflict's text (another request of the call is open)."""
        try:
            request = self._asks.open(self.call_id, p.SamplingAnswerFrame, check)
        except Conflict:
            return ONE_AT_A_TIME
        self._last = request.request_id
        try:
            self._emit(self._asks.show(request, frame.model_copy(update={"request_id": request.request_id})))
            answer = await self._wait(request)
        finally:
            self._asks.close(request)
        if isinstance(answer, p.SamplingAnswerFrame):
            status: p.ServerRequestState = "rejected" if answer.action == "reject" else "approved"
            if frame.stage == "request" and answer.action == "approve":
                status = "running"
            self._status(request, status)
        elif answer is ENDED:
            self._status(request, "ended", "Refused: its tool call ended first.")
        else:
            self._status(request, "expired", "Refused: nobody answered in time.")
        return answer

    async def _refuse(self, server: str, kind: str, summary: dict[str, Any], answer: Any) -> types.ErrorData:
        if isinstance(answer, p.SamplingAnswerFrame):
            reason = clean(answer.reason or "", 500) or None
            message = "the user rejected the sampling request" + (f": {reason}" if reason else "")
        elif isinstance(answer, str):
            return _refused(answer)
        else:
            reason = "its tool call ended first" if answer is ENDED else "nobody answered in time"
            message = f"the sampling request was not approved: {reason}"
        await self._audit(server, kind, "reject", summary, reason=reason)
        return _rejected(message)
