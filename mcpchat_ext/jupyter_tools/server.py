"""The ``jupyter`` MCP server: the tools with their schemas and annotations, over any backend.

The definitions below are the only ones: the Jupyter server's toolbox and the in-kernel toolbox
(:mod:`.backend`) are served by the same :func:`build_server`, so cards, rules and audit read the
same names, schemas and hints whichever backend runs the call.

A low-level MCP SDK ``Server`` (not FastMCP, which configures the root logger when built): the
arguments of each tool are a pydantic model (its JSON schema is the tool's input schema, and it
validates every call), and every tool says whether it only reads (``readOnlyHint``) or may
destroy work (``destructiveHint``). The hints are shown on the card; they never skip it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from mcp import types
from mcp.server.lowlevel import Server
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .access import ToolError
from .backend import JupyterBackend
from .contents import Blocks

SERVER_NAME = "jupyter"
INSTRUCTIONS = (
    "Tools of the Jupyter server this chat runs in: files, notebooks (cells and outputs), and the "
    "notebooks' kernels. Paths are relative to the Jupyter root directory. Cells are numbered from "
    "0 as read_notebook shows them. Every call waits for the user's approval."
)


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


Path = Field(description="path relative to the Jupyter root, e.g. 'analysis/report.ipynb'")
Index = Field(ge=-1, description="cell index, from 0 (as read_notebook numbers the cells)")
Timeout = Field(default=None, gt=0, description="seconds before the kernel is interrupted")
CellKind = Literal["code", "markdown", "raw"]


class ListFiles(_Args):
    path: str = Field(default="", description="directory relative to the Jupyter root ('' for the root)")


class ReadFile(_Args):
    path: str = Path


class ReadNotebook(_Args):
    path: str = Path
    include_outputs: bool = True


class ReadOpenNotebook(_Args):
    path: str = Path


class NewCell(_Args):
    cell_type: CellKind = "code"
    source: str = ""


class CreateNotebook(_Args):
    path: str = Path
    cells: list[NewCell] = Field(default_factory=list)
    kernel_name: str = Field(default="", description="kernelspec name (default: the server's default)")


class InsertCell(_Args):
    path: str = Path
    index: int = Field(ge=-1, description="where the new cell goes (0: first, -1: at the end)")
    source: str
    cell_type: CellKind = "code"


class ReplaceCell(_Args):
    path: str = Path
    index: int = Field(ge=0, description="cell index, from 0 (as read_notebook numbers the cells)")
    source: str
    cell_type: CellKind | None = None


class DeleteCell(_Args):
    path: str = Path
    index: int = Field(ge=0, description="cell index, from 0 (as read_notebook numbers the cells)")


class ExecuteCode(_Args):
    path: str = Field(description="the notebook whose kernel runs the code (started if needed)")
    code: str
    timeout: float | None = Timeout


class RunCell(_Args):
    path: str = Path
    index: int = Field(ge=0, description="cell index, from 0 (as read_notebook numbers the cells)")
    timeout: float | None = Timeout


class ListVariables(_Args):
    path: str = Field(description="the notebook whose kernel is asked")


class InspectVariable(_Args):
    path: str = Field(description="the notebook whose kernel is asked")
    name: str = Field(description="a variable name, or a dotted attribute path like 'model.config'")


@dataclass(frozen=True)
class ToolDef:
    name: str
    description: str
    args: type[_Args]
    run: Callable[[JupyterBackend, Any], Awaitable[Blocks]]
    read_only: bool = False
    destructive: bool = False


def _d(**kw: Any) -> dict[str, Any]:
    return kw


TOOLS = [
    ToolDef(
        "list_files",
        "List a directory of the Jupyter server (files, notebooks, folders).",
        ListFiles,
        lambda t, a: t.list_files(a.path),
        read_only=True,
    ),
    ToolDef(
        "read_file",
        "Read a text file (an image is returned as an image, a notebook as its cells).",
        ReadFile,
        lambda t, a: t.read_file(a.path),
        read_only=True,
    ),
    ToolDef(
        "read_notebook",
        "Read a notebook's cells with their outputs: text, errors with tracebacks, images.",
        ReadNotebook,
        lambda t, a: t.read_notebook(a.path, a.include_outputs),
        read_only=True,
    ),
    ToolDef(
        "read_open_notebook",
        "Read a notebook as the user's JupyterLab shows it now, unsaved edits included (the saved "
        "file when it is not open).",
        ReadOpenNotebook,
        lambda t, a: t.read_open_notebook(a.path),
        read_only=True,
    ),
    ToolDef(
        "create_notebook",
        "Create a new notebook, optionally with cells.",
        CreateNotebook,
        lambda t, a: t.create_notebook(a.path, [c.model_dump() for c in a.cells], a.kernel_name),
    ),
    ToolDef(
        "insert_cell",
        "Insert a new cell into a notebook at an index.",
        InsertCell,
        lambda t, a: t.insert_cell(a.path, a.index, a.source, a.cell_type),
    ),
    ToolDef(
        "replace_cell",
        "Replace the source of a notebook cell (its old outputs are cleared).",
        ReplaceCell,
        lambda t, a: t.replace_cell(a.path, a.index, a.source, a.cell_type),
        destructive=True,
    ),
    ToolDef(
        "delete_cell",
        "Delete a cell of a notebook.",
        DeleteCell,
        lambda t, a: t.delete_cell(a.path, a.index),
        destructive=True,
    ),
    ToolDef(
        "run_cell",
        "Run a code cell of a notebook in its kernel (started if needed); the outputs are "
        "stored in the cell and returned.",
        RunCell,
        lambda t, a: t.run_cell(a.path, a.index, a.timeout),
        destructive=True,
    ),
    ToolDef(
        "execute_code",
        "Run Python code in a notebook's kernel (started if needed) and return its "
        "outputs, errors and images; the notebook itself is not changed.",
        ExecuteCode,
        lambda t, a: t.execute_code(a.path, a.code, a.timeout),
        destructive=True,
    ),
    ToolDef(
        "list_variables",
        "List the variables of a notebook's running kernel: name, type, shape or length, short value.",
        ListVariables,
        lambda t, a: t.list_variables(a.path),
        read_only=True,
    ),
    ToolDef(
        "inspect_variable",
        "Describe one variable of a notebook's running kernel in more detail.",
        InspectVariable,
        lambda t, a: t.inspect_variable(a.path, a.name),
        read_only=True,
    ),
]


def mcp_tool(tool: ToolDef) -> types.Tool:
    return types.Tool(
        name=tool.name,
        description=tool.description,
        inputSchema=tool.args.model_json_schema(),
        annotations=types.ToolAnnotations(
            readOnlyHint=tool.read_only,
            destructiveHint=tool.destructive,
            openWorldHint=False,
        ),
    )


def _validation_message(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in exc.errors()[:5])


def offered_tools(backend: JupyterBackend) -> list[ToolDef]:
    """The tools ``backend`` serves, in the order of :data:`TOOLS`."""
    names = backend.offered
    return [t for t in TOOLS if names is None or t.name in names]


def build_server(backend: JupyterBackend, instructions: str = INSTRUCTIONS) -> Server[Any, Any]:
    """An MCP server whose tools act through ``backend`` (one visitor's, or the kernel's)."""
    server: Server[Any, Any] = Server(SERVER_NAME, instructions=instructions)
    tools = {t.name: t for t in offered_tools(backend)}

    @server.list_tools()  # type: ignore[no-untyped-call,untyped-decorator]
    async def list_tools() -> list[types.Tool]:
        return [mcp_tool(t) for t in tools.values()]

    @server.call_tool(validate_input=False)  # type: ignore[untyped-decorator]
    async def call_tool(name: str, arguments: dict[str, Any]) -> types.CallToolResult:
        tool = tools.get(name)
        if tool is None:
            return _error(f"unknown tool {name!r}")
        try:
            args = tool.args.model_validate(arguments or {})
        except ValidationError as exc:
            return _error(f"invalid arguments for {name}: {_validation_message(exc)}")
        try:
            blocks = await tool.run(backend, args)
        except ToolError as exc:
            return _error(str(exc))
        return types.CallToolResult(content=list(blocks))

    return server


def _error(message: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=message)], isError=True)
