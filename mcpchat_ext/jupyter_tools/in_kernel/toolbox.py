"""The ``jupyter`` tools inside a kernel: the running IPython shell and the working directory.

Where the Python API or the notebook widget (kernel transport) runs the chat engine there is no
Jupyter server: these tools act on the kernel they run in. Files and notebooks are those below the
kernel's working directory (:mod:`.files`: jupyter-server's path rules, symlinks resolved, see
paths.py); code runs in this shell (:mod:`.shell`); variables are this shell's. The user runs the
kernel as themselves, so there is no authorizer to ask: every call still waits for the user's
approval (the widget's card, the API's approver).

Not offered here: ``read_open_notebook`` (no JupyterLab frontend answers a kernel), and without an
IPython shell (a plain Python script) the tools that run code or read variables.
"""

from __future__ import annotations

from ..access import ToolError
from ..contents import Blocks, Contents, text
from ..edits import CellType, NotebookEdits
from ..server import TOOLS
from ..toolbox import run_blocks
from ..variables import INSPECT_LIMIT, LIST_LIMIT, inspection, listing, probe_answer, probe_expression
from .shell import Shell

NOT_HERE = frozenset({"read_open_notebook"})
NEEDS_SHELL = frozenset({"execute_code", "run_cell", "list_variables", "inspect_variable"})
KERNEL = "the kernel this chat runs in"


class KernelToolbox:
    def __init__(
        self,
        contents: Contents,
        edits: NotebookEdits,
        shell: Shell | None,
        *,
        max_timeout: float,
        kernel_name: str = "python3",
    ) -> None:
        self.contents = contents
        self.edits = edits
        self.shell = shell
        self.max_timeout = max_timeout
        self.kernel_name = kernel_name

    @property
    def offered(self) -> frozenset[str] | None:
        hidden = NOT_HERE | (NEEDS_SHELL if self.shell is None else frozenset())
        return frozenset(t.name for t in TOOLS if t.name not in hidden)

    def _shell(self) -> Shell:
        if self.shell is None:  # (not offered then; a direct call still gets a clear answer)
            raise ToolError("this Python process has no IPython shell: run the chat in a notebook")
        return self.shell

    def _timeout(self, asked: float | None) -> float:
        return max(1.0, min(asked or self.max_timeout, self.max_timeout))

    # -- files and notebooks (below the kernel's working directory) ------------------------

    async def list_files(self, path: str = "") -> Blocks:
        return await self.contents.list_files(path.strip("/"))

    async def read_file(self, path: str) -> Blocks:
        return await self.contents.read_file(path.strip("/"))

    async def read_notebook(self, path: str, include_outputs: bool = True) -> Blocks:
        return await self.contents.read_notebook(path.strip("/"), outputs=include_outputs)

    async def read_open_notebook(self, path: str) -> Blocks:
        raise ToolError(
            "read_open_notebook needs JupyterLab (the chat runs in a kernel here): use read_notebook"
        )

    async def create_notebook(
        self, path: str, cells: list[dict[str, str]] | None = None, kernel_name: str = ""
    ) -> Blocks:
        return await self.edits.create_notebook(
            path.strip("/"), list(cells or []), kernel_name or self.kernel_name
        )

    async def insert_cell(self, path: str, index: int, source: str, cell_type: CellType = "code") -> Blocks:
        return await self.edits.insert_cell(path.strip("/"), index, source, cell_type)

    async def replace_cell(
        self, path: str, index: int, source: str, cell_type: CellType | None = None
    ) -> Blocks:
        return await self.edits.replace_cell(path.strip("/"), index, source, cell_type)

    async def delete_cell(self, path: str, index: int) -> Blocks:
        return await self.edits.delete_cell(path.strip("/"), index)

    # -- this kernel -------------------------------------------------------------------------

    async def execute_code(self, path: str, code: str, timeout: float | None = None) -> Blocks:
        """Runs in this kernel whichever notebook ``path`` names (there is no other kernel here)."""
        seconds = self._timeout(timeout)
        run = await self._shell().execute(code, seconds)
        return run_blocks(run, f"code run in {KERNEL}", seconds)

    async def run_cell(self, path: str, index: int, timeout: float | None = None) -> Blocks:
        shell = self._shell()
        path = path.strip("/")
        nb = await self.contents.notebook(path)
        if not 0 <= index < len(nb.cells):
            raise ToolError(f"cell index {index} is out of range: '{path}' has cells 0..{len(nb.cells) - 1}")
        cell = nb.cells[index]
        if cell.cell_type != "code":
            raise ToolError(f"cell {index} of '{path}' is a {cell.cell_type} cell, not code")
        seconds = self._timeout(timeout)
        run = await shell.execute(cell.source, seconds)
        await self.edits.set_outputs(path, index, run.outputs, None)
        return run_blocks(run, f"ran cell {index} of {path} in {KERNEL}", seconds)

    async def list_variables(self, path: str) -> Blocks:
        found = probe_answer(self._shell().probe(probe_expression(None, LIST_LIMIT)))
        return [text(listing(found, KERNEL))]

    async def inspect_variable(self, path: str, name: str) -> Blocks:
        found = probe_answer(self._shell().probe(probe_expression(name, INSPECT_LIMIT)))
        return [text(inspection(found, KERNEL))]
