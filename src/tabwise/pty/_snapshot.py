"""A tab's last screen and scrollback as self-contained styled text (issue #12, item 6).

A snapshot is made from the PTY's recent raw output (:class:`~tabwise.pty.OutputLog`)
by running it through a headless terminal engine (asciinema's avt, already the TUI's
default emulator) of the tab's size, then writing the main screen and its scrollback
back out (the engine's own dump, reduced to text and SGR styling).

Why rendered text and not the raw bytes: replaying a raw tail into a new terminal would
also replay its modes (alternate screen, mouse reporting, bracketed paste, application
cursor keys, scroll regions) onto the new shell, and its queries (cursor position,
device attributes, colours) would make the emulator type answers into the new shell.
The tail may also start inside an escape sequence. Rendered lines have none of that:
any terminal (the TUI's, or an RPC client's) shows them as they were, and they are
bounded by lines rather than by bytes.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

# The package's own __init__ re-exports these implicitly; import from the typed module.
from avt._avt import Vt

__all__ = ["RenderedScreen", "render_screen", "restored_preamble"]

# Leave an alternate screen the tail may end in (a full-screen program such as vim was
# running): the new shell starts on the main screen, so that is what is kept.
_LEAVE_ALT_SCREEN = "\x1b[?1049l"
_FEED_SLICE = 32768


@dataclass(frozen=True, slots=True)
class RenderedScreen:
    """``text``: lines (oldest first) joined by CR LF, styled with SGR only."""

    text: str
    lines: int


def render_screen(raw: bytes, rows: int, cols: int, history: int) -> RenderedScreen:
    """Render ``raw`` terminal output as it shows on a ``rows`` x ``cols`` terminal:
    its main screen and up to ``history`` lines of scrollback above it, up to the last
    line with text. CPU-bound (~30 ms for 256 KB): call it from a worker thread."""
    rows, cols = max(1, rows), max(2, cols)
    # Start at a line boundary: the tail may begin inside a line or an escape sequence.
    newline = raw.find(b"\n")
    if 0 <= newline < len(raw) - 1 and len(raw) >= 4096:
        raw = raw[newline + 1:]
    vt = Vt(cols, rows, scrollback_limit=max(0, history))
    try:
        text = raw.decode("utf-8", "replace")
        # In slices: the engine holds the GIL for a whole call, and the event loop
        # (keystrokes, other tabs) must not wait on one long call.
        for start in range(0, len(text), _FEED_SLICE):
            vt.feed_str(text[start:start + _FEED_SLICE])
        vt.feed_str(_LEAVE_ALT_SCREEN)
        # A screen as tall as screen + scrollback holds every line, so the engine's own
        # dump (Rust: ~25x faster than reading cells from Python) writes them all out.
        vt.resize(cols, len(vt.lines()))
        dump = vt.dump()
    except BaseException as exc:  # avt panics (PanicException) on some malformed input
        if type(exc).__name__ != "PanicException":
            raise
        return RenderedScreen("", 0)
    # Blanks after the last SGR are unstyled (the dump resets after each styled run).
    lines = [line.rstrip(" ") for line in _text_and_sgr(dump).split("\r\n")]
    while lines and not _SGR.sub("", lines[-1]).strip():
        lines.pop()
    return RenderedScreen("\r\n".join(lines) + ("\x1b[0m" if lines else ""), len(lines))


def restored_preamble(text: str, saved_at: float) -> bytes:
    """What a restored tab's new shell shows above its first prompt: the saved lines,
    then one dim line saying they were restored and from when (nothing for a blank
    screen)."""
    if not text:
        return b""
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(saved_at))
    return f"{text}\x1b[0m\r\n\x1b[0;2m── restored from {when} ──\x1b[0m\r\n".encode()


# The engine's dump is meant for itself: it repeats characters with REP (CSI n b), writes
# extended colours with colons (38:5:n), and ends with the cursor position, charsets and
# modes, partly as 8-bit C1 controls. Keep text and SGR only, in the common dialect.
# Every pattern but the rare ones replaces with a constant, which keeps this in C.
_TRAILING_BLANKS = re.compile(r" \x1b\[\d+b(?=\r\n|\x1b\[m|$)")  # blank up to the end
_REP = re.compile(r"([^\x00-\x1f\x7f-\x9f])\x1b\[(\d+)b")
_COLON_SGR = re.compile(r"\x1b\[([0-9;]*:[0-9:;]*)m")
_NOT_TEXT_OR_SGR = re.compile(
    r"\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
    r"|\x1b\[[0-?]*[ -/]*[@-ln-~]"  # CSI other than SGR (final "m")
    r"|\x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC
    r"|\x1b[ -/]*[0-Z\\^-~]"  # other escape sequences (charsets, keypad modes, ...)
    r"|[\x00-\x09\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f-\x9a\x9c-\x9f]"  # controls but CR, LF
)
_SGR = re.compile(r"\x1b\[[0-9;]*m")


def _text_and_sgr(dump: str) -> str:
    text = _TRAILING_BLANKS.sub("", dump)
    if "b" in text and _REP.search(text):
        text = _REP.sub(lambda m: m[1] * (int(m[2]) + 1), text)
    text = _NOT_TEXT_OR_SGR.sub("", text)
    if ":" in text:
        text = _COLON_SGR.sub(lambda m: f"\x1b[{m[1].replace(':', ';')}m", text)
    return text
