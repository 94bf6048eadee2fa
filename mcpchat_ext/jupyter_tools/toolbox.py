"""The ``jupyter`` tools of one visitor: each checks the visitor's permission, then does its work.

Permissions (the server's authorizer, see access.py): reading files and notebooks needs
``read contents``; editing needs ``write contents``; running code or reading variables needs
``execute kernels`` (and ``write sessions`` to start a notebook's kernel).
"""

from __future__ import annotations

from typing import Any

from .access import (
    EXECUTE_KERNELS,
    READ_CONTENTS,
    WRITE_CONTENTS,
    WRITE_SESSIONS,
    ToolError,
    VisitorAccess,
)
from .contents import Blocks, Contents, cell_blocks, text
from .edits import CellType, NotebookEdits
from .kernels import Kernels, Run
from .live import OpenNotebooks
from .outputs import output_blocks
from .variables import INSPECT_LIMIT, LIST_LIMIT, inspection, listing, probe_answer, probe_expression


def frontend_cell(cell: dict[str, Any]) -> dict[str, Any]:
    """A cell as a JupyterLab model gave it, in nbformat's shape (sources joined, outputs dicts)."""
    source = cell.get("source", "")
    return {
        "cell_type": str(cell.get("cell_type", "code")),
        "source": "".join(map(str, source)) if isinstance(source, list) else str(source),
        "outputs": [o for o in cell.get("outputs") or [] if isinstance(o, dict)],
        "execution_count": cell.get("execution_count"),
    }


def run_blocks(run: Run, what: str, timeout: float) -> Blocks:
    count = f" [{run.execution_count}]" if run.execution_count is not None else ""
    if run.status == "timeout":
        head = f"{what}: timed out after {timeout:g} s; the kernel was interrupted (outputs so far below)"
    else:
        head = f"{what}{count}: {'finished' if run.status == 'ok' else 'raised an error'}"
    blocks: Blocks = [text(head if run.outputs else f"{head} (no output)")]
    for output in run.outputs:
        blocks.extend(output_blocks(output))
    return blocks


