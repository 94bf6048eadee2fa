"""Running code in a notebook's kernel through the Jupyter server's own kernel manager.

The kernel of a notebook is the kernel of its session (the one JupyterLab shows); when it has
none, a session is started for it as JupyterLab would (its kernelspec, else the default). Code
runs through a kernel client of our own on the kernel's channels, with a timeout after which the
kernel is interrupted (and on Stop too); outputs are collected as nbformat outputs.
"""

from __future__ import annotations

import asyncio
import contextlib
import posixpath
from dataclasses import dataclass, field
from typing import Any

from jupyter_core.utils import ensure_async

from .access import ToolError
from .contents import Contents
from .outputs import merge_stream, output_of_message

READY_SECONDS = 30.0  # how long a (just started) kernel may take to answer at all


@dataclass
class Run:
    status: str  # "ok" | "error" | "timeout"
    outputs: list[dict[str, Any]] = field(default_factory=list)
    execution_count: int | None = None
    user_expressions: dict[str, Any] = field(default_factory=dict)


class Kernels:
    def __init__(self, kernel_manager: Any, session_manager: Any, contents: Contents) -> None:
        self.km = kernel_manager
        self.sm = session_manager
        self.contents = contents

    async def kernel_of(self, path: str) -> str | None:
        """The id of the kernel of ``path``'s session, if it has one."""
        for session in await self.sm.list_sessions():
            kernel = session.get("kernel") or {}
            if session.get("path") == path and kernel.get("id") in self.km:
                return str(kernel["id"])
        return None

    async def start_for(self, path: str) -> str:
        """A session (and kernel) for the notebook ``path``, as JupyterLab starts one."""
        nb = await self.contents.notebook(path)
        name = (nb.metadata.get("kernelspec") or {}).get("name") or self.km.default_kernel_name
        try:
            session = await self.sm.create_session(
                path=path, name=posixpath.basename(path), type="notebook", kernel_name=name
            )
        except Exception as exc:  # e.g. no such kernelspec
            raise ToolError(f"cannot start a kernel ({name}) for '{path}': {exc}") from None
        return str(session["kernel"]["id"])

    async def execute(
        self,
        kernel_id: str,
        code: str,
        timeout: float,
        *,
        silent: bool = False,
        user_expressions: dict[str, str] | None = None,
    ) -> Run:
        """Run ``code``; after ``timeout`` seconds the kernel is interrupted (status "timeout")."""
        client = self.km.get_kernel(kernel_id).client()
        client.start_channels()
        outputs: list[dict[str, Any]] = []

        def hook(msg: dict[str, Any]) -> None:
            output = output_of_message(msg)
            if output is not None:
                merge_stream(outputs, output)

        try:
            try:
                # a kernel just started may take a while: that is not the code's time
                await client.wait_for_ready(timeout=max(timeout, READY_SECONDS))
            except RuntimeError as exc:  # did not answer in time, or died
                raise ToolError(f"kernel {kernel_id} is not responding: {exc}") from None
            try:
                reply = await asyncio.wait_for(
                    client.execute_interactive(
                        code,
                        silent=silent,
                        store_history=not silent,
                        user_expressions=user_expressions or {},
                        allow_stdin=False,
                        output_hook=hook,
                        timeout=timeout,
                    ),
                    timeout + 5,
                )
            except (TimeoutError, asyncio.TimeoutError):
                await self._interrupt(kernel_id)
                return Run("timeout", outputs)
            except asyncio.CancelledError:  # the user pressed Stop
                await asyncio.shield(self._interrupt(kernel_id))
                raise
        finally:
            client.stop_channels()
        content = reply.get("content") or {}
        status = "ok" if content.get("status") == "ok" else "error"
        if status == "error" and not any(o["output_type"] == "error" for o in outputs):
            outputs.append(
                {
                    "output_type": "error",
                    "ename": content.get("ename", "Error"),
                    "evalue": content.get("evalue", ""),
                    "traceback": list(content.get("traceback") or []),
                }
            )
        return Run(
            status, outputs, content.get("execution_count"), dict(content.get("user_expressions") or {})
        )

    async def _interrupt(self, kernel_id: str) -> None:
        with contextlib.suppress(Exception):
            await ensure_async(self.km.interrupt_kernel(kernel_id))
