"""What a tool call waiting for approval would change, shown as a coloured diff.

``write_file`` and ``edit_file`` get a unified diff against the file on disk (a new file
shows its head; a binary or very large file a note; a long diff is cut with a note);
``run_command`` shows the command and the directory it runs in. Other tools have no
preview: the card shows their raw arguments.

:func:`preview` is pure (it reads the file, so it runs in a worker thread);
:class:`DiffView` draws its lines.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

__all__ = ["DiffLine", "DiffView", "preview"]

# Lines of a diff (or of a new file's head) shown before the rest is cut.
MAX_LINES = 60
NEW_FILE_HEAD = 20
# Files larger than this are not read for a diff.
MAX_FILE_BYTES = 2_000_000
BINARY_SNIFF = 8192
CONTEXT_LINES = 3

Kind = Literal["header", "hunk", "added", "removed", "context", "note", "command"]


@dataclass(frozen=True, slots=True)
class DiffLine:
    kind: Kind
    text: str


def _target(path: str, working_directory: str | None) -> Path:
    p = Path(os.path.expanduser(path))
    if not p.is_absolute() and working_directory:
        p = Path(working_directory) / p
    return p


def _read_text(target: Path) -> tuple[str | None, str | None]:
    """(text, None) or (None, why it is not shown); ("", None) for a missing file."""
    try:
        size = target.stat().st_size
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        return None, f"{target} cannot be read ({exc.strerror or exc})."
    if target.is_dir():
        return None, f"{target} is a directory."
    if size > MAX_FILE_BYTES:
        return None, f"{target} is large ({size / 1e6:.1f} MB): no diff is shown."
    try:
        data = target.read_bytes()
    except OSError as exc:
        return None, f"{target} cannot be read ({exc.strerror or exc})."
    if b"\0" in data[:BINARY_SNIFF]:
        return None, f"{target} is a binary file ({size:,} bytes): no diff is shown."
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        return None, f"{target} is not UTF-8 text ({size:,} bytes): no diff is shown."


def _cut(lines: list[DiffLine], limit: int, what: str) -> list[DiffLine]:
    if len(lines) <= limit:
        return lines
    rest = len(lines) - limit
    return [*lines[:limit], DiffLine("note", f"… {rest} more {what} not shown "
                                             "(r shows the raw arguments).")]


def _unified(old: str, new: str, name: str) -> list[DiffLine]:
    out: list[DiffLine] = []
    diff = difflib.unified_diff(old.splitlines(), new.splitlines(), f"a/{name}", f"b/{name}",
                                n=CONTEXT_LINES, lineterm="")
    for line in diff:
        if line.startswith(("---", "+++")):
            out.append(DiffLine("header", line))
        elif line.startswith("@@"):
            out.append(DiffLine("hunk", line))
        elif line.startswith("+"):
            out.append(DiffLine("added", line))
        elif line.startswith("-"):
            out.append(DiffLine("removed", line))
        else:
            out.append(DiffLine("context", line))
    if not out:
        return [DiffLine("note", f"{name}: no change.")]
    return _cut(out, MAX_LINES, "lines of the diff")


def _new_file(name: str, content: str) -> list[DiffLine]:
    lines = content.splitlines()
    count = f"{len(lines)} line" + ("" if len(lines) == 1 else "s")
    head = [DiffLine("header", f"new file {name} ({count})")]
    body = [DiffLine("added", "+" + line) for line in lines]
    return head + _cut(body, NEW_FILE_HEAD, "lines")


def _write(args: dict[str, Any], cwd: str | None) -> list[DiffLine]:
    path, content = str(args.get("path") or ""), args.get("content")
    if not path or not isinstance(content, str):
        return []
    old, why = _read_text(_target(path, cwd))
    if why is not None:
        return [DiffLine("header", f"write {path}"), DiffLine("note", why)]
    if old is None:
        return _new_file(path, content)
    return _unified(old, content, path)


def _edit(args: dict[str, Any], cwd: str | None) -> list[DiffLine]:
    path = str(args.get("path") or "")
    old_text, new_text = args.get("old_text"), args.get("new_text")
    if not path or not isinstance(old_text, str) or not isinstance(new_text, str):
        return []
    old, why = _read_text(_target(path, cwd))
    if why is None and old is None:
        why = f"{path} does not exist: the edit will fail."
    elif old is not None and old_text and old.count(old_text) != 1:
        n = old.count(old_text)
        why = (f"old_text occurs {n} times in {path}: the edit will fail." if n else
               f"old_text is not in {path}: the edit will fail.")
    if why is not None or old is None:
        # Still show what the model wants to change, as a diff of the two snippets.
        return [DiffLine("note", why or ""), *_unified(old_text, new_text, path)]
    return _unified(old, old.replace(old_text, new_text, 1), path)


def _command(args: dict[str, Any], cwd: str | None) -> list[DiffLine]:
    command = args.get("command")
    if not isinstance(command, str):
        return []
    lines = [DiffLine("command", f"$ {line}") if i == 0 else DiffLine("command", f"  {line}")
             for i, line in enumerate(command.splitlines() or [""])]
    lines = _cut(lines, MAX_LINES, "lines of the command")
    lines.append(DiffLine("note", f"in {cwd or 'the tab’s directory'}"))
    if args.get("timeout_seconds"):
        lines.append(DiffLine("note", f"timeout {args['timeout_seconds']} s"))
    return lines


_PREVIEWS: dict[str, Callable[[dict[str, Any], str | None], list[DiffLine]]] = {
    "write_file": _write, "edit_file": _edit, "run_command": _command,
}


def preview(tool_name: str, args: dict[str, Any],
            working_directory: str | None) -> list[DiffLine] | None:
    """The preview lines of a tool call, or None when the tool has none (or the
    arguments do not fit it): the card then shows the raw arguments."""
    make = _PREVIEWS.get(tool_name)
    if make is None:
        return None
    return make(args, working_directory) or None


class DiffView(Widget):
    """Draws :func:`preview` lines: additions green, removals red, hunks and notes
    dimmed. Attributes down: set :attr:`lines`."""

    DEFAULT_CSS = """
    DiffView {
        height: auto;
        width: 1fr;
        margin: 0 0 1 0;
    }
    DiffView > .diff-view--header { text-style: bold; }
    DiffView > .diff-view--hunk { color: $accent; }
    DiffView > .diff-view--added { color: $text-success; background: $success 15%; }
    DiffView > .diff-view--removed { color: $text-error; background: $error 15%; }
    DiffView > .diff-view--context { color: $text; }
    DiffView > .diff-view--note { color: $text-muted; text-style: italic; }
    DiffView > .diff-view--command { color: $text; text-style: bold; }
    """

    COMPONENT_CLASSES = {
        "diff-view--header", "diff-view--hunk", "diff-view--added", "diff-view--removed",
        "diff-view--context", "diff-view--note", "diff-view--command",
    }

    lines: reactive[tuple[DiffLine, ...]] = reactive((), layout=True)

    def render(self) -> Content:
        if not self.lines:
            return Content("working out the change…").stylize(
                self.get_visual_style("diff-view--note"))
        style = self.get_visual_style
        return Content("\n").join(Content(line.text).stylize(style(f"diff-view--{line.kind}"))
                                  for line in self.lines)
