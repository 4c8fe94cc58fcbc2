"""``search_files``: a regular expression over the contents of a tree of files.

A small, dependency-free grep. The walk runs in a worker thread, skips directories
that are huge or generated (``SEARCH_SKIP_DIRS``), binary files and very large files,
and stops at the first ``SEARCH_MAX_MATCHES`` hits, or as soon as the call is
cancelled.
"""

from __future__ import annotations

import asyncio
import fnmatch
import os
import re
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

from ._errors import ToolError, from_os_error
from ._limits import (
    BINARY_SNIFF_BYTES,
    SEARCH_MAX_FILE_BYTES,
    SEARCH_MAX_LINE_CHARS,
    SEARCH_MAX_MATCHES,
    SEARCH_SKIP_DIRS,
    clip_line,
)
from ._paths import resolve, shown_relative
from ._read import is_binary

__all__ = ["search_files"]

_BRACES = re.compile(r"\{([^{}]*)\}")


async def search_files(cwd: Path, pattern: str, path: str | None = None,
                       glob: str | None = None) -> str:
    """Return the lines matching the regular expression ``pattern``, one hit a line.

    Hits read ``relpath:line: text`` (paths relative to the working directory when they
    lie inside it). ``path`` is a directory to walk or one file (default: the working
    directory). ``glob`` keeps only files whose name or path below ``path`` matches,
    e.g. ``*.py``, ``src/**/*.ts`` or ``*.{js,ts}``. Patterns match within one line.
    """
    try:
        regex = re.compile(pattern)
    except re.error as exc:
        raise ToolError(f"The pattern {pattern!r} is not a valid regular expression ({exc}); "
                        "escape characters such as ( [ . * + ? with a backslash to match "
                        "them literally.") from exc
    root = resolve(cwd, path)
    shown = path or str(root)
    stop = threading.Event()
    try:
        return await asyncio.to_thread(_search, regex, root, shown, glob, cwd, stop)
    except OSError as exc:
        raise from_os_error(exc, shown, "search") from exc
    finally:
        # A cancelled to_thread call keeps its thread running; this ends the walk.
        stop.set()


def _search(regex: re.Pattern[str], root: Path, shown: str, glob: str | None, cwd: Path,
            stop: threading.Event) -> str:
    mode = os.stat(root).st_mode
    if stat.S_ISREG(mode):
        with open(root, "rb") as handle:
            if is_binary(handle.read(BINARY_SNIFF_BYTES)):
                raise ToolError(f"{shown} is a binary file; search_files only searches text.")
        files: Iterator[Path] = iter([root])
    elif stat.S_ISDIR(mode):
        files = _walk(root, glob, stop)
    else:
        raise ToolError(f"{shown} is neither a directory nor a regular file.")
    hits: list[str] = []
    searched = 0
    for file in files:
        found = _search_file(file, regex, SEARCH_MAX_MATCHES + 1 - len(hits))
        if found is None:
            continue
        searched += 1
        name = shown_relative(cwd, file)
        hits.extend(f"{name}:{number}: {clip_line(text, SEARCH_MAX_LINE_CHARS)}"
                    for number, text in found)
        if len(hits) > SEARCH_MAX_MATCHES:
            return ("\n".join(hits[:SEARCH_MAX_MATCHES])
                    + f"\n\n[truncated: showing the first {SEARCH_MAX_MATCHES} matches; "
                    "narrow the pattern, path or glob to see the rest]")
    if hits:
        return "\n".join(hits)
    where = f"{shown} (files matching {glob!r})" if glob else shown
    return (f"No matches for {regex.pattern!r} in {where}; searched {searched} text "
            f"file{'s' if searched != 1 else ''}.")


def _walk(root: Path, glob: str | None, stop: threading.Event) -> Iterator[Path]:
    """Yield the files below ``root`` in a stable order, pruning skipped directories."""
    patterns = _glob_variants(glob) if glob else []
    # Unreadable subdirectories are skipped quietly (os.walk's default), like grep -s.
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SEARCH_SKIP_DIRS)
        for name in sorted(filenames):
            if stop.is_set():
                return
            file = Path(dirpath, name)
            if patterns:
                relative = file.relative_to(root).as_posix()
                if not any(fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(relative, p)
                           for p in patterns):
                    continue
            yield file


def _glob_variants(glob: str) -> list[str]:
    """Expand ``{a,b}`` groups and let ``**/`` also match zero directories."""
    match = _BRACES.search(glob)
    if match:
        head, tail = glob[:match.start()], glob[match.end():]
        return [v for alt in match.group(1).split(",")
                for v in _glob_variants(head + alt + tail)]
    variants = [glob]
    if glob.startswith("**/"):
        variants.append(glob[3:])
    if "/**/" in glob:
        variants.append(glob.replace("/**/", "/"))
    return variants


def _search_file(file: Path, regex: re.Pattern[str],
                 room: int) -> list[tuple[int, str]] | None:
    """Up to ``room`` matching lines of ``file``, or ``None`` if it was skipped."""
    try:
        info = os.stat(file)
        if not stat.S_ISREG(info.st_mode) or info.st_size > SEARCH_MAX_FILE_BYTES:
            return None
        found: list[tuple[int, str]] = []
        with open(file, "rb") as handle:
            if is_binary(handle.read(BINARY_SNIFF_BYTES)):
                return None
            handle.seek(0)
            for number, raw in enumerate(handle, 1):
                text = raw.decode("utf-8", "replace").rstrip("\r\n")
                if regex.search(text):
                    found.append((number, text))
                    if len(found) >= room:
                        break
        return found
    except OSError:
        # One unreadable file (permissions, vanished mid-walk) must not end the search.
        return None
