"""What the ``jupyter`` tools act on: the backend protocol both toolsets implement.

The tool definitions (names, argument schemas, annotations; see :mod:`.server`) are written once,
against this protocol. Two backends implement it: :class:`~.toolbox.JupyterToolbox` (inside a
Jupyter server: its contents, kernels and authorizer, as the visiting user) and
:class:`~.in_kernel.toolbox.KernelToolbox` (inside a kernel: the running IPython shell and the
kernel's working directory). ``offered`` names the tools a backend serves (None: every tool).
"""

from __future__ import annotations

from typing import Protocol

from .contents import Blocks
from .edits import CellType


class JupyterBackend(Protocol):
    @property
    def offered(self) -> frozenset[str] | None: ...

    async def list_files(self, path: str = "") -> Blocks: ...

    async def read_file(self, path: str) -> Blocks: ...

    async def read_notebook(self, path: str, include_outputs: bool = True) -> Blocks: ...

    async def read_open_notebook(self, path: str) -> Blocks: ...

    async def create_notebook(
        self, path: str, cells: list[dict[str, str]] | None = None, kernel_name: str = ""
    ) -> Blocks: ...

    async def insert_cell(
        self, path: str, index: int, source: str, cell_type: CellType = "code"
    ) -> Blocks: ...

    async def replace_cell(
        self, path: str, index: int, source: str, cell_type: CellType | None = None
    ) -> Blocks: ...

    async def delete_cell(self, path: str, index: int) -> Blocks: ...

    async def execute_code(self, path: str, code: str, timeout: float | None = None) -> Blocks: ...

    async def run_cell(self, path: str, index: int, timeout: float | None = None) -> Blocks: ...

    async def list_variables(self, path: str) -> Blocks: ...

    async def inspect_variable(self, path: str, name: str) -> Blocks: ...
