"""An offline, deterministic chat model so the extension works without an API key.

It reads the request, picks the bound tool(s) whose names (or descriptions) match its words, and
fills arguments from the tool's JSON schema: numbers in order for number/integer parameters,
quoted or remaining text for string parameters, ``name=value`` pairs and a ``{...}`` JSON object
when given. After tool results it summarises them in plain language and never calls again.
Streaming emits word tokens and ``tool_call_chunks`` (so tool calls survive streaming).
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolCall,
    ToolCallChunk,
    ToolMessage,
)
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool

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


# --------------------------------------------------------------------------
# arguments from text
# --------------------------------------------------------------------------


def _json_object(text: str) -> tuple[dict[str, Any], str]:
    decoder = json.JSONDecoder()
    for match in re.finditer(r"\{", text):
        try:
            value, end = decoder.raw_decode(text, match.start())
        except ValueError:
            continue
        if isinstance(value, dict):
            return value, _blank(text, (match.start(), end))
    return {}, text


def _blank(text: str, span: tuple[int, int]) -> str:
    """``text`` with ``span`` replaced by spaces (positions of the rest stay valid)."""
    start, end = span
    return text[:start] + " " * (end - start) + text[end:]


def _coerce(value: str, schema: dict[str, Any]) -> Any:
    kind = _schema_type(schema)
    value = value.strip().strip("\"'")
    try:
        if kind == "integer":
            return int(float(value))
        if kind == "number":
            number = float(value)
            return int(number) if number.is_integer() and "." not in value else number
    except ValueError:
        return value
    if kind == "boolean":
        return value.lower() in {"true", "yes", "1", "on"}
    return value


def _schema_type(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind is None:
        for option in schema.get("anyOf") or []:
            if isinstance(option, dict) and option.get("type") not in (None, "null"):
                return _schema_type(option)
        return "string"
    return str(kind)


def extract_args(tool: ToolSpec, clause: str, keyword_span: tuple[int, int] | None) -> dict[str, Any]:
    """Arguments for ``tool`` from ``clause`` guided by its JSON schema properties."""
    args, text = _json_object(clause)
    args = {k: v for k, v in args.items() if not tool.properties or k in tool.properties}
    for match in _PAIR.finditer(text):
        name = match.group(1)
        if name in tool.properties and name not in args:
            args[name] = _coerce(match.group(2), tool.properties[name])
            text = _blank(text, match.span())
    numeric = [n for n, s in tool.properties.items() if _schema_type(s) in ("number", "integer")]
    numbers = list(_NUMBER.finditer(text))
    used_spans: list[tuple[int, int]] = []
    for name in (n for n in numeric if n not in args):  # "6 sides", "sides 6", "sides of 6"
        named = _named_number(text, name, numbers)
        if named is not None:
            numbers.remove(named)
            args[name] = _coerce(named.group(), tool.properties[name])
            used_spans.append(named.span())
    counted = [n for n in numeric if n.lower() in _COUNT_PARAMS and n not in args]
    if counted and numbers and tool.keywords:  # "roll 2 dice": the number before the tool's word
        for number in numbers:
            following = _words(text[number.end() :])[:1]
            if any(_matches(w, k) for w in following for k in tool.keywords):
                numbers.remove(number)
                args[counted[0]] = _coerce(number.group(), tool.properties[counted[0]])
                used_spans.append(number.span())
                break
    for name in (n for n in numeric if n not in args):
        if not numbers:
            break
        match = numbers.pop(0)
        args[name] = _coerce(match.group(), tool.properties[name])
        used_spans.append(match.span())
    for name, schema in tool.properties.items():
        if name not in args and _schema_type(schema) == "boolean":
            if re.search(rf"\b(no|not|without)\s+{re.escape(name)}\b", text, re.I):
                args[name] = False
    strings = [n for n, s in tool.properties.items() if _schema_type(s) == "string"]
    strings = [n for n in strings if n not in args]
    if not strings:
        return args
    for name in list(strings):  # "from Europe/Paris to Asia/Tokyo"
        lowered = name.lower()
        for markers, word in ((("source", "from", "src"), "from"), (("target", "dest", "to"), "to")):
            found = re.search(rf"\b{word}\s+(\S+)", text, re.I)
            if found and any(m in _name_words(lowered) for m in markers):
                args[name] = found.group(1).strip(" ?!.,;:")
                text = _blank(text, found.span())
                strings.remove(name)
                break
    if not strings:
        return args
    quoted = [next(g for g in m.groups() if g is not None) for m in _QUOTED.finditer(text)]
    for name in strings:
        enum = tool.properties[name].get("enum")
        if enum:
            lowered = text.lower()
            chosen = next((e for e in enum if str(e).lower() in lowered), None)
            if chosen is not None:
                args[name] = chosen
            continue
        if quoted:
            args[name] = quoted.pop(0)
        elif name == strings[0]:
            rest = _remaining_text(text, keyword_span, used_spans)
            if rest:
                args[name] = rest
    return args


def _named_number(text: str, name: str, numbers: list[re.Match[str]]) -> re.Match[str] | None:
    """The number written right next to the parameter's name, if any."""
    words = [w for w in _name_words(name) if w not in _FILLER]
    if not words:
        return None
    for number in numbers:
        after = _words(text[number.end() :])[:1]
        before = _words(text[: number.start()])[-2:]
        before = [w for w in before if w not in {"of", "is", "to", "be"}][-1:]
        if any(_matches(w, k) for w in after + before for k in words):
            return number
    return None


