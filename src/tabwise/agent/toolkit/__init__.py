"""The agent's tools, as plain async functions of a working directory.

Placeholder implementations; the tools issue (#3) replaces them. Every function returns
text for the model and raises :class:`ToolError` with a message the model can act on.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["ToolError", "edit_file", "list_directory", "read_file", "run_command",
           "search_files", "write_file"]


class ToolError(Exception):
    """A tool failed in a way the model should read and can recover from."""


async def read_file(cwd: Path, path: str, offset: int | None = None,
                    limit: int | None = None) -> str:
    raise ToolError("read_file is not available yet")


async def list_directory(cwd: Path, path: str | None = None) -> str:
    raise ToolError("list_directory is not available yet")


async def search_files(cwd: Path, pattern: str, path: str | None = None,
                       glob: str | None = None) -> str:
    raise ToolError("search_files is not available yet")


async def write_file(cwd: Path, path: str, content: str) -> str:
    raise ToolError("write_file is not available yet")


async def edit_file(cwd: Path, path: str, old_text: str, new_text: str) -> str:
    raise ToolError("edit_file is not available yet")


async def run_command(cwd: Path, command: str, timeout_seconds: float = 120,
                      shell: str = "/bin/sh") -> str:
    raise ToolError("run_command is not available yet")
