"""Python API for notebooks and scripts: the same engine as the Jupyter extension, no server needed.

    from mcpchat_ext import api

    client = await api.connect()                    # offline demo model unless OPENAI_API_KEY is set
    chat = await client.new_chat(servers=["demo"])
    async for frame in chat.send("what is 2 plus 3?"):
        print(frame.type, frame)
    for call in await chat.pending():               # tool calls waiting for your approval
        print(call.name, call.args)
    async for frame in chat.approve_all():           # or chat.reject_all("not now"), chat.decide([...])
        ...
    reply = await chat.ask("add 4 and 5", approve=True)   # run to the end, approving every call
    print(reply.text)
    # an MCP server that asks during a call: a form's values (or None: decline); sampling approved
    reply = await chat.ask("sign me up", approve=True, elicit=lambda req: {"name": "Ada"}, sample=True)

Frames are the models of :mod:`mcpchat_ext.protocol`. Conversations live in the same SQLite files
as the server extension's (``MCPCHAT_DATA_DIR`` or the Jupyter data dir), so they show up in the
JupyterLab panel too.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from . import protocol as p
from .config import EngineConfig, local_user
from .engine import Engine
from .users.workspace import UserWorkspace

if TYPE_CHECKING:
    from .jupyter_tools.in_kernel import KernelTools

_engine: Engine | None = None
_engine_lock = asyncio.Lock()

Approver = bool | Callable[[p.PendingCall], "p.Decision | bool | Awaitable[p.Decision | bool]"]
# answers an MCP server's elicitation: a dict (accept with those values), True (accept, e.g. a URL
# the program opened), False or None (decline), or "cancel"
ElicitAnswer = dict[str, Any] | bool | str | None
Elicitor = Callable[[p.ElicitationRequestFrame], "ElicitAnswer | Awaitable[ElicitAnswer]"]
# approves an MCP server's sampling request (stage "request") and then its result (stage "result")
Sampler = bool | Callable[[p.SamplingRequestFrame], "bool | Awaitable[bool]"]


async def get_engine(config: EngineConfig | None = None) -> Engine:
    """The process-wide engine (created from the environment on first use)."""
    global _engine
    async with _engine_lock:
        if _engine is None:
            cfg = config or EngineConfig.from_env()
            _engine = Engine(cfg, _kernel_tools(cfg))
        elif config is not None and config is not _engine.config:
            raise RuntimeError("the engine is already running with another config; call shutdown()")
    await _engine.start()
    return _engine


def _kernel_tools(config: EngineConfig) -> KernelTools | None:
    """The ``jupyter`` tools of this process: its working directory and IPython shell."""
    if not config.jupyter_tools:
        return None
    from .jupyter_tools.in_kernel import KernelTools

    return KernelTools.for_engine(tool_timeout=config.tool_timeout)


async def get_workspace(user: str | None = None, config: EngineConfig | None = None) -> UserWorkspace:
    engine = await get_engine(config)
    return await engine.workspace(user or local_user())


async def connect(user: str | None = None, **config: Any) -> Client:
    """A :class:`Client` for ``user``; keyword arguments override EngineConfig fields."""
    cfg = EngineConfig.from_env(**config) if config else None
    return Client(await get_workspace(user, cfg))


async def shutdown() -> None:
    """Stop every MCP server and close the databases of this process's engine."""
    global _engine
    async with _engine_lock:
        engine, _engine = _engine, None
    if engine is not None:
        await engine.aclose()


def approve(call_id: str, args: dict[str, Any] | None = None) -> p.Decision:
    """Approve a call, optionally with edited arguments."""
    if args is None:
        return p.Decision(call_id=call_id, action="approve")
    return p.Decision(call_id=call_id, action="edit", args=args)


def reject(call_id: str, reason: str = "") -> p.Decision:
    return p.Decision(call_id=call_id, action="reject", reason=reason or None)


@dataclass
class Reply:
    """What :meth:`Chat.ask` returns: the final text and every frame of the turn."""

    text: str
    frames: list[BaseModel] = field(default_factory=list)
    error: p.ErrorFrame | None = None

    @property
    def tool_results(self) -> list[p.ChatMessage]:
        return [f.message for f in self.frames if isinstance(f, p.ToolResultFrame)]


