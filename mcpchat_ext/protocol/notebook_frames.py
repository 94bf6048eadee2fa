"""Server -> client: a ``jupyter`` tool changed a notebook, so the open JupyterLab view follows."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from .base import _Model


class NotebookChangedFrame(_Model):
    """Sent to the acting user's clients after an edit (the file on disk is already changed):
    a clean open notebook reloads, one with unsaved edits gets the same change applied."""

    type: Literal["notebook_changed"] = "notebook_changed"
    path: str
    op: Literal["insert", "replace", "delete", "outputs"]
    index: int
    cell: dict[str, Any]  # the nbformat cell after the change (before it, for delete)


class NotebookRequestFrame(_Model):
    """Server -> client: the ``read_open_notebook`` tool asks the user's JupyterLab for the open
    notebook's current (unsaved) state; answered with the ``notebooks.answer`` RPC."""

    type: Literal["notebook_request"] = "notebook_request"
    request_id: str
    path: str


class NotebookAnswer(_Model):
    """``notebooks.answer`` params: whether the notebook is open, unsaved, and its cells
    (nbformat dicts: cell_type, source, outputs) as the frontend's model holds them."""

    request_id: str = Field(min_length=1, max_length=64)
    open: bool
    dirty: bool = False
    cells: list[dict[str, Any]] = Field(default_factory=list)
