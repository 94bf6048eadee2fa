"""Client frames in, server frames out: the one place that interprets protocol frames.

Used by the websocket handler (JupyterLab panel) and by the anywidget ``ChatWidget`` (notebook
comm), so both transports behave identically. Invalid input never raises: it is answered with an
``error`` frame and the connection stays usable.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from .. import protocol as p
from ..errors import BadRequest, ChatExtError, Conflict
from ..incidents import incident
from .chat_order import ChatOrder, order_key
from .decode import BadJSON, check_depth, decode_json

if TYPE_CHECKING:
    from ..users.workspace import UserWorkspace

log = logging.getLogger("mcpchat_ext")

Send = Callable[[dict[str, Any]], Awaitable[None]]
Rpc = Callable[["UserWorkspace", dict[str, Any]], Awaitable[Any]]


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(x) for x in err.get("loc", ()) if x != "type")
        parts.append(f"{loc}: {err['msg']}" if loc else err["msg"])
    return "; ".join(parts)


def _param(params: dict[str, Any], key: str) -> Any:
    if key not in params:
        raise BadRequest(f"missing parameter '{key}'")
    return params[key]


async def _chats_update(s: UserWorkspace, prm: dict[str, Any]) -> Any:
    body = p.UpdateChat.model_validate({k: v for k, v in prm.items() if k != "chat_id"})
    return await s.update_chat(str(_param(prm, "chat_id")), body)


async def _chats_delete(s: UserWorkspace, prm: dict[str, Any]) -> Any:
    chat_id = str(_param(prm, "chat_id"))
    await s.delete_chat(chat_id)
    return {"deleted": chat_id}


async def _chats_history(s: UserWorkspace, prm: dict[str, Any]) -> Any:
    offset = prm.get("offset")
    return await s.history(
        str(_param(prm, "chat_id")),
        offset=None if offset is None else int(offset),
        limit=int(prm.get("limit", 200)),
    )


async def _chats_export(s: UserWorkspace, prm: dict[str, Any]) -> Any:
    from ..export.service import export_chat

    fmt = _param(prm, "format")
    if fmt not in ("ipynb", "md", "audit"):
        raise BadRequest("format must be 'ipynb', 'md' or 'audit'")
    return await export_chat(s, str(_param(prm, "chat_id")), fmt)


async def _servers_update(s: UserWorkspace, prm: dict[str, Any]) -> Any:
    spec = p.ServerSpec.model_validate(_param(prm, "spec"))
    return await s.servers.update(str(_param(prm, "name")), spec)


async def _servers_remove(s: UserWorkspace, prm: dict[str, Any]) -> Any:
    name = str(_param(prm, "name"))
    await s.servers.remove(name)
    return {"removed": name}


async def _settings(s: UserWorkspace, prm: dict[str, Any]) -> Any:
    return s.settings()


async def _servers_roots(s: UserWorkspace, prm: dict[str, Any]) -> Any:
    roots = _param(prm, "roots")
    if not isinstance(roots, list):
        raise BadRequest("'roots' must be a list of absolute directory paths")
    return await s.servers.set_roots(str(_param(prm, "name")), [str(r) for r in roots])


async def _prompts_get(s: UserWorkspace, prm: dict[str, Any]) -> Any:
    args = prm.get("arguments") or {}
    if not isinstance(args, dict) or len(args) > 50:
        raise BadRequest("'arguments' must be an object of at most 50 names and text values")
    values = {str(k)[:200]: str(v)[:20_000] for k, v in args.items()}
    return await s.servers.prompt(str(_param(prm, "server")), str(_param(prm, "name")), values)


async def _rules_remove(s: UserWorkspace, prm: dict[str, Any]) -> Any:
    rule_id = str(_param(prm, "id"))
    await s.rules.remove(rule_id)
    return {"removed": rule_id}


async def _chats_retry(s: UserWorkspace, prm: dict[str, Any]) -> Any:
    params = p.RetryParams.model_validate(prm)
    await s.branches.retry(params.chat_id)
    return {"started": params.chat_id}


async def _chats_edit(s: UserWorkspace, prm: dict[str, Any]) -> Any:
    params = p.EditParams.model_validate(prm)
    await s.branches.edit(params.chat_id, params.message_id, params.text)
    return {"started": params.chat_id}


async def _chats_switch(s: UserWorkspace, prm: dict[str, Any]) -> Any:
    params = p.SwitchParams.model_validate(prm)
    return await s.branches.switch(params.chat_id, params.message_id, params.index)


RPC: dict[str, Rpc] = {
    "chats.list": lambda s, prm: s.list_chats(),
    "chats.create": lambda s, prm: s.create_chat(p.CreateChat.model_validate(prm)),
    "chats.update": _chats_update,
    "chats.delete": _chats_delete,
    "chats.history": _chats_history,
    "chats.export": _chats_export,
    "servers.list": lambda s, prm: s.servers.statuses(),
    "servers.add": lambda s, prm: s.servers.add(p.ServerSpec.model_validate(prm)),
    "servers.update": _servers_update,
    "servers.remove": _servers_remove,
    "servers.connect": lambda s, prm: s.servers.connect(str(_param(prm, "name"))),
    "servers.import": lambda s, prm: s.servers.import_config(p.ImportServers.model_validate(prm)),
    "settings.get": _settings,
    "rules.list": lambda s, prm: s.rules.list(),
    "rules.add": lambda s, prm: s.rules.add(p.NewRule.model_validate(prm)),
    "rules.remove": _rules_remove,
    "chats.retry": _chats_retry,
    "chats.edit_message": _chats_edit,
    "chats.branches": lambda s, prm: s.branches.branches(str(_param(prm, "chat_id"))),
    "chats.switch_branch": _chats_switch,
    "notebooks.answer": lambda s, prm: s.answer_notebook(p.NotebookAnswer.model_validate(prm)),
    "resources.list": lambda s, prm: s.servers.resources(str(_param(prm, "server"))),
    "prompts.list": lambda s, prm: s.servers.prompts(str(_param(prm, "server"))),
    "prompts.get": _prompts_get,
    "servers.roots": _servers_roots,
    "servers.log": lambda s, prm: s.servers.log(str(_param(prm, "name"))),
    "resources.read": lambda s, prm: s.servers.read_resource(
        str(_param(prm, "server")), str(_param(prm, "uri"))
    ),
}
assert set(RPC) == set(p.RPC_METHODS), "every protocol RPC method needs a handler"


class FrameDispatcher:
    """Serves one client connection of one user."""

    def __init__(self, workspace: UserWorkspace, send: Send) -> None:
        self.workspace = workspace
        self._send = send
        self._tasks: set[asyncio.Task[None]] = set()
        self._order = ChatOrder()
        workspace.subscribe(send)

    async def send(self, frame: BaseModel) -> None:
        try:
            await self._send(p.dump(frame))
        except Exception:
            log.debug("could not send a frame to a closed connection", exc_info=True)

    async def welcome(self) -> None:
        await self.send(p.WelcomeFrame(user=self.workspace.user, model=self.workspace.model_info))

    def submit(self, raw: str | bytes | dict[str, Any]) -> None:
        """Handle a frame in the background, so a slow call never delays ``stop``; the frames
        that change a chat are handled in the order they came (chat_order.py)."""
        task = asyncio.create_task(self.handle_raw(raw))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def handle_raw(self, raw: str | bytes | dict[str, Any]) -> None:
        """Answer one frame; never raises (a failure is an ``error`` frame for the client)."""
        try:
            frame = await self._parse(raw)
            if frame is not None:
                self.workspace.touch()
                await self._order.run(order_key(frame), lambda: self._handle(frame))
        except Exception as exc:  # a bug: the client gets a reference, the log the details
            error = incident(log, exc, "a websocket frame failed")
            await self.send(p.ErrorFrame(code=error.code, message=str(error)))

    async def _parse(self, raw: str | bytes | dict[str, Any]) -> Any:
        """The client frame of ``raw``, or None after answering a bad one with ``bad_frame``."""
        call_id: str | None = None
        try:
            data = decode_json(raw) if isinstance(raw, (str, bytes)) else check_depth(raw)
            if isinstance(data, dict) and isinstance(data.get("id"), str):
                call_id = data["id"][:100]
            return p.client_frame_adapter.validate_python(data)
        except BadJSON as exc:
            await self.send(p.ErrorFrame(code="bad_frame", message=str(exc)))
        except ValidationError as exc:
            message = f"invalid frame: {_validation_message(exc)}"
            await self.send(p.ErrorFrame(code="bad_frame", message=message, id=call_id))
        return None

    async def _handle(self, frame: Any) -> None:
        chat_id = getattr(frame, "chat_id", None)
        frame_id = frame.id if isinstance(frame, p.CallFrame) else None
        try:
            if isinstance(frame, p.PingFrame):
                await self.send(p.PongFrame())
            elif isinstance(frame, p.CallFrame):
                result = await RPC[frame.method](self.workspace, frame.params)
                await self.send(p.ResultFrame(id=frame.id, result=p.jsonable(result)))
            elif isinstance(frame, p.SendFrame):
                await self.workspace.turns.start(frame.chat_id, frame.text, attachments=frame.attachments)
            elif isinstance(frame, p.DecideFrame):
                await self.workspace.turns.decide(frame.chat_id, frame.decisions)
            elif isinstance(frame, p.CancelCallFrame):
                chat_id = None  # (its error is not the turn's: the turn goes on)
                await self.workspace.cancel_call(frame.chat_id, frame.call_id)
            elif isinstance(frame, p.ElicitationAnswerFrame | p.SamplingAnswerFrame):
                await self._answer(frame)
            elif isinstance(frame, p.StopFrame):
                if not await self.workspace.turns.stop(frame.chat_id):
                    await self.send(p.StoppedFrame(chat_id=frame.chat_id))
        except ChatExtError as exc:
            await self.send(p.ErrorFrame(code=exc.code, message=str(exc), id=frame_id, chat_id=chat_id))
        except ValidationError as exc:
            message = f"invalid parameters: {_validation_message(exc)}"
            await self.send(p.ErrorFrame(code="bad_request", message=message, id=frame_id))
        except (TypeError, ValueError) as exc:
            await self.send(p.ErrorFrame(code="bad_request", message=str(exc), id=frame_id))
        except Exception as exc:
            error = incident(log, exc, f"frame {type(frame).__name__} failed")
            await self.send(p.ErrorFrame(code=error.code, message=str(error), id=frame_id, chat_id=chat_id))

    async def _answer(self, frame: p.ElicitationAnswerFrame | p.SamplingAnswerFrame) -> None:
        """An answer to a server's request: one that does not fit, or comes too late, is told to
        this client's card (the request's other cards are not disturbed)."""
        try:
            await self.workspace.answer_server_request(frame)
        except (BadRequest, Conflict) as exc:
            status: p.ServerRequestState = "invalid" if isinstance(exc, BadRequest) else "gone"
            await self.send(
                p.ServerRequestStatusFrame(
                    chat_id=frame.chat_id, request_id=frame.request_id, status=status, note=str(exc)
                )
            )

    def detach(self) -> None:
        """Stop receiving the workspace's frames, at once (an idle workspace can then be reaped)."""
        self.workspace.unsubscribe(self._send)

    async def close(self) -> None:
        """Stop listening; running turns continue and other connections still get their frames."""
        self.detach()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