class Chat:
    """One conversation."""

    def __init__(self, workspace: UserWorkspace, info: p.ChatInfo) -> None:
        self._workspace = workspace
        self.info = info

    @property
    def id(self) -> str:
        return self.info.id

    def __repr__(self) -> str:
        return f"<Chat {self.id} {self.info.title!r} servers={self.info.servers}>"

    def send(self, text: str, attachments: Sequence[p.Attachment] = ()) -> AsyncIterator[BaseModel]:
        """Send a message (with context ``attachments``, e.g. ``p.Attachment(kind="file", label=...,
        content=...)``); yields frames until the reply is done or tool calls await approval."""
        return self._workspace.turns.stream(self.id, text=text, attachments=attachments)

    def decide(self, decisions: list[p.Decision]) -> AsyncIterator[BaseModel]:
        """Decide every pending call (see :func:`approve`, :func:`reject`); yields the resumed turn."""
        return self._workspace.turns.stream(self.id, decisions=decisions)

    def retry(self) -> AsyncIterator[BaseModel]:
        """Answer the last user message again as a new branch (the old reply stays a sibling)."""
        return self._workspace.turns.follow(self.id, lambda: self._workspace.branches.retry(self.id))

    def edit(self, message_id: str, text: str) -> AsyncIterator[BaseModel]:
        """Send ``text`` in place of an earlier user message, as a new branch from before it."""
        branches = self._workspace.branches
        return self._workspace.turns.follow(self.id, lambda: branches.edit(self.id, message_id, text))

    async def branches(self) -> list[p.BranchPoint]:
        """The user messages of the shown conversation that have other versions."""
        return (await self._workspace.branches.branches(self.id)).points

    async def switch_branch(self, message_id: str, index: int) -> list[p.BranchPoint]:
        """Show version ``index`` (0-based) of user message ``message_id``."""
        return (await self._workspace.branches.switch(self.id, message_id, index)).points

    async def approve_all(self) -> AsyncIterator[BaseModel]:
        decisions = [approve(c.id) for c in await self.pending()]
        async for frame in self.decide(decisions):
            yield frame

    async def reject_all(self, reason: str = "") -> AsyncIterator[BaseModel]:
        decisions = [reject(c.id, reason) for c in await self.pending()]
        async for frame in self.decide(decisions):
            yield frame

    async def pending(self) -> list[p.PendingCall]:
        return (await self._workspace.history(self.id, limit=1)).pending

    async def history(self) -> list[p.ChatMessage]:
        page = await self._workspace.history(self.id, offset=0, limit=1000)
        return page.messages

    async def ask(
        self, text: str, *, approve: Approver = False, elicit: Elicitor | None = None, sample: Sampler = False
    ) -> Reply:
        """Run a whole turn. ``approve``: True approves every call, False rejects every call, or a
        function of the pending call returning a Decision or a bool (may be async). ``elicit``
        answers the MCP servers' questions during a call (None: every one is declined); ``sample``
        approves their sampling requests, both the request and the model's answer (False: refused)."""
        frames: list[BaseModel] = []
        stream = self.send(text)
        while True:
            pending: list[p.PendingCall] = []
            async for frame in stream:
                frames.append(frame)
                if isinstance(frame, p.ElicitationRequestFrame):
                    await self.answer_elicitation(frame.request_id, *await _elicited(elicit, frame))
                elif isinstance(frame, p.SamplingRequestFrame):
                    await self.answer_sampling(frame.request_id, await _sampled(sample, frame))
                elif isinstance(frame, p.ApprovalRequiredFrame):
                    pending = frame.calls
                elif isinstance(frame, p.ErrorFrame):
                    return Reply(text="", frames=frames, error=frame)
            if not pending:
                break
            decisions = [await _decide(approve, call) for call in pending]
            stream = self.decide(decisions)
        done = [f for f in frames if isinstance(f, p.DoneFrame)]
        message = done[-1].message if done else None
        return Reply(text=message.content if message else "", frames=frames)

    async def stop(self) -> bool:
        return await self._workspace.turns.stop(self.id)

    async def answer_elicitation(
        self, request_id: str, action: str = "accept", content: dict[str, Any] | None = None
    ) -> None:
        """Answer an ``elicitation_request`` frame: accept (with the form's ``content``), decline
        or cancel. BadRequest (the request still waits) when ``content`` does not fit its form."""
        fields = {"chat_id": self.id, "request_id": request_id, "action": action, "content": content}
        frame = p.ElicitationAnswerFrame.model_validate(fields)
        await self._workspace.answer_server_request(frame)

    async def answer_sampling(self, request_id: str, approve: bool, reason: str = "") -> None:
        """Approve or reject a ``sampling_request`` frame (its request, then its result)."""
        frame = p.SamplingAnswerFrame(
            chat_id=self.id,
            request_id=request_id,
            action="approve" if approve else "reject",
            reason=reason or None,
        )
        await self._workspace.answer_server_request(frame)

    async def cancel_call(self, call_id: str) -> None:
        """Cancel one running tool call (the turn goes on; the model reads that it was cancelled).
        Conflict when it is not running; iterate the turn's frames in another task meanwhile."""
        await self._workspace.cancel_call(self.id, call_id)

    async def rename(self, title: str) -> None:
        self.info = await self._workspace.update_chat(self.id, p.UpdateChat(title=title))

    async def set_servers(self, servers: list[str]) -> None:
        self.info = await self._workspace.update_chat(self.id, p.UpdateChat(servers=servers))

    @property
    def model(self) -> str | None:
        """The catalog id of the chat's model (None: the default); see :meth:`Client.models`."""
        return self.info.model

    async def set_model(self, model: str) -> None:
        """Use the catalog model ``model`` from the next reply on (BadRequest if not offered)."""
        self.info = await self._workspace.update_chat(self.id, p.UpdateChat(model=model))

    async def export(self, format: p.ExportFormat = "ipynb", path: str | Path | None = None) -> str:
        """The chat as a notebook ("ipynb"), a Markdown document ("md") or its approval audit
        as JSON ("audit"); also written to ``path`` when given."""
        from .export.service import export_chat

        content = (await export_chat(self._workspace, self.id, format)).content
        if path is not None:
            await asyncio.to_thread(Path(path).write_text, content, encoding="utf-8")
        return content

    async def usage(self) -> p.ChatUsage:
        """Tokens and cost of the chat's replies, and how full its model's context window is."""
        page = await self._workspace.history(self.id, limit=1)
        return page.usage or p.ChatUsage()

    async def delete(self) -> None:
        await self._workspace.delete_chat(self.id)


