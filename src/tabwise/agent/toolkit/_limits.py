"""How much a tool may return in one call, and how long it may take.

Tool results go straight into the model's context window, so every tool caps its
output and says so when it does: a truncation note tells the model how to ask for
the rest. The numbers are module constants so tests and callers can read them.
"""

from __future__ import annotations

__all__ = [
    "BINARY_SNIFF_BYTES",
    "COMMAND_OUTPUT_MAX_BYTES",
    "EDIT_MAX_BYTES",
    "KILL_GRACE_SECONDS",
    "LIST_MAX_ENTRIES",
    "OUTPUT_DRAIN_SECONDS",
    "READ_COUNT_MAX_BYTES",
    "READ_MAX_BYTES",
    "READ_MAX_LINES",
    "READ_MAX_LINE_CHARS",
    "SEARCH_MAX_FILE_BYTES",
    "SEARCH_MAX_LINE_CHARS",
    "SEARCH_MAX_MATCHES",
    "SEARCH_SKIP_DIRS",
    "SEARCH_TIME_LIMIT_SECONDS",
    "clip_line",
]

# A NUL byte in a file's first BINARY_SNIFF_BYTES bytes marks it as binary (git's rule).
BINARY_SNIFF_BYTES = 8 * 1024

# read_file: at most this many lines and bytes per call; longer lines are clipped.
READ_MAX_LINES = 2000
READ_MAX_BYTES = 100 * 1024
READ_MAX_LINE_CHARS = 2000
# After the window is full, read_file counts the file's remaining lines (for its note)
# through at most this many more bytes; past it the note gives a lower bound.
READ_COUNT_MAX_BYTES = 64 * 1024 * 1024

# list_directory: at most this many entries.
LIST_MAX_ENTRIES = 1000

# search_files: at most this many matching lines; bigger files and these directories
# are skipped (they are huge, generated, or both).
SEARCH_MAX_MATCHES = 200
SEARCH_MAX_LINE_CHARS = 300
SEARCH_MAX_FILE_BYTES = 10 * 1024 * 1024
SEARCH_SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "__pycache__",
                              ".mypy_cache", ".pytest_cache", ".ruff_cache", ".tox"})
# A search that has not finished after this long returns what it found, with a note
# (a walk over ~ or a network mount could otherwise go on for minutes).
SEARCH_TIME_LIMIT_SECONDS = 10.0

# edit_file loads the whole file; beyond this, a shell tool is the better instrument.
EDIT_MAX_BYTES = 10 * 1024 * 1024

# run_command: output beyond this keeps its head and tail with a note in between.
COMMAND_OUTPUT_MAX_BYTES = 30 * 1024
# Between SIGTERM and SIGKILL when a command's process group is stopped.
KILL_GRACE_SECONDS = 1.0
# After the shell exits, how long to wait for background children to close its output.
OUTPUT_DRAIN_SECONDS = 0.5


def clip_line(line: str, max_chars: int, *, cut: bool = False) -> str:
    """Cut ``line`` to ``max_chars`` characters and mark it if anything was cut.

    ``cut`` says the caller already dropped part of the line (it read a bounded prefix).
    """
    if len(line) <= max_chars and not cut:
        return line
    return f"{line[:max_chars]} … [line truncated]"