def _remaining_text(text: str, keyword_span: tuple[int, int] | None, used: list[tuple[int, int]]) -> str:
    """The free text of a clause: after the tool's keyword, without used numbers and filler."""
    chars = list(text)
    for start, end in used:
        chars[start:end] = " " * (end - start)
    cleaned = "".join(chars)
    if keyword_span is not None:
        after = cleaned[keyword_span[1] :]
        cleaned = after if after.strip() else cleaned[: keyword_span[0]]
    tokens = cleaned.split()
    while tokens and re.sub(r"\W", "", tokens[0].lower()) in _FILLER:
        tokens.pop(0)
    while tokens and re.sub(r"\W", "", tokens[-1].lower()) in _FILLER | {""}:
        tokens.pop()
    return " ".join(tokens).strip(" ?!.,;:")


# --------------------------------------------------------------------------
# planning a reply
# --------------------------------------------------------------------------


def _call(tool: ToolSpec, args: dict[str, Any]) -> ToolCall:
    return ToolCall(name=tool.name, args=args, id=f"call_demo_{uuid.uuid4().hex[:16]}", type="tool_call")


def plan_tool_calls(text: str, tools: list[ToolSpec]) -> list[ToolCall]:
    """Tool calls the request asks for: one per clause starting at a word that names a tool."""
    if not tools:
        return []
    _assign_keywords(tools)
    anchors = _anchors(text, tools)
    if anchors:
        calls = []
        for i, anchor in enumerate(anchors[:MAX_CALLS]):
            start = 0 if i == 0 else anchor.start
            end = anchors[i + 1].start if i + 1 < len(anchors) else len(text)
            span = (anchor.start - start, anchor.end - start)
            calls.append(_call(anchor.tool, extract_args(anchor.tool, text[start:end], span)))
        return calls
    words = _words(text)
    scored = sorted(((_description_score(t, words), i) for i, t in enumerate(tools)), reverse=True)
    best_score, best = scored[0]
    if best_score >= 2 or (best_score == 1 and (len(scored) == 1 or scored[1][0] == 0)):
        return [_call(tools[best], extract_args(tools[best], text, None))]
    return []


def _tool_name_of(message: ToolMessage, messages: Sequence[BaseMessage]) -> str:
    if message.name:
        return message.name
    for earlier in reversed(messages):
        if isinstance(earlier, AIMessage):
            for call in earlier.tool_calls:
                if call.get("id") == message.tool_call_id:
                    return call["name"]
    return "the tool"


def _short(text: str) -> str:
    text = text.strip()
    if len(text) <= MAX_RESULT_CHARS:
        return text
    return text[:MAX_RESULT_CHARS].rstrip() + f"… ({len(text)} characters in all)"


def summarise_results(results: list[ToolMessage], messages: Sequence[BaseMessage]) -> str:
    """A plain-language answer after tool results; failures and rejections are acknowledged."""
    lines: list[str] = []
    failed = False
    for result in results:
        name = _tool_name_of(result, messages)
        content = _short(result.text or str(result.content))
        if result.status == "error":
            failed = True
            lowered = content.lower()
            if any(w in lowered for w in ("reject", "denied", "declin", "not approved")):
                lines.append(f"The call to `{name}` was not run: {content or 'you rejected it'}.")
            elif "cancel" in lowered:
                lines.append(f"The call to `{name}` was cancelled: {content}.")
            else:
                lines.append(f"The call to `{name}` failed: {content or 'no details'}.")
        elif not content:
            lines.append(f"`{name}` finished without output.")
        else:
            end = "" if content.endswith((".", "!", "?")) else "."
            lines.append(f"`{name}` returned: {content}{end}")
    closing = (
        "I won't try that again on my own; tell me what you would like to do instead."
        if failed
        else "Anything else?"
    )
    return f"{LABEL} " + " ".join(lines) + " " + closing


def _no_tool_reply(text: str, tools: list[ToolSpec]) -> str:
    said = f'You said: "{_short(text)}". ' if text.strip() else ""
    intro = (
        f"{LABEL} {said}I am the offline demo model (no OPENAI_API_KEY is set), so I only "
        "understand requests that name one of my tools."
    )
    if not tools:
        return (
            f"{intro} No tools are available in this chat: enable an MCP server (for example "
            "the bundled 'demo' server) to try tool calls, or set OPENAI_API_KEY to chat with a "
            "real model."
        )
    listed = "; ".join(
        f"`{t.name}`" + (f" ({_short(t.description).splitlines()[0]})" if t.description else "")
        for t in tools[:12]
    )
    more = f" and {len(tools) - 12} more" if len(tools) > 12 else ""
    example = _example(tools)
    return f'{intro} Tools I could use: {listed}{more}. Try for example: "{example}".'