async def _elicited(
    elicit: Elicitor | None, frame: p.ElicitationRequestFrame
) -> tuple[str, dict[str, Any] | None]:
    answer = elicit(frame) if elicit is not None else None
    if asyncio.iscoroutine(answer) or isinstance(answer, Awaitable):
        answer = await answer
    if isinstance(answer, dict):
        return "accept", answer
    if answer == "cancel":
        return "cancel", None
    return ("accept", None) if answer is True else ("decline", None)


async def _sampled(sample: Sampler, frame: p.SamplingRequestFrame) -> bool:
    verdict = sample if isinstance(sample, bool) else sample(frame)
    if asyncio.iscoroutine(verdict) or isinstance(verdict, Awaitable):
        verdict = await verdict
    return bool(verdict)


async def _decide(approver: Approver, call: p.PendingCall) -> p.Decision:
    if isinstance(approver, bool):
        return approve(call.id) if approver else reject(call.id, "rejected by the program")
    verdict = approver(call)
    if asyncio.iscoroutine(verdict) or isinstance(verdict, Awaitable):
        verdict = await verdict
    if isinstance(verdict, p.Decision):
        return verdict
    return approve(call.id) if verdict else reject(call.id, "rejected by the program")


class Client:
    """One user's chats and MCP servers."""

    def __init__(self, workspace: UserWorkspace) -> None:
        self.workspace = workspace

    @property
    def user(self) -> str:
        return self.workspace.user

    @property
    def model(self) -> p.ModelInfo:
        """The default model (of new chats)."""
        return self.workspace.model_info

    def models(self) -> list[p.ModelInfo]:
        """Every model a chat may use (``Chat.set_model(info.id)``)."""
        return self.workspace.settings().models

    async def chats(self) -> list[Chat]:
        return [Chat(self.workspace, c) for c in await self.workspace.list_chats()]

    async def new_chat(
        self, title: str | None = None, servers: list[str] | None = None, model: str | None = None
    ) -> Chat:
        """A new chat with ``servers`` (None: every enabled one) and the catalog model ``model``."""
        info = await self.workspace.create_chat(p.CreateChat(title=title, servers=servers, model=model))
        return Chat(self.workspace, info)

    async def chat(self, chat_id: str) -> Chat:
        return Chat(self.workspace, await self.workspace.get_chat(chat_id))

    async def servers(self) -> list[p.ServerStatus]:
        return await self.workspace.servers.statuses()

    async def add_server(self, spec: p.ServerSpec | None = None, **fields: Any) -> p.ServerStatus:
        return await self.workspace.servers.add(spec or p.ServerSpec(**fields))

    async def import_servers(self, doc: dict[str, Any], *, replace: bool = False) -> list[p.ServerStatus]:
        """Import a Claude Desktop ``{"mcpServers": {...}}`` document."""
        servers = doc.get("mcpServers", doc)
        return await self.workspace.servers.import_config(
            p.ImportServers(mcpServers=servers, replace=replace)
        )

    async def remove_server(self, name: str) -> None:
        await self.workspace.servers.remove(name)

    async def connect_server(self, name: str) -> p.ServerStatus:
        return await self.workspace.servers.connect(name)

    async def resources(self, server: str) -> p.ResourceList:
        """The resources and resource templates a server lists."""
        return await self.workspace.servers.resources(server)

    async def prompts(self, server: str) -> list[p.PromptInfo]:
        return await self.workspace.servers.prompts(server)

    async def prompt(self, server: str, name: str, **arguments: str) -> list[p.PromptMessage]:
        """A server's prompt filled with ``arguments``: its messages as text."""
        return await self.workspace.servers.prompt(server, name, arguments)

    async def set_roots(self, name: str, roots: list[str]) -> p.ServerStatus:
        """Offer ``roots`` (absolute directories) to server ``name`` as the client's roots."""
        return await self.workspace.servers.set_roots(name, roots)

    async def server_log(self, name: str) -> list[p.ServerLogEntry]:
        """The logging messages a server sent in its current session (oldest first)."""
        return await self.workspace.servers.log(name)

    async def read_resource(self, server: str, uri: str) -> list[p.ResourceContent]:
        """Read a resource of a server (e.g. the ``uri`` of a tool result's resource link)."""
        return await self.workspace.servers.read_resource(server, uri)
