"""MCP resources attached to messages: read at send, watched while a chat has them.

A resource attachment names a server of the user and a URI; its content is read here when the
message is sent (``resources/read``, capped like tool results), never taken from the client. Text
parts become the attachment's text; a raster image becomes an image part for a model that reads
images (and a note in the text); other binary content is named in a note. A read that fails says
so in the attachment: the user's message is sent all the same.

When its server offers ``resources.subscribe``, an attached resource is subscribed to. An update
of it marks it changed in every chat that has it (a ``resource_updated`` frame: the chip shows it)
and the chat's next message carries its new content with a note that it changed. Updates of a
resource no chat has attached are ignored; the resources of a deleted chat, or of a server taken
out of a chat, are unsubscribed from when no other chat has them.

The watch is kept in the store (store/attached.py: which chat has which resource, and which
changed): every new session of a server subscribes again to what the chats have of it, after
the server restarted or crashed, and after this process restarted (the workspace loads the
watch when it opens; the server's session, started by a turn or by the user, subscribes).
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from .. import protocol as p
from ..errors import ChatExtError
from ..mcp_servers.manager import MCPConnectionManager
from ..mcp_servers.media import IMAGE_MAGIC, MAX_RESULT_BYTES
from ..store.attached import AttachedStore
from .attachments import attachment_budget, compose

log = logging.getLogger("mcpchat_ext")

Read = Callable[[str, str], Awaitable[list[p.ResourceContent]]]
Broadcast = Callable[[BaseModel], Awaitable[None]]
Key = tuple[str, str]  # (server, uri)

CHANGED = "[This resource changed on its server since it was attached earlier in this chat; its new content:]"


@dataclass
class Prepared:
    """A message's attachments with every resource's content filled in, and its images."""

    items: list[p.Attachment]
    images: list[dict[str, Any]] = field(default_factory=list)  # LangChain image_url parts
    read: list[Key] = field(default_factory=list)  # the resources read without error


def _image(part: p.ResourceContent) -> bytes | None:
    """The bytes of a part that is a raster image whose bytes match its type (never SVG)."""
    if part.data is None or part.mime_type not in IMAGE_MAGIC:
        return None
    raw = base64.b64decode(part.data)
    return raw if raw.startswith(IMAGE_MAGIC[part.mime_type]) else None


def _text(parts: list[p.ResourceContent], images: list[dict[str, Any]], room: list[int]) -> str:
    """The parts as text (notes for binary parts); shown images are added to ``images``."""
    out: list[str] = []
    for part in parts:
        head = f"--- {part.uri} ---\n" if len(parts) > 1 else ""
        mime = part.mime_type or "unknown type"
        if part.text is not None:
            cut = f"\n[resource cut: showed part of its {part.size} characters]" if part.truncated else ""
            out.append(f"{head}{part.text}{cut}")
        elif part.note:
            out.append(f"{head}[{mime}: {part.note}]")
        elif (raw := _image(part)) is not None and len(raw) <= room[0]:
            room[0] -= len(raw)
            images.append({"type": "image_url", "image_url": {"url": f"data:{mime};base64,{part.data}"}})
            note = "given to the model as an image if it reads images"
            out.append(f"{head}[image {mime}, {len(raw)} bytes: {note}]")
        else:
            out.append(f"{head}[binary content {mime}, {part.size} bytes: not shown to the model]")
    return "\n".join(out) or "[the resource is empty]"


async def read_attached(items: Sequence[p.Attachment], read: Read) -> Prepared:
    """``items`` with the content of every resource attachment read from its server."""
    prepared = Prepared(items=[])
    room = [MAX_RESULT_BYTES]  # image bytes one message may carry
    for item in items:
        if item.kind != "resource" or not item.server or not item.uri:
            prepared.items.append(item)
            continue
        try:
            parts = await read(item.server, item.uri)
        except ChatExtError as exc:
            text, label = f"[could not read this resource: {exc}]", f"{item.label} (could not be read)"
            prepared.items.append(item.model_copy(update={"content": text, "label": label[:200]}))
            continue
        text = _text(parts, prepared.images, room)
        prepared.items.append(item.model_copy(update={"content": text}))
        prepared.read.append((item.server, item.uri))
    return prepared


class AttachedResources:
    """The resources each chat has attached, their subscriptions and their updates."""

    def __init__(
        self,
        *,
        connections: MCPConnectionManager,
        read: Read,
        broadcast: Broadcast,
        store: AttachedStore | None = None,
        user: str = "",
    ) -> None:
        """``store``: where the watch is kept for later sessions and processes (None: only here)."""
        self._connections = connections
        self._read = read
        self._broadcast = broadcast
        self._store = store
        self._user = user
        self._chats: dict[str, dict[Key, str]] = {}  # chat -> attached resource -> its label
        self._changed: dict[str, set[Key]] = {}  # chat -> resources updated since last sent
        self._tasks: set[asyncio.Task[None]] = set()
        self._writes = asyncio.Lock()  # the store's changes in the order they happened here
        connections.on_update(self._updated)

    def changed(self, chat_id: str) -> set[Key]:
        return set(self._changed.get(chat_id, ()))

    async def load(self) -> None:
        """Take up the watch kept in the store (the workspace opens, a server was renamed or
        removed): what the chats have is subscribed to now where its server's session is ready,
        else by the server's next session; what they no longer have is unsubscribed from."""
        if self._store is None:
            return
        before = {k for attached in self._chats.values() for k in attached}
        self._chats, self._changed = {}, {}
        for row in await self._store.all(self._user):
            key = (row.server, row.uri)
            self._chats.setdefault(row.chat_id, {})[key] = row.label
            if row.changed:
                self._changed.setdefault(row.chat_id, set()).add(key)
        now = {k for attached in self._chats.values() for k in attached}
        for key in sorted(now - before):
            await self._subscribe(key)
        await self._unsubscribe(before - now)

    async def _write(self, change: Callable[[AttachedStore], Awaitable[None]], what: str) -> None:
        if self._store is None:
            return
        async with self._writes:
            try:
                await change(self._store)
            except Exception as exc:  # (a chat deleted meanwhile, a storage fault): the message goes on
                log.warning(
                    "could not keep %s of %s in the store (%s): the watch of this process goes on, "
                    "a later one may miss it; check the data directory's database",
                    what,
                    self._user,
                    exc,
                )

    async def prepare(self, chat_id: str, items: Sequence[p.Attachment]) -> Prepared:
        """Read the message's resources (and those of the chat that changed since), subscribe."""
        stale = self._changed.pop(chat_id, set())
        if stale:
            await self._write(lambda s: s.clear_changed(self._user, chat_id), "a chat's sent resources")
        attached = self._chats.get(chat_id, {})
        named = {(i.server, i.uri) for i in items if i.kind == "resource"}
        again = [
            p.Attachment(kind="resource", label=f"{attached[k]} (updated)"[:200], server=k[0], uri=k[1])
            for k in sorted(stale)
            if k not in named and k in attached
        ]
        prepared = await read_attached([*items, *again], self._read)
        for item in prepared.items[len(items) :]:
            item.content = f"{CHANGED}\n{item.content}"
        labels = {(i.server, i.uri): i.label for i in items if i.kind == "resource"}
        kept = [(k[0], k[1], labels[k]) for k in prepared.read if k in labels]
        if kept:
            await self._write(lambda s: s.attach(self._user, chat_id, kept), "a chat's attached resources")
        for server, uri, label in kept:
            self._chats.setdefault(chat_id, {})[(server, uri)] = label
        for key in prepared.read:
            await self._subscribe(key)
        return prepared

    async def _subscribe(self, key: Key) -> None:
        try:
            await self._connections.subscribe(*key)
        except ChatExtError as exc:  # updates are a bonus: the message goes on
            log.info("could not subscribe to %s of %s: %s", key[1], key[0], exc)

    def _updated(self, server: str, uri: str) -> None:
        """(From the session's receive loop.) Mark the chats that have the resource."""
        key = (server, uri)
        frames = []
        for chat_id, attached in self._chats.items():
            if key in attached:
                self._changed.setdefault(chat_id, set()).add(key)
                frames.append(p.ResourceUpdatedFrame(chat_id=chat_id, server=server, uri=uri))
        if frames:
            self._spawn(self._write(lambda s: s.mark_changed(self._user, server, uri), "a resource's update"))
        for frame in frames:
            self._spawn(self._broadcast(frame))

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _unsubscribe(self, gone: set[Key]) -> None:
        """Unsubscribe from what of ``gone`` no chat has attached."""
        still = {k for attached in self._chats.values() for k in attached}
        for server, uri in sorted(gone - still):
            await self._connections.unsubscribe(server, uri)

    async def forget(self, chat_id: str) -> None:
        """A deleted chat (its rows went with it): unsubscribe from what no other chat has."""
        gone = self._chats.pop(chat_id, {})
        self._changed.pop(chat_id, None)
        await self._unsubscribe(set(gone))

    async def keep_servers(self, chat_id: str, servers: Collection[str]) -> None:
        """The chat's servers are now ``servers``: what it attached of others is no longer watched."""
        attached = self._chats.get(chat_id, {})
        gone = {k for k in attached if k[0] not in servers}
        for key in gone:  # (first: an update from now on is not this chat's)
            attached.pop(key, None)
            self._changed.get(chat_id, set()).discard(key)
        await self._write(lambda s: s.keep_servers(self._user, chat_id, servers), "a chat's servers")
        await self._unsubscribe(gone)


async def compose_message(
    attached: AttachedResources | None,
    chat_id: str,
    text: str,
    attachments: Sequence[p.Attachment],
    max_context_tokens: int,
) -> tuple[str, dict[str, Any] | None]:
    """A message's text for the model and its meta; attached resources are read now."""
    ready = Prepared(list(attachments))
    if attached is not None:
        ready = await attached.prepare(chat_id, attachments)
    text, meta = compose(text, ready.items, attachment_budget(max_context_tokens))
    if meta is not None and ready.images:
        meta["images"] = ready.images  # for a model that reads images (agent/tool_images.py)
    return text, meta
