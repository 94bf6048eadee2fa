"""Files and notebooks through the Jupyter server's own contents manager (the visitor's view).

Every path is relative to the server's root directory and goes through ``contents_manager``,
which refuses paths outside the root and hidden files as it does for the REST API. Notebook
edits are read-modify-write of the nbformat document, one at a time per path.
"""

from __future__ import annotations

import asyncio
import base64
from typing import TYPE_CHECKING, Any

from jupyter_core.utils import ensure_async
from tornado import web

from .access import ToolError
from .outputs import IMAGE_TYPES, output_blocks
from .paths import check_inside

MAX_FILE_CHARS = 50_000  # characters of a text file read (the tool result is capped again later)
MAX_LISTING = 500  # entries of a directory listing
# The MCP SDK (``mcp``: 0.4 s of imports) is imported when a tool first answers, not when the
# Jupyter server loads the extension (JupyterTools is made then): bench_startup.py.
if TYPE_CHECKING:
    from mcp import types

    Blocks = list[types.TextContent | types.ImageContent]
else:
    Blocks = list


def text(value: str) -> types.TextContent:
    from mcp import types

    return types.TextContent(type="text", text=value)


class Contents:
    """The contents manager, with errors that name the path and a lock per notebook.

    ``root``: the directory of a file-system contents manager; paths (symlinks resolved) may
    not leave it (see paths.py). None for other managers (their own checks apply)."""

    def __init__(self, contents_manager: Any, root: str | None = None) -> None:
        self.cm = contents_manager
        self.root = root
        self._locks: dict[str, asyncio.Lock] = {}

    async def _check(self, path: str, verb: str) -> None:
        if self.root is not None:
            await check_inside(self.root, path, verb)

    def lock(self, path: str) -> asyncio.Lock:
        return self._locks.setdefault(path, asyncio.Lock())

    async def get(self, path: str, **kw: Any) -> dict[str, Any]:
        await self._check(path, "read")
        try:
            model: dict[str, Any] = await ensure_async(self.cm.get(path, **kw))
        except web.HTTPError as exc:
            raise ToolError(
                f"cannot read '{path}': {exc.log_message or exc.reason or exc.status_code}"
            ) from None
        return model

    async def save(self, model: dict[str, Any], path: str) -> dict[str, Any]:
        await self._check(path, "save")
        try:
            saved: dict[str, Any] = await ensure_async(self.cm.save(model, path))
        except web.HTTPError as exc:
            raise ToolError(
                f"cannot save '{path}': {exc.log_message or exc.reason or exc.status_code}"
            ) from None
        return saved

    async def exists(self, path: str) -> bool:
        await self._check(path, "read")
        return bool(await ensure_async(self.cm.exists(path)))

    async def notebook(self, path: str) -> Any:
        """The nbformat v4 notebook at ``path`` (ToolError if it is not a notebook)."""
        if not path.endswith(".ipynb"):
            raise ToolError(f"'{path}' is not a notebook (.ipynb)")
        return (await self.get(path, type="notebook", content=True))["content"]

    async def save_notebook(self, path: str, nb: Any) -> None:
        await self.save({"type": "notebook", "format": "json", "content": nb}, path)

    # -- tools ------------------------------------------------------------------------------

    async def list_files(self, path: str) -> Blocks:
        model = await self.get(path, content=True)
        if model["type"] != "directory":
            raise ToolError(f"'{path}' is a {model['type']}, not a directory")
        entries = sorted(model["content"] or [], key=lambda e: (e["type"] != "directory", e["name"]))
        lines = [
            f"{e['path']}{'/' if e['type'] == 'directory' else ''}\t{e['type']}"
            + (f"\t{e['size']} bytes" if e.get("size") is not None else "")
            for e in entries[:MAX_LISTING]
        ]
        if len(entries) > MAX_LISTING:
            lines.append(f"[... {len(entries) - MAX_LISTING} more entries]")
        where = path or "the root directory"
        return [text(f"{len(entries)} entries in {where}:\n" + "\n".join(lines))]

    async def read_file(self, path: str) -> Blocks:
        from mcp import types

        model = await self.get(path, content=True)
        if model["type"] == "directory":
            raise ToolError(f"'{path}' is a directory: use list_files")
        if model["type"] == "notebook":
            return await self.read_notebook(path)
        content = model.get("content") or ""
        if model.get("format") == "base64":
            mime = model.get("mimetype") or ""
            if mime in IMAGE_TYPES:
                data = "".join(str(content).split())  # (the contents manager wraps base64 lines)
                return [
                    text(f"{path} ({mime})"),
                    types.ImageContent(type="image", data=data, mimeType=mime),
                ]
            size = len(base64.b64decode(content)) if content else 0
            return [text(f"{path} is a binary file ({mime or 'unknown type'}, {size} bytes): not shown")]
        body = str(content)
        if len(body) > MAX_FILE_CHARS:
            body = f"{body[:MAX_FILE_CHARS]}\n[... {len(body) - MAX_FILE_CHARS} more characters]"
        return [text(body)]

    async def read_notebook(self, path: str, outputs: bool = True) -> Blocks:
        nb = await self.notebook(path)
        kernel = (nb.metadata.get("kernelspec") or {}).get("name", "unknown")
        blocks: Blocks = [text(f"notebook {path}: {len(nb.cells)} cells, kernel {kernel}")]
        for index, cell in enumerate(nb.cells):
            blocks.extend(cell_blocks(index, cell, outputs=outputs))
        return blocks


def cell_header(index: int, cell: Any) -> str:
    count = cell.get("execution_count")
    ran = f", execution count {count}" if cell.get("cell_type") == "code" and count is not None else ""
    return f"--- cell {index} ({cell.get('cell_type')}, id {cell.get('id', '?')}{ran}) ---"


def cell_blocks(index: int, cell: Any, *, outputs: bool = True) -> Blocks:
    """A cell as the model reads it: header, source, then its outputs (images as images)."""
    blocks: Blocks = [text(f"{cell_header(index, cell)}\n{cell.get('source', '')}")]
    if outputs and cell.get("cell_type") == "code":
        for output in cell.get("outputs") or []:
            blocks.extend(output_blocks(output))
    return blocks
