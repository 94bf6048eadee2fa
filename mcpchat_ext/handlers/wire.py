"""The wire protocol module, loaded on first use.

Building the pydantic models of :mod:`mcpchat_ext.protocol` is most of what loading the extension
would cost; the handlers only need them when the first request arrives, so they reach the module
through this lazy proxy (the standard library's ``LazyLoader``) and Jupyter starts faster.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType
from typing import TYPE_CHECKING


def lazy_module(name: str) -> ModuleType:
    """``name``, imported when one of its attributes is first used (at once if already loaded)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ImportError(name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module


if TYPE_CHECKING:
    from .. import protocol as protocol
else:
    protocol = lazy_module("mcpchat_ext.protocol")
