"""Running code in the IPython shell this engine runs in, its outputs captured as nbformat outputs.

The chat engine of the Python API and of the notebook widget (kernel transport) runs on the
kernel's own event loop, often while a cell of the user is executing (``await chat.ask(...)``).
Asking the kernel to execute through its messaging (an ``execute_request`` of our own) would then
wait behind that very cell: a deadlock. So the code runs *in* the shell, on the loop's thread,
through ``shell.run_cell_async`` (IPython's transformations, magics, top-level ``await``), exactly
as a cell would, while its output is captured instead of published:

- ``sys.stdout``/``sys.stderr`` write stream outputs (consecutive text of a stream joined);
- the shell's display publisher and display hook record ``display_data`` / ``execute_result``
  with IPython's own formatters (images base64, as Jupyter sends them);
- the shell's traceback hook records the ``error`` output (with IPython's traceback lines).

After ``timeout`` seconds a watchdog thread interrupts the run as a kernel interrupt does (SIGINT
to the loop's thread, Python's KeyboardInterrupt handler installed for the run: an idle kernel
ignores SIGINT; elsewhere than the main thread, an asynchronous KeyboardInterrupt). The user's own
"interrupt kernel" stops the run the same way. The run then ends with
status "timeout" and the outputs so far.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import io
import signal
import sys
import threading
from collections.abc import Iterator
from typing import Any

from ..kernels import Run
from ..outputs import merge_stream


class _Stream(io.TextIOBase):
    """A text stream whose writes become stream outputs."""

    def __init__(self, name: str, outputs: list[dict[str, Any]]) -> None:
        self.name_ = name
        self.outputs = outputs

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if text:
            merge_stream(self.outputs, {"output_type": "stream", "name": self.name_, "text": str(text)})
        return len(text)


def _encoded(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with binary values base64-encoded (as Jupyter's messages carry them)."""
    import base64

    return {k: base64.b64encode(v).decode("ascii") if isinstance(v, bytes) else v for k, v in data.items()}


class _Capture:
    """Where one run's outputs go; stands in for the shell's publisher and hooks."""

    def __init__(self, shell: Any, outputs: list[dict[str, Any]]) -> None:
        self.shell = shell
        self.outputs = outputs

    # display publisher (IPython.core.displaypub.DisplayPublisher's interface)
    def publish(
        self, data: dict[str, Any], metadata: dict[str, Any] | None = None, *a: Any, **kw: Any
    ) -> None:
        self.outputs.append(
            {"output_type": "display_data", "data": _encoded(dict(data)), "metadata": dict(metadata or {})}
        )

    def clear_output(self, wait: bool = False) -> None:
        self.outputs.clear()

    is_publishing = False  # (asked by IPython's output history)

    # display hook: the value of the cell's last expression
    def hook(self, value: Any = None) -> None:
        if value is None:
            return
        data, metadata = self.shell.display_formatter.format(value)
        self.outputs.append(
            {"output_type": "execute_result", "data": _encoded(data), "metadata": dict(metadata or {})}
        )

    # traceback hook (InteractiveShell._showtraceback)
    def traceback(self, etype: Any, evalue: Any, stb: list[str]) -> None:
        self.outputs.append(
            {
                "output_type": "error",
                "ename": getattr(etype, "__name__", str(etype)),
                "evalue": str(evalue),
                "traceback": [str(line) for line in stb],
            }
        )


@contextlib.contextmanager
def captured(shell: Any, outputs: list[dict[str, Any]]) -> Iterator[None]:
    """Route the shell's output of the code run inside into ``outputs``."""
    capture = _Capture(shell, outputs)
    trap = shell.display_trap
    saved = (sys.stdout, sys.stderr, sys.displayhook, shell.display_pub, trap.hook)
    had_traceback = "_showtraceback" in vars(shell)
    old_traceback = vars(shell).get("_showtraceback")
    sys.stdout, sys.stderr = _Stream("stdout", outputs), _Stream("stderr", outputs)
    shell.display_pub = capture
    trap.hook = sys.displayhook = capture.hook
    shell._showtraceback = capture.traceback
    try:
        yield
    finally:
        sys.stdout, sys.stderr, sys.displayhook, shell.display_pub, trap.hook = saved
        if had_traceback:
            shell._showtraceback = old_traceback
        else:
            del shell._showtraceback


class _Watchdog:
    """Interrupts the run on the current thread after ``timeout`` seconds (once)."""

    def __init__(self, timeout: float) -> None:
        self.thread = threading.current_thread()
        self.running = False
        self.fired = False
        self._lock = threading.Lock()
        self._timer = threading.Timer(timeout, self._fire)
        self._timer.daemon = True
        self._main = self.thread is threading.main_thread()
        self._saved: Any = None

    def _fire(self) -> None:
        with self._lock:
            if not self.running:
                return
            self.fired = True
            if self._main:
                signal.pthread_kill(self.thread.ident or 0, signal.SIGINT)
            else:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(
                    ctypes.c_ulong(self.thread.ident or 0), ctypes.py_object(KeyboardInterrupt)
                )

    def __enter__(self) -> _Watchdog:
        if self._main:
            self._saved = signal.signal(signal.SIGINT, signal.default_int_handler)
        self.running = True
        self._timer.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        with self._lock:
            self.running = False
        self._timer.cancel()
        if self._main:
            signal.signal(signal.SIGINT, self._saved)


class Shell:
    """The IPython shell of this process (``get_ipython()``), run as a kernel of the tools."""

    def __init__(self, shell: Any) -> None:
        self.shell = shell
        self._lock = asyncio.Lock()  # one run at a time (the shell has one namespace, one trap)

    @classmethod
    def current(cls) -> Shell | None:
        """The running IPython shell, if this process has one (a kernel, IPython)."""
        try:
            from IPython import get_ipython
        except ImportError:
            return None
        shell = get_ipython()
        return None if shell is None else cls(shell)

    async def execute(self, code: str, timeout: float) -> Run:
        """Run ``code`` as a cell (not stored in the history); interrupted after ``timeout`` s."""
        outputs: list[dict[str, Any]] = []
        async with self._lock:
            watchdog = _Watchdog(timeout)
            try:
                with captured(self.shell, outputs), watchdog:
                    result = await self._run(code)
            except KeyboardInterrupt:  # (the interrupt landed outside the user's code)
                return Run("timeout", outputs)
        if watchdog.fired:
            return Run("timeout", outputs)
        failed = result.error_before_exec is not None or result.error_in_exec is not None
        return Run("error" if failed else "ok", outputs)

    async def _run(self, code: str) -> Any:
        """``code`` through IPython's transformations (magics, ``!``), as ipykernel runs a cell."""
        error: Any = None
        try:
            cell = self.shell.transform_cell(code)
        except Exception:
            cell, error = code, sys.exc_info()
        return await self.shell.run_cell_async(
            code, store_history=False, silent=False, transformed_cell=cell, preprocessing_exc_tuple=error
        )

    def probe(self, expression: str) -> dict[str, Any]:
        """The user expression ``probe`` evaluated in the shell's namespace (a kernel's reply shape)."""
        answer: dict[str, Any] = self.shell.user_expressions({"probe": expression})
        return answer
