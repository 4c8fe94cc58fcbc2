"""The one error the tools raise, and the translation of ``OSError`` into it.

A :class:`ToolError` is not a bug: the agent wrapper hands ``str(exc)`` to the model
as the tool's result, so every message is a complete sentence that says what went
wrong and, where there is one, what to do instead.
"""

from __future__ import annotations

import errno

__all__ = ["ToolError", "from_os_error"]


class ToolError(Exception):
    """A tool failed in a way the model should read and can recover from."""


def from_os_error(exc: OSError, shown: str, action: str) -> ToolError:
    """Describe ``exc``, raised while trying to ``action`` the path ``shown``.

    ``action`` is a verb phrase such as "read" or "list"; ``shown`` is the path as the
    model wrote it, so the message points at something the model recognises.
    """
    if isinstance(exc, FileNotFoundError):
        return ToolError(f"{shown} does not exist.")
    if isinstance(exc, PermissionError):
        return ToolError(f"Permission denied: cannot {action} {shown}.")
    if isinstance(exc, IsADirectoryError):
        return ToolError(f"{shown} is a directory, not a file; use list_directory to see "
                         "its entries.")
    if isinstance(exc, NotADirectoryError):
        return ToolError(f"{shown} is not a directory, or a part of its path is a file.")
    if exc.errno == errno.ENAMETOOLONG:
        return ToolError(f"The path {shown} is too long.")
    reason = exc.strerror or str(exc) or type(exc).__name__
    return ToolError(f"Could not {action} {shown}: {reason}.")
