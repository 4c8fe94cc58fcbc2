"""``search_files``: a regular expression over the contents of a tree of files.

Patterns run on RE2 (``google-re2``), whose matching time is linear in the input: no
pattern can backtrack for minutes the way ``(a+)+$`` does in Python's ``re``, which
holds the GIL while it does and so froze every tab (issue #10). RE2 also releases the
GIL while it matches. The walk runs in a worker thread, skips directories that are huge
or generated (``SEARCH_SKIP_DIRS``), binary files, very large files and secret-looking
files (``_secrets``), and stops at the first ``SEARCH_MAX_MATCHES`` hits, after
``SEARCH_TIME_LIMIT_SECONDS``, or as soon as the call is cancelled.

Each file is searched as one buffer with ``never_nl`` (a match never spans a line
break) and ``(?m)`` (``^`` and ``$`` are line anchors), which finds the same lines as a
search line by line, at RE2's speed rather than one Python call per line.
"""

from __future__ import annotations

import asyncio
import fnmatch
import functools
import os
import re
import stat
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._errors import ToolError, from_os_error
from ._limits import (
    BINARY_SNIFF_BYTES,
    SEARCH_MAX_FILE_BYTES,
    SEARCH_MAX_LINE_CHARS,
    SEARCH_MAX_MATCHES,
    SEARCH_SKIP_DIRS,
    SEARCH_TIME_LIMIT_SECONDS,
    clip_line,
)
from ._paths import resolve, shown_relative
from ._read import is_binary
from ._secrets import SecretRules, secret_name

__all__ = ["search_files"]

_BRACES = re.compile(r"\{([^{}]*)\}")



@functools.cache
def _re2() -> tuple[Any, Any]:
    """The ``re2`` module and our options, imported on first use (≈ 3 ms off start-up)."""
    import re2

    options = re2.Options()
    options.log_errors = False  # RE2 would print every bad pattern on stderr: the TUI's screen
    options.never_nl = True
    return re2, options


async def search_files(cwd: Path, pattern: str, path: str | None = None,
                       glob: str | None = None, *, rules: SecretRules | None = None) -> str:
    """Return the lines matching the regular expression ``pattern``, one hit a line.

    Hits read ``relpath:line: text`` (paths relative to the working directory when they
    lie inside it). ``path`` is a directory to walk or one file (default: the working
    directory). ``glob`` keeps only files whose name or path below ``path`` matches,
    e.g. ``*.py``, ``src/**/*.ts`` or ``*.{js,ts}``. Patterns are RE2 syntax and match
    within one line. A walk skips the files ``rules`` calls secret (default: the current
    user's list) unless ``path`` itself is secret, which the user was asked about.
    """
    root = resolve(cwd, path)
    shown = path or str(root)
    stop = threading.Event()
    search = _Search(None, pattern, cwd, rules, stop,
                     time.monotonic() + SEARCH_TIME_LIMIT_SECONDS)

    def run() -> str:
        # In the thread: compiling a big pattern takes a while, and the default rules
        # resolve $HOME's links (disk work).
        search.regex = _compile(pattern)
        search.rules = rules if rules is not None else SecretRules.for_user()
        return search.run(root, shown, glob)

    try:
        return await asyncio.to_thread(run)
    except OSError as exc:
        raise from_os_error(exc, shown, "search") from exc
    finally:
        # A cancelled to_thread call keeps its thread running; this ends the walk.
        stop.set()


def _compile(pattern: str) -> Any:
    try:
        encoded = ("(?m)" + pattern).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ToolError("The pattern holds characters that are not valid text (a lone "
                        "surrogate); write it with plain characters.") from exc
    re2, options = _re2()
    try:
        return re2.compile(encoded, options)
    except re2.error as exc:
        detail = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(
            exc.args[0], bytes) else str(exc)
        hint = ("escape characters such as ( [ . * + ? with a backslash to match them "
                "literally")
        if "perl operator" in detail or "escape sequence: \\" in detail:
            hint = ("RE2 has no look-around and no backreferences; match more loosely, or "
                    "use run_command with grep -P")
        raise ToolError(f"The pattern {pattern!r} is not a valid regular expression "
                        f"({detail}); {hint}.") from exc


