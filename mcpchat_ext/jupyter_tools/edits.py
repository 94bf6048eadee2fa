"""Notebook edits: create a notebook, insert / replace / delete a cell (nbformat v4).

Cells are addressed by index (as ``read_notebook`` numbers them). Each edit reads the notebook,
changes it and saves it under the notebook's lock, so two edits of one chat never interleave;
the answer says what changed. ``on_change`` tells the open JupyterLab views (live notebooks).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal

import nbformat

from .access import ToolError
from .contents import Blocks, Contents, cell_header, text

_v4: Any = nbformat.v4  # (nbformat is untyped)
_from_dict: Any = nbformat.from_dict

CellType = Literal["code", "markdown", "raw"]
# (path, the change as a dict: {"op": "insert"|"replace"|"delete", "index": n, "cell": {...}})
OnChange = Callable[[str, dict[str, Any]], Awaitable[None]]


def new_cell(cell_type: CellType, source: str) -> Any:
    if cell_type == "markdown":
        return _v4.new_markdown_cell(source)
    if cell_type == "raw":
        return _v4.new_raw_cell(source)
    return _v4.new_code_cell(source)


def _check_index(nb: Any, index: int, path: str, *, inserting: bool = False) -> None:
    top = len(nb.cells) if inserting else len(nb.cells) - 1
    if not 0 <= index <= top:
        if not nb.cells and not inserting:
            raise ToolError(f"'{path}' has no cells")
        raise ToolError(f"cell index {index} is out of range: '{path}' has cells 0..{len(nb.cells) - 1}")


class NotebookEdits:
    def __init__(self, contents: Contents, on_change: OnChange | None = None) -> None:
        self.contents = contents
        self.on_change = on_change

    async def _changed(self, path: str, change: dict[str, Any]) -> None:
        if self.on_change is not None:
            await self.on_change(path, change)

    async def create_notebook(self, path: str, cells: list[dict[str, str]], kernel_name: str) -> Blocks:
        if not path.endswith(".ipynb"):
            raise ToolError(f"a notebook's name must end in .ipynb, got '{path}'")
        async with self.contents.lock(path):
            if await self.contents.exists(path):
                raise ToolError(f"'{path}' already exists: choose another name or edit its cells")
            nb = _v4.new_notebook()
            nb.metadata["kernelspec"] = {
                "name": kernel_name,
                "display_name": kernel_name,
                "language": "python",
            }
            for cell in cells:
                kind = cell.get("cell_type", "code")
                if kind not in ("code", "markdown", "raw"):
                    raise ToolError(f"unknown cell type {kind!r} (code, markdown or raw)")
                nb.cells.append(new_cell(kind, str(cell.get("source", ""))))  # type: ignore[arg-type]
            await self.contents.save_notebook(path, nb)
        return [text(f"created {path} with {len(nb.cells)} cells (kernel {kernel_name})")]

    async def insert_cell(self, path: str, index: int, source: str, cell_type: CellType) -> Blocks:
        async with self.contents.lock(path):
            nb = await self.contents.notebook(path)
            if index == -1:
                index = len(nb.cells)
            _check_index(nb, index, path, inserting=True)
            cell = new_cell(cell_type, source)
            nb.cells.insert(index, cell)
            await self.contents.save_notebook(path, nb)
        await self._changed(path, {"op": "insert", "index": index, "cell": dict(cell)})
        return [text(f"inserted at index {index} of {path}:\n{cell_header(index, cell)}\n{source}")]

    async def replace_cell(self, path: str, index: int, source: str, cell_type: CellType | None) -> Blocks:
        async with self.contents.lock(path):
            nb = await self.contents.notebook(path)
            _check_index(nb, index, path)
            old = nb.cells[index]
            if cell_type is not None and cell_type != old.cell_type:
                cell = new_cell(cell_type, source)
                cell["id"] = old.get("id", cell.get("id"))
                nb.cells[index] = cell
            else:
                cell = old
                cell.source = source
                if cell.cell_type == "code":  # the outputs were of the old source
                    cell.outputs = []
                    cell.execution_count = None
            await self.contents.save_notebook(path, nb)
        await self._changed(path, {"op": "replace", "index": index, "cell": dict(cell)})
        return [text(f"replaced cell {index} of {path}:\n{cell_header(index, cell)}\n{source}")]

    async def delete_cell(self, path: str, index: int) -> Blocks:
        async with self.contents.lock(path):
            nb = await self.contents.notebook(path)
            _check_index(nb, index, path)
            cell = nb.cells.pop(index)
            await self.contents.save_notebook(path, nb)
        await self._changed(path, {"op": "delete", "index": index, "cell": dict(cell)})
        return [text(f"deleted cell {index} of {path} ({len(nb.cells)} cells left); it was:\n{cell.source}")]

    async def set_outputs(
        self, path: str, index: int, outputs: list[dict[str, Any]], count: int | None
    ) -> None:
        """Store a run's outputs in the cell (if the cell is still there)."""
        async with self.contents.lock(path):
            nb = await self.contents.notebook(path)
            if not 0 <= index < len(nb.cells) or nb.cells[index].cell_type != "code":
                return
            cell = nb.cells[index]
            cell.outputs = [_from_dict(o) for o in outputs]
            cell.execution_count = count
            await self.contents.save_notebook(path, nb)
        await self._changed(path, {"op": "outputs", "index": index, "cell": dict(cell)})
