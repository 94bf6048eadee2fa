"""The ``jupyter`` tools where there is no Jupyter server: inside the kernel the engine runs in."""

from __future__ import annotations

from .provider import KernelTools

__all__ = ["KernelTools"]
