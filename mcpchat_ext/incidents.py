"""Unexpected errors: a short message with a reference for the client, the details in the log.

No traceback or exception text of an unexpected error reaches a client (it may hold internals or
secrets): the client gets ``internal error (ref 3f2a9c): see the server log`` and the log gets the
traceback under the same reference. A storage failure is no bug: it becomes the
:class:`~mcpchat_ext.errors.StorageError` that names the file and the remedy, logged as one line.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from .errors import ChatExtError, InternalError


def new_ref() -> str:
    """A short random reference that ties a client's error message to its log entry."""
    return secrets.token_hex(3)


def incident(log: logging.Logger | logging.LoggerAdapter[Any], exc: BaseException, what: str) -> ChatExtError:
    """Log ``exc`` (``what`` failed) and return the error to show the client instead."""
    from .store.faults import storage_error  # (sqlite3 only: stays off the start-up path)

    storage = storage_error(exc)
    if storage is not None:
        log.warning("%s: %s", what, storage)
        return storage
    ref = new_ref()
    log.error("%s (ref %s)", what, ref, exc_info=exc)
    return InternalError(f"internal error (ref {ref}): see the server log")
