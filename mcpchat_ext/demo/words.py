"""The demo model's vocabulary: the tools it sees and which words of a request name them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import (
    ToolCall,
)

DEMO_MODEL_NAME = "mcpchat-demo"
LABEL = "[offline demo model]"
MAX_CALLS = 5
MAX_RESULT_CHARS = 400

_FILLER = {
    "a", "an", "the", "please", "can", "could", "would", "you", "me", "for", "of", "to", "in",
    "on", "at", "with", "by", "is", "it", "are", "what", "whats", "and", "then", "use", "using",
    "tool", "call", "run", "do", "get", "give", "tell", "show", "about", "from", "into", "as",
    "this", "that", "some", "my", "i", "want", "need", "let", "lets", "us", "now", "be",
}  # fmt: skip
_SYNONYMS = {
    "plus": "add", "sum": "add", "adding": "add", "addition": "add", "times": "multiply",
    "product": "multiply", "minus": "subtract", "difference": "subtract", "divided": "divide",
    "multiplication": "multiply", "multiplied": "multiply",
    "repeat": "echo", "say": "echo", "clock": "time", "date": "time", "hour": "time",
}  # fmt: skip
_COUNT_PARAMS = {"count", "n", "num", "number", "quantity", "times", "amount"}
_SUFFIXES = {"s", "es", "ed", "d", "ing", "er", "ers", "ion", "ition", "ation", "ly"}
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.]*[A-Za-z])")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_QUOTED = re.compile(r"\"([^\"]*)\"|'([^']*)'|“([^”]*)”")
_PAIR = re.compile(r"\b([A-Za-z_][\w]*)\s*[=:]\s*(\"[^\"]*\"|'[^']*'|[^\s,;]+)")


@dataclass
class ToolSpec:
    """A bound tool as the demo model sees it (from its OpenAI function schema)."""

    name: str
    description: str
    properties: dict[str, dict[str, Any]]
    required: list[str]
    keywords: set[str] = field(default_factory=set)

    @classmethod
    def from_openai(cls, schema: dict[str, Any]) -> ToolSpec:
        fn = schema.get("function", schema)
        params = fn.get("parameters") or {}
        return cls(
            name=str(fn.get("name", "")),
            description=str(fn.get("description") or ""),
            properties=dict(params.get("properties") or {}),
            required=list(params.get("required") or []),
        )


@dataclass
class Plan:
    """What the demo model answers: text and/or tool calls."""

    text: str
    calls: list[ToolCall] = field(default_factory=list)


# --------------------------------------------------------------------------
# matching words to tools
# --------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _name_words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]


def _matches(word: str, keyword: str) -> bool:
    word = _SYNONYMS.get(word, word)
    if word == keyword:
        return True
    if len(keyword) < 3 or not word.startswith(keyword):
        return False
    return word[len(keyword) :] in _SUFFIXES


def _assign_keywords(tools: list[ToolSpec]) -> None:
    """Name words, minus those every tool shares (the server prefix) and filler words."""
    names = [_name_words(t.name) for t in tools]
    firsts = [n[0] if n else "" for n in names]
    for tool, words in zip(tools, names, strict=True):
        if len(words) > 1 and firsts.count(words[0]) > 1:
            words = words[1:]  # the server prefix ("demo_add" -> "add")
        kept = set(words)
        distinct = {w for w in kept - _FILLER if not w.isdigit()}
        tool.keywords = distinct or kept


def _description_score(tool: ToolSpec, words: list[str]) -> int:
    described = {w for w in _words(tool.description) if len(w) >= 3 and w not in _FILLER}
    return sum(1 for w in set(words) if w not in _FILLER and any(_matches(w, d) for d in described))


@dataclass
class _Anchor:
    start: int
    end: int
    tool: ToolSpec


def _anchors(text: str, tools: list[ToolSpec]) -> list[_Anchor]:
    """Positions of words naming a tool; consecutive words naming the same tool are merged."""
    anchors: list[_Anchor] = []
    for match in _WORD.finditer(text):
        word = match.group().lower()
        if word in _FILLER:
            continue
        hits = [t for t in tools if any(_matches(word, k) for k in t.keywords)]
        if not hits:
            continue
        # The most specific tool: the one whose keywords are all mentioned, else the first.
        words = set(_words(text))
        hits.sort(key=lambda t: -sum(any(_matches(w, k) for w in words) for k in t.keywords))
        tool = hits[0]
        if anchors and anchors[-1].tool is tool and _only_filler(text[anchors[-1].end : match.start()]):
            anchors[-1].end = match.end()
        else:
            anchors.append(_Anchor(match.start(), match.end(), tool))
    return anchors


def _only_filler(text: str) -> bool:
    return all(w in _FILLER for w in _words(text))
