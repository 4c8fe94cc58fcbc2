"""Where a path the model wrote points to.

Relative paths belong to the tab's working directory and ``~`` expands, so the model
can write paths the way a user in that tab would type them. Absolute paths are allowed
anywhere: the user approves every write.
"""

from __future__ import annotations

from pathlib import Path

from ._errors import ToolError

__all__ = ["resolve", "shown_relative"]


def resolve(cwd: Path, path: str | None) -> Path:
    """Return the absolute path that ``path`` names in the working directory ``cwd``.

    ``None`` or an empty string is the working directory itself. Symbolic links are
    left alone: the model sees and edits the path it asked for.
    """
    if path is not None and "\0" in path:
        raise ToolError("The path contains a NUL character; give a plain file path.")
    base = cwd.expanduser()
    if not path:
        return base
    target = Path(path).expanduser()
    return target if target.is_absolute() else base / target


def shown_relative(cwd: Path, target: Path) -> str:
    """Name ``target`` relative to ``cwd`` when it lies inside it, else absolutely.

    Used for paths the tools report (search hits), so the model can pass them straight
    back to another tool.
    """
    try:
        return target.relative_to(cwd.expanduser()).as_posix()
    except ValueError:
        return str(target)
