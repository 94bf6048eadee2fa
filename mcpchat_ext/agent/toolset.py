"""The tools of one chat, each with one model-facing name derived from its identity.

A tool's identity is (server, the server's own tool name). The model sees a name that every
OpenAI-compatible endpoint accepts (``^[a-zA-Z0-9_-]{1,64}$``), unique within the chat and
derived deterministically from the set of identities, never from connect order:
``<server>_<tool>`` with other characters replaced by ``_``; a name that had to be changed
(sanitised or shortened), or that two identities share (``a`` + ``b_c`` and ``a_b`` + ``c``),
gets a suffix made from a hash of its identity. The graph resolves a call's name to its identity
once, right after the model answers; from then on the card, the policy, the run and the audit all
use the identity.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from langchain_core.tools import BaseTool

from ..protocol import ToolInfo

MAX_NAME = 64
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_HASH_CHARS = 8


def _clean(part: str) -> str:
    return _UNSAFE.sub("_", part).strip("_") or "x"


def _digest(server: str, tool: str) -> str:
    return hashlib.sha256(f"{server}\0{tool}".encode()).hexdigest()[:_HASH_CHARS]


def base_name(server: str, tool: str) -> str:
    """``<server>_<tool>`` with unsafe characters replaced (may be too long)."""
    return f"{_clean(server)}_{_clean(tool)}"


def _hashed(server: str, tool: str) -> str:
    head = base_name(server, tool)[: MAX_NAME - _HASH_CHARS - 1].rstrip("_-")
    return f"{head}_{_digest(server, tool)}"


def model_names(identities: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The model-facing name of each identity (see the module docstring)."""
    ids = sorted(set(identities))
    bases = {i: base_name(*i) for i in ids}
    shared = Counter(bases.values())
    names: dict[tuple[str, str], str] = {}
    for server, tool in ids:
        base = bases[(server, tool)]
        plain = base == f"{server}_{tool}" and len(base) <= MAX_NAME and shared[base] == 1
        names[(server, tool)] = base if plain else _hashed(server, tool)
    taken = Counter(names.values())
    for ident, name in names.items():  # a plain name equal to another's hashed one (2^-32)
        if taken[name] > 1 and name == bases[ident]:
            names[ident] = _hashed(*ident)
    return names


@dataclass(frozen=True)
class ToolEntry:
    name: str  # model-facing
    info: ToolInfo  # server, tool, description, input schema (info.name == name)
    tool: BaseTool  # runs the call; named ``name``

    @property
    def identity(self) -> tuple[str, str]:
        return (self.info.server, self.info.tool)


class Toolset:
    """The chat's tools by model-facing name and by identity."""

    def __init__(
        self, tools: Iterable[tuple[ToolInfo, BaseTool]], instructions: dict[str, str] | None = None
    ) -> None:
        """``instructions``: what each server said about using it (server name -> its text)."""
        self.instructions = dict(instructions or {})
        pairs = list(tools)
        names = model_names((i.server, i.tool) for i, _ in pairs)
        self._by_name: dict[str, ToolEntry] = {}
        self._by_id: dict[tuple[str, str], ToolEntry] = {}
        for info, tool in pairs:
            ident = (info.server, info.tool)
            if ident in self._by_id:
                continue  # the same tool twice: offer it once
            name = names[ident]
            entry = ToolEntry(
                name=name,
                info=info.model_copy(update={"name": name}),
                tool=tool if tool.name == name else tool.model_copy(update={"name": name}),
            )
            self._by_name[name] = entry
            self._by_id[ident] = entry

    def __len__(self) -> int:
        return len(self._by_name)

    def __iter__(self) -> Iterator[ToolEntry]:
        return iter(self._by_name.values())

    @property
    def tools(self) -> list[BaseTool]:
        """What the model is offered (bind_tools)."""
        return [e.tool for e in self._by_name.values()]

    def by_name(self, name: str) -> ToolEntry | None:
        return self._by_name.get(name)

    def by_identity(self, server: str, tool: str) -> ToolEntry | None:
        return self._by_id.get((server, tool))
