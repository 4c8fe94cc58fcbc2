"""The reading tools: ``read_file`` and ``list_directory``.

Both run their file system work in a worker thread (a slow disk or network mount must
not stall every tab's event loop) and cap what they return (see ``_limits``).
"""

from __future__ import annotations

import asyncio
import math
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ._errors import ToolError, from_os_error
from ._limits import (
    BINARY_SNIFF_BYTES,
    LIST_MAX_ENTRIES,
    READ_COUNT_MAX_BYTES,
    READ_MAX_BYTES,
    READ_MAX_LINE_CHARS,
    READ_MAX_LINES,
    clip_line,
)
from ._paths import resolve

__all__ = ["is_binary", "list_directory", "read_file", "require_regular_file"]


async def read_file(cwd: Path, path: str, offset: int | None = None,
                    limit: int | None = None) -> str:
    """Return lines of the text file ``path``, without line numbers.

    ``offset`` is the first line to return (1-based, default 1) and ``limit`` how many
    lines to return (default: up to the cap). When the result is not the whole file, a
    final note says which lines it shows and how many the file has.
    """
    first = 1 if offset is None else offset
    if first < 1:
        raise ToolError(f"offset is the first line to read, counting from 1, so it must be "
                        f"1 or more; it was {offset}.")
    if limit is not None and limit < 1:
        raise ToolError(f"limit is the number of lines to read, so it must be 1 or more; "
                        f"it was {limit}.")
    target = resolve(cwd, path)
    shown = path or str(target)
    try:
        return await asyncio.to_thread(_read_lines, target, shown, first, limit)
    except OSError as exc:
        raise from_os_error(exc, shown, "read") from exc


async def list_directory(cwd: Path, path: str | None = None) -> str:
    """List the directory ``path`` (default: the working directory), one entry a line.

    Entries are sorted by name; directories end in ``/``, files show their size and
    symbolic links show where they point.
    """
    target = resolve(cwd, path)
    shown = path or str(target)
    try:
        return await asyncio.to_thread(_list, target, shown)
    except OSError as exc:
        raise from_os_error(exc, shown, "list") from exc


def is_binary(head: bytes) -> bool:
    """Whether a file whose first bytes are ``head`` is binary: it holds a NUL byte."""
    return b"\0" in head


def require_regular_file(target: Path, shown: str) -> os.stat_result:
    """Stat ``target`` and refuse directories, devices, pipes and sockets.

    Opening a FIFO or a device such as ``/dev/zero`` would block or never end, so the
    file tools check before they open anything.
    """
    info = os.stat(target)
    if stat.S_ISDIR(info.st_mode):
        raise ToolError(f"{shown} is a directory, not a file; use list_directory to see "
                        "its entries.")
    if not stat.S_ISREG(info.st_mode):
        raise ToolError(f"{shown} is not a regular file (it is a device, pipe or socket), "
                        "so it cannot be read as text.")
    return info


def _read_lines(target: Path, shown: str, first: int, limit: int | None) -> str:
    info = require_regular_file(target, shown)
    wanted = math.inf if limit is None else limit
    lines: list[str] = []
    used = total = 0
    capped = partial_count = False
    with open(target, "rb") as file:
        if is_binary(file.read(BINARY_SNIFF_BYTES)):
            raise ToolError(f"{shown} is a binary file ({info.st_size} bytes); read_file only "
                            "reads text.")
        file.seek(0)
        full = False  # the window filled up before the end of the file
        for raw, cut in _bounded_lines(file, READ_MAX_LINE_CHARS * 4):
            total += 1
            if total < first:
                continue
            if len(lines) >= wanted:
                full = True
                break
            if len(lines) >= READ_MAX_LINES or (lines and used + len(raw) > READ_MAX_BYTES):
                full = capped = True
                break
            text = raw.decode("utf-8", "replace").rstrip("\r\n")
            lines.append(clip_line(text, READ_MAX_LINE_CHARS, cut=cut))
            used += len(raw)
        if full:
            # The window is full; the note still reports the file's length, counted at
            # C speed and only so far (a multi-gigabyte log would take seconds).
            more, partial_count = _count_lines(file, READ_COUNT_MAX_BYTES)
            total += more
    if total == 0:
        return f"({shown} is empty.)"
    if first > total:
        raise ToolError(f"offset {first} is past the end of {shown}, which has {total} "
                        f"line{'s' if total != 1 else ''}.")
    last = first + len(lines) - 1
    body = "\n".join(lines)
    of = f"of at least {total} ({info.st_size} bytes)" if partial_count else f"of {total}"
    if capped:
        return (f"{body}\n\n[truncated: showing lines {first}-{last} {of}; "
                "use offset/limit to read more]")
    if first > 1 or last < total:
        return f"{body}\n\n[showing lines {first}-{last} {of}]"
    return body


def _count_lines(file: BinaryIO, budget: int) -> tuple[int, bool]:
    """Count the lines left in ``file`` within ``budget`` bytes; True if it ran out first."""
    count = 0
    last = b"\n"
    while budget > 0 and (chunk := file.read(min(1 << 20, budget))):
        count += chunk.count(b"\n")
        last = chunk[-1:]
        budget -= len(chunk)
    if last != b"\n":
        count += 1  # a last line without a line break
    return count, budget <= 0 and bool(file.read(1))


def _bounded_lines(file: BinaryIO, max_bytes: int) -> Iterator[tuple[bytes, bool]]:
    """Yield each line's first ``max_bytes`` bytes and whether the rest was dropped.

    Reading in bounded pieces keeps a minified file's one giant line out of memory.
    """
    while piece := file.readline(max_bytes):
        cut = False
        if len(piece) == max_bytes and not piece.endswith(b"\n"):
            while rest := file.readline(max_bytes):
                cut = True
                if rest.endswith(b"\n"):
                    break
        yield piece, cut


def _list(target: Path, shown: str) -> str:
    if not stat.S_ISDIR(os.stat(target).st_mode):
        raise ToolError(f"{shown} is a file, not a directory; use read_file to read it.")
    with os.scandir(target) as scan:
        entries = sorted(scan, key=lambda e: (e.name.casefold(), e.name))
    if not entries:
        return f"({shown} is empty.)"
    lines = [_describe(entry) for entry in entries[:LIST_MAX_ENTRIES]]
    if len(entries) > LIST_MAX_ENTRIES:
        lines.append(f"\n[truncated: showing {LIST_MAX_ENTRIES} of {len(entries)} entries; "
                     "list a subdirectory or use search_files to narrow down]")
    return "\n".join(lines)


def _describe(entry: os.DirEntry[str]) -> str:
    link = ""
    try:
        if entry.is_symlink():
            link = f" -> {os.readlink(entry.path)}"
        info = entry.stat()  # follows links: a link to a directory lists as one
    except FileNotFoundError:
        return f"{entry.name}{link}  (broken link)"
    except OSError:
        return f"{entry.name}{link}  (cannot stat)"
    if stat.S_ISDIR(info.st_mode):
        return f"{entry.name}/{link}"
    if not stat.S_ISREG(info.st_mode):
        return f"{entry.name}{link}  (special file)"
    return f"{entry.name}{link}  {_size(info.st_size)}"


def _size(n: int) -> str:
    """A human-readable size: 512 B, 3.4 KB, 1.2 MB."""
    if n < 1024:
        return f"{n} B"
    value = n / 1024
    for unit in ("KB", "MB", "GB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"
