"""The root a tool's path may not leave, symlinks included.

The contents manager refuses ``..`` and absolute paths that leave its root directory, but follows
symlinks: a link inside the root to ``/etc`` or another user's home would let a model's call read
or write there. Both toolsets check every path with :func:`check_inside` first (the symlinks
resolved on disk, in a thread), so a call only ever touches files below the root.
"""

from __future__ import annotations

import asyncio
import os

from .access import ToolError


def _outside(root: str, path: str) -> bool:
    real_root = os.path.realpath(root)
    target = os.path.realpath(os.path.join(real_root, path.lstrip("/")))
    return target != real_root and not target.startswith(real_root.rstrip(os.sep) + os.sep)


async def check_inside(root: str, path: str, verb: str = "read") -> None:
    """ToolError unless ``path`` (relative to ``root``) stays inside ``root`` once resolved."""
    if "\0" in path or await asyncio.to_thread(_outside, root, path):
        raise ToolError(
            f"cannot {verb} '{path}': it is outside the root directory (paths, and the links they "
            "go through, must stay below it); use a path relative to the root"
        )