def _example(tools: list[ToolSpec]) -> str:
    _assign_keywords(tools)
    tool = tools[0]
    keyword = sorted(tool.keywords)[0] if tool.keywords else tool.name
    numbers = [n for n, s in tool.properties.items() if _schema_type(s) in ("number", "integer")]
    if len(numbers) >= 2:
        return f"{keyword} 2 and 3"
    if numbers:
        return f"{keyword} 3"
    if any(_schema_type(s) == "string" for s in tool.properties.values()):
        return f"{keyword} hello world"
    return keyword


def plan_reply(messages: Sequence[BaseMessage], tools: list[ToolSpec]) -> Plan:
    """The demo model's whole decision for one model call."""
    results: list[ToolMessage] = []
    # the graph may append a system note (e.g. "every call was rejected: answer without tools")
    while messages and isinstance(messages[-1], SystemMessage):
        messages = messages[:-1]
    for message in reversed(messages):
        if not isinstance(message, ToolMessage):
            break
        results.insert(0, message)
    if results:
        return Plan(summarise_results(results, messages))
    last = messages[-1] if messages else None
    text = last.text if isinstance(last, HumanMessage) else ""
    calls = plan_tool_calls(text, tools)
    if calls:
        names = ", ".join(f"`{c['name']}`" for c in calls)
        return Plan(f"{LABEL} I'll call {names} for you.", calls)
    return Plan(_no_tool_reply(text, tools))


# --------------------------------------------------------------------------
# the model
# --------------------------------------------------------------------------


def _tokens(text: str) -> list[str]:
    return re.findall(r"\s*\S+|\s+$", text)


def _metadata(plan: Plan) -> dict[str, Any]:
    return {
        "demo": True,
        "model_name": DEMO_MODEL_NAME,
        "finish_reason": "tool_calls" if plan.calls else "stop",
    }


def _usage(messages: Sequence[BaseMessage], plan: Plan) -> UsageMetadata:
    prompt = sum(len(str(m.content).split()) for m in messages)
    completion = len(_tokens(plan.text)) + sum(len(json.dumps(c["args"]).split()) for c in plan.calls)
    return UsageMetadata(input_tokens=prompt, output_tokens=completion, total_tokens=prompt + completion)


class DemoChatModel(BaseChatModel):
    """Offline deterministic model: picks tools by their names, summarises their results."""

    model_name: str = DEMO_MODEL_NAME
    token_delay: float = 0.0  # seconds between streamed tokens (UI pacing; 0 in tests)

    @property
    def _llm_type(self) -> str:
        return "mcpchat-demo"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name}

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools (stored as OpenAI function schemas in the ``tools`` call argument)."""
        schemas = [convert_to_openai_tool(t) for t in tools]
        return self.bind(tools=schemas, **kwargs)

    def _plan(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> Plan:
        tools = [ToolSpec.from_openai(s) for s in kwargs.get("tools") or []]
        return plan_reply(messages, [t for t in tools if t.name])

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        plan = self._plan(messages, kwargs)
        message = AIMessage(
            content=plan.text,
            tool_calls=plan.calls,
            response_metadata=_metadata(plan),
            usage_metadata=_usage(messages, plan),
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _chunks(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> Iterator[AIMessageChunk]:
        plan = self._plan(messages, kwargs)
        for token in _tokens(plan.text):
            yield AIMessageChunk(content=token)
        for index, call in enumerate(plan.calls):
            chunk = ToolCallChunk(
                name=call["name"],
                args=json.dumps(call["args"]),
                id=call["id"],
                index=index,
                type="tool_call_chunk",
            )
            yield AIMessageChunk(content="", tool_call_chunks=[chunk])
        yield AIMessageChunk(
            content="",
            response_metadata=_metadata(plan),
            usage_metadata=_usage(messages, plan),
            chunk_position="last",
        )

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for chunk in self._chunks(messages, kwargs):
            if run_manager is not None and isinstance(chunk.content, str) and chunk.content:
                run_manager.on_llm_new_token(chunk.content, chunk=ChatGenerationChunk(message=chunk))
            yield ChatGenerationChunk(message=chunk)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        for chunk in self._chunks(messages, kwargs):
            if self.token_delay and chunk.content:
                await asyncio.sleep(self.token_delay)
            generation = ChatGenerationChunk(message=chunk)
            if run_manager is not None and isinstance(chunk.content, str) and chunk.content:
                await run_manager.on_llm_new_token(chunk.content, chunk=generation)
            yield generation