@dataclass(slots=True)
class _Search:
    """One search's state, run in a worker thread."""

    regex: Any
    pattern: str
    cwd: Path
    rules: SecretRules | None
    stop: threading.Event
    deadline: float
    searched: int = 0
    skipped: list[str] = field(default_factory=list)
    # Links out of the searched tree: reading through them would be a read the user was
    # not asked about (the policy judged the tree, not where its links point).
    linked_out: list[str] = field(default_factory=list)
    boundary: Path | None = None
    timed_out: bool = False

    def run(self, root: Path, shown: str, glob: str | None) -> str:
        mode = os.stat(root).st_mode
        if stat.S_ISREG(mode):
            with open(root, "rb") as handle:
                if is_binary(handle.read(BINARY_SNIFF_BYTES)):
                    raise ToolError(f"{shown} is a binary file; search_files only searches "
                                    "text.")
            files: Iterator[Path] = iter([root])
        elif stat.S_ISDIR(mode):
            if self.rules is not None and self.rules.reason_for(root) is not None:
                self.rules = None  # the user approved searching this secret place
            self.boundary = Path(os.path.realpath(root))
            files = self._walk(root, glob)
        else:
            raise ToolError(f"{shown} is neither a directory nor a regular file.")
        hits: list[str] = []
        for file in files:
            found = self._search_file(file, SEARCH_MAX_MATCHES + 1 - len(hits))
            if found is None:
                continue
            self.searched += 1
            name = shown_relative(self.cwd, file)
            hits.extend(f"{name}:{number}: {clip_line(text, SEARCH_MAX_LINE_CHARS)}"
                        for number, text in found)
            if len(hits) > SEARCH_MAX_MATCHES:
                return ("\n".join(hits[:SEARCH_MAX_MATCHES])
                        + f"\n\n[truncated: showing the first {SEARCH_MAX_MATCHES} matches; "
                        "narrow the pattern, path or glob to see the rest]" + self._notes())
        if hits:
            return "\n".join(hits) + self._notes()
        where = f"{shown} (files matching {glob!r})" if glob else shown
        return (f"No matches for {self.pattern!r} in {where}; searched {self.searched} text "
                f"file{'s' if self.searched != 1 else ''}." + self._notes())

    def _notes(self) -> str:
        notes = ""
        if self.timed_out:
            notes += (f"\n\n[stopped after {SEARCH_TIME_LIMIT_SECONDS:g} s, the time limit, "
                      f"having searched {self.searched} files; narrow the path or glob to "
                      "search the rest]")
        if self.linked_out:
            shown = ", ".join(self.linked_out[:5]) + (" …" if len(self.linked_out) > 5 else "")
            notes += (f"\n\n[skipped {len(self.linked_out)} link(s) pointing outside the "
                      f"searched directory: {shown}; read_file asks the user before "
                      "following one]")
        if self.skipped:
            shown = ", ".join(self.skipped[:5]) + (" …" if len(self.skipped) > 5 else "")
            notes += (f"\n\n[skipped {len(self.skipped)} secret-looking path(s): {shown}; "
                      "read_file asks the user before reading one]")
        return notes

    def _over(self) -> bool:
        if self.stop.is_set():
            return True
        if time.monotonic() > self.deadline:
            self.timed_out = True
            return True
        return False

    def _skip(self, path: Path, name: str, *, is_dir: bool = False) -> bool:
        """Whether the walk must not open ``path``: a link out of the tree, or a secret."""
        if not is_dir and self.boundary is not None and os.path.islink(path) and \
                not Path(os.path.realpath(path)).is_relative_to(self.boundary):
            self.linked_out.append(shown_relative(self.cwd, path))
            return True
        if self.rules is None:
            return False
        if is_dir:
            secret = self.rules.reason(path) is not None
        else:
            secret = secret_name(name) or (
                os.path.islink(path) and self.rules.reason_for(path) is not None)
        if secret:
            self.skipped.append(shown_relative(self.cwd, path) + ("/" if is_dir else ""))
        return secret

    def _walk(self, root: Path, glob: str | None) -> Iterator[Path]:
        """Yield the files below ``root`` in a stable order, pruning skipped directories."""
        patterns = _glob_variants(glob) if glob else []
        # Unreadable subdirectories are skipped quietly (os.walk's default), like grep -s.
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(
                d for d in dirnames if d not in SEARCH_SKIP_DIRS
                and not self._skip(Path(dirpath, d), d, is_dir=True))
            for name in sorted(filenames):
                if self._over():
                    return
                file = Path(dirpath, name)
                if patterns:
                    relative = file.relative_to(root).as_posix()
                    if not any(fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(relative, p)
                               for p in patterns):
                        continue
                if self._skip(file, name):
                    continue
                yield file

    def _search_file(self, file: Path, room: int) -> list[tuple[int, str]] | None:
        """Up to ``room`` matching lines of ``file``, or ``None`` if it was skipped."""
        try:
            info = os.stat(file)
            if not stat.S_ISREG(info.st_mode) or info.st_size > SEARCH_MAX_FILE_BYTES:
                return None
            with open(file, "rb") as handle:
                data = handle.read(SEARCH_MAX_FILE_BYTES)
        except OSError:
            # One unreadable file (permissions, vanished mid-walk) must not end the search.
            return None
        if is_binary(data[:BINARY_SNIFF_BYTES]):
            return None
        return _matching_lines(self.regex, data, room, self._over)


def _matching_lines(regex: Any, data: bytes, room: int,
                    over: Callable[[], bool]) -> list[tuple[int, str]]:
    """The first ``room`` lines of ``data`` holding a match, with their numbers."""
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n")  # so that ``$`` matches before "\r\n" too
    found: list[tuple[int, str]] = []
    pos = counted = 0
    number = 1
    while len(found) < room and pos <= len(data) and not over():
        match = regex.search(data, pos)
        if match is None:
            break
        start = match.start()
        line_start = data.rfind(b"\n", 0, start) + 1
        if line_start >= len(data):
            break  # an empty match after the last line break: not a line
        end = data.find(b"\n", start)
        end = len(data) if end == -1 else end
        number += data.count(b"\n", counted, line_start)
        counted = line_start
        found.append((number, data[line_start:end].decode("utf-8", "replace").rstrip("\r")))
        pos = end + 1
    return found


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