class JupyterToolbox:
    def __init__(
        self,
        access: VisitorAccess,
        contents: Contents,
        edits: NotebookEdits,
        kernels: Kernels,
        *,
        max_timeout: float,
        open_notebooks: OpenNotebooks | None = None,
        offered: frozenset[str] | None = None,
    ) -> None:
        """``max_timeout``: the longest a run may take (kept below the chat's tool timeout);
        ``open_notebooks``: asks the user's JupyterLab for an open notebook's unsaved state;
        ``offered``: the tools served (None: all)."""
        self._offered = offered
        self.open_notebooks = open_notebooks
        self.access = access
        self.contents = contents
        self.edits = edits
        self.kernels = kernels
        self.max_timeout = max_timeout

    @property
    def offered(self) -> frozenset[str] | None:
        return self._offered

    def _timeout(self, asked: float | None) -> float:
        return max(1.0, min(asked or self.max_timeout, self.max_timeout))

    # -- files and notebooks ----------------------------------------------------------------

    async def list_files(self, path: str = "") -> Blocks:
        await self.access.require(READ_CONTENTS)
        return await self.contents.list_files(path.strip("/"))

    async def read_file(self, path: str) -> Blocks:
        await self.access.require(READ_CONTENTS)
        return await self.contents.read_file(path.strip("/"))

    async def read_notebook(self, path: str, include_outputs: bool = True) -> Blocks:
        await self.access.require(READ_CONTENTS)
        return await self.contents.read_notebook(path.strip("/"), outputs=include_outputs)

    async def read_open_notebook(self, path: str) -> Blocks:
        await self.access.require(READ_CONTENTS)
        path = path.strip("/")
        state = None
        if self.open_notebooks is not None:
            state = await self.open_notebooks.request(self.access.user, path)
        if state is None:
            saved = await self.contents.read_notebook(path)
            return [
                text(f"{path} is not open in your JupyterLab (no answer): its saved file follows"),
                *saved,
            ]
        cells = [frontend_cell(c) for c in state.get("cells") or [] if isinstance(c, dict)]
        status = "with unsaved changes" if state.get("dirty") else "saved"
        blocks: Blocks = [
            text(f"open notebook {path} as your JupyterLab shows it ({status}): {len(cells)} cells")
        ]
        for index, cell in enumerate(cells):
            blocks.extend(cell_blocks(index, cell))
        return blocks

    async def create_notebook(
        self, path: str, cells: list[dict[str, str]] | None = None, kernel_name: str = ""
    ) -> Blocks:
        await self.access.require(READ_CONTENTS, WRITE_CONTENTS)
        kernel = kernel_name or self.kernels.km.default_kernel_name
        return await self.edits.create_notebook(path.strip("/"), list(cells or []), kernel)

    async def insert_cell(self, path: str, index: int, source: str, cell_type: CellType = "code") -> Blocks:
        await self.access.require(READ_CONTENTS, WRITE_CONTENTS)
        return await self.edits.insert_cell(path.strip("/"), index, source, cell_type)

    async def replace_cell(
        self, path: str, index: int, source: str, cell_type: CellType | None = None
    ) -> Blocks:
        await self.access.require(READ_CONTENTS, WRITE_CONTENTS)
        return await self.edits.replace_cell(path.strip("/"), index, source, cell_type)

    async def delete_cell(self, path: str, index: int) -> Blocks:
        await self.access.require(READ_CONTENTS, WRITE_CONTENTS)
        return await self.edits.delete_cell(path.strip("/"), index)

    # -- kernels ----------------------------------------------------------------------------

    async def _kernel(self, path: str, *, start: bool = True) -> str:
        kernel = await self.kernels.kernel_of(path)
        if kernel is None:
            if not start:
                raise ToolError(f"'{path}' has no running kernel: run a cell first")
            await self.access.require(WRITE_SESSIONS)
            kernel = await self.kernels.start_for(path)
        return kernel

    async def execute_code(self, path: str, code: str, timeout: float | None = None) -> Blocks:
        await self.access.require(READ_CONTENTS, EXECUTE_KERNELS)
        path = path.strip("/")
        await self.contents.notebook(path)  # (a clear error for a path that is not a notebook)
        seconds = self._timeout(timeout)
        run = await self.kernels.execute(await self._kernel(path), code, seconds)
        return run_blocks(run, f"code run in the kernel of {path}", seconds)

    async def run_cell(self, path: str, index: int, timeout: float | None = None) -> Blocks:
        await self.access.require(READ_CONTENTS, WRITE_CONTENTS, EXECUTE_KERNELS)
        path = path.strip("/")
        nb = await self.contents.notebook(path)
        if not 0 <= index < len(nb.cells):
            raise ToolError(f"cell index {index} is out of range: '{path}' has cells 0..{len(nb.cells) - 1}")
        cell = nb.cells[index]
        if cell.cell_type != "code":
            raise ToolError(f"cell {index} of '{path}' is a {cell.cell_type} cell, not code")
        seconds = self._timeout(timeout)
        run = await self.kernels.execute(await self._kernel(path), cell.source, seconds)
        await self.edits.set_outputs(path, index, run.outputs, run.execution_count)
        return run_blocks(run, f"ran cell {index} of {path}", seconds)

    async def _probe(self, path: str, target: str | None, limit: int) -> Any:
        await self.access.require(READ_CONTENTS, EXECUTE_KERNELS)
        expression = probe_expression(target, limit)
        kernel = await self._kernel(path.strip("/"), start=False)
        run = await self.kernels.execute(
            kernel, "", self._timeout(None), silent=True, user_expressions={"probe": expression}
        )
        if run.status == "timeout":
            raise ToolError("the kernel is busy (it did not answer in time); try again when it is idle")
        return probe_answer(run.user_expressions)

    async def list_variables(self, path: str) -> Blocks:
        found = await self._probe(path, None, LIST_LIMIT)
        return [text(listing(found, f"the kernel of {path}"))]

    async def inspect_variable(self, path: str, name: str) -> Blocks:
        found = await self._probe(path, name, INSPECT_LIMIT)
        return [text(inspection(found, f"the kernel of {path}"))]
