"""The writing tools: ``write_file`` and ``edit_file``.

The user approves every call before it runs (see ``agent._policy``), so absolute paths
outside the working directory are allowed. Files are written in place, which keeps
their permissions, owner and hard links.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from ._errors import ToolError, from_os_error
from ._limits import BINARY_SNIFF_BYTES, EDIT_MAX_BYTES
from ._paths import resolve
from ._read import is_binary, require_regular_file

__all__ = ["edit_file", "write_file"]


async def write_file(cwd: Path, path: str, content: str) -> str:
    """Create or overwrite ``path`` with ``content`` (UTF-8), creating parent directories."""
    if not path:
        raise ToolError("path is empty; give the path of the file to write.")
    try:
        data = content.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ToolError("content holds characters that cannot be written as UTF-8 "
                        f"({exc.reason}); remove them and try again.") from exc
    target = resolve(cwd, path)
    try:
        return await asyncio.to_thread(_write, target, path, data)
    except OSError as exc:
        raise from_os_error(exc, path, "write") from exc


async def edit_file(cwd: Path, path: str, old_text: str, new_text: str) -> str:
    """Replace the one occurrence of ``old_text`` in ``path`` with ``new_text``.

    ``old_text`` must match exactly (whitespace included) and exactly once; otherwise
    the error says how many times it was found. The file's bytes outside the edit are
    kept as they are, even where they are not valid UTF-8.
    """
    if not old_text:
        raise ToolError("old_text is empty; give the exact text to replace (copy it from "
                        "read_file), or use write_file to create or rewrite a whole file.")
    if old_text == new_text:
        raise ToolError("old_text and new_text are the same, so there is nothing to change.")
    target = resolve(cwd, path)
    shown = path or str(target)
    try:
        return await asyncio.to_thread(_edit, target, shown, old_text, new_text)
    except OSError as exc:
        raise from_os_error(exc, shown, "edit") from exc


def _write(target: Path, shown: str, data: bytes) -> str:
    if target.is_dir():
        raise ToolError(f"{shown} is a directory; give the path of a file to write.")
    existed = target.exists()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as exc:
        raise ToolError(f"Cannot create the directories for {shown}: a part of its path "
                        "is a file.") from exc
    target.write_bytes(data)
    return f"Wrote {len(data)} bytes to {shown} ({'overwrote' if existed else 'created'})."


def _edit(target: Path, shown: str, old: str, new: str) -> str:
    info = require_regular_file(target, shown)
    if info.st_size > EDIT_MAX_BYTES:
        raise ToolError(f"{shown} is too large to edit ({info.st_size} bytes; the limit is "
                        f"{EDIT_MAX_BYTES}); use run_command with a tool such as sed instead.")
    data = target.read_bytes()
    if is_binary(data[:BINARY_SNIFF_BYTES]):
        raise ToolError(f"{shown} is a binary file; edit_file only edits text.")
    # surrogateescape round-trips bytes that are not UTF-8, so the edit touches nothing
    # but the replaced text.
    text = data.decode("utf-8", "surrogateescape")
    start, count = _locate(text, old)
    if count == 0 and "\r\n" in text and "\n" in old and "\r\n" not in old:
        # Models write "\n"; a file with Windows line endings still deserves the edit.
        crlf = old.replace("\n", "\r\n")
        start, count = _locate(text, crlf)
        if count:
            old, new = crlf, new.replace("\r\n", "\n").replace("\n", "\r\n")
    if count == 0:
        raise ToolError(f"old_text was not found in {shown}. It must match the file exactly, "
                        "including whitespace, indentation and line breaks; read the file "
                        "again and copy the text.")
    if count > 1:
        raise ToolError(f"old_text occurs {count} times in {shown}, but it must occur exactly "
                        "once; include more of the surrounding lines to make it unique.")
    updated = text[:start] + new + text[start + len(old):]
    try:
        encoded = updated.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError as exc:
        raise ToolError("new_text holds characters that cannot be written as UTF-8 "
                        f"({exc.reason}); remove them and try again.") from exc
    target.write_bytes(encoded)
    line = text.count("\n", 0, start) + 1
    return (f"Edited {shown} at line {line} (replaced {_line_count(old)} line(s) with "
            f"{_line_count(new)}).")


def _locate(text: str, needle: str) -> tuple[int, int]:
    """The first index of ``needle`` in ``text`` and how often it occurs, overlaps too."""
    first = text.find(needle)
    count = 0
    index = first
    while index != -1:
        count += 1
        index = text.find(needle, index + 1)
    return first, count


def _line_count(text: str) -> int:
    if not text:
        return 0
    return text.count("\n") + (0 if text.endswith("\n") else 1)
