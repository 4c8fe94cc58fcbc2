"""A tab's last screen and scrollback as self-contained styled text (issue #12, item 6).

A snapshot is made from the PTY's recent raw output (:class:`~tabwise.pty.OutputLog`)
by running it through a headless terminal engine (asciinema's avt, already the TUI's
default emulator) of the tab's size, then writing each line of the main screen and its
scrollback back out as text with SGR styling only.

Why rendered text and not the raw bytes: replaying a raw tail into a new terminal would
also replay its modes (alternate screen, mouse reporting, bracketed paste, application
cursor keys, scroll regions) onto the new shell, and its queries (cursor position,
device attributes, colours) would make the emulator type answers into the new shell.
The tail may also start inside an escape sequence. Rendered lines have none of that:
any terminal (the TUI's, or an RPC client's) shows them as they were, and they are
bounded by lines rather than by bytes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

# The package's own __init__ re-exports these implicitly; import from the typed module.
from avt._avt import Color, Line, Pen, Vt

__all__ = ["RenderedScreen", "render_screen", "restored_preamble"]

# Leave an alternate screen the tail may end in (a full-screen program such as vim was
# running): the new shell starts on the main screen, so that is what is kept.
_LEAVE_ALT_SCREEN = "\x1b[?1049l"


@dataclass(frozen=True, slots=True)
class RenderedScreen:
    """``text``: lines (oldest first) joined by CR LF, styled with SGR only."""

    text: str
    lines: int


def render_screen(raw: bytes, rows: int, cols: int, history: int) -> RenderedScreen:
    """Render ``raw`` terminal output as it shows on a ``rows`` x ``cols`` terminal:
    its main screen and up to ``history`` lines of scrollback above it, up to the last
    line with text. CPU-bound (about 35 µs a line): call it from a worker thread."""
    rows, cols = max(1, rows), max(2, cols)
    # Start at a line boundary: the tail may begin inside a line or an escape sequence.
    newline = raw.find(b"\n")
    if 0 <= newline < len(raw) - 1 and len(raw) >= 4096:
        raw = raw[newline + 1:]
    vt = Vt(cols, rows, scrollback_limit=max(0, history))
    text = raw.decode("utf-8", "replace")
    try:
        vt.feed_str(text)
        vt.feed_str(_LEAVE_ALT_SCREEN)
    except BaseException as exc:  # avt panics (PanicException) on some malformed input
        if type(exc).__name__ != "PanicException":
            raise
        return RenderedScreen("", 0)
    lines = [_line_sgr(line) for line in vt.lines()]
    while lines and not lines[-1]:
        lines.pop()
    return RenderedScreen("\r\n".join(lines), len(lines))


def restored_preamble(text: str, saved_at: float) -> bytes:
    """What a restored tab's new shell shows above its first prompt: the saved lines,
    then one dim line saying they were restored and from when (nothing for a blank
    screen)."""
    if not text:
        return b""
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(saved_at))
    return f"{text}\x1b[0m\r\n\x1b[0;2m── restored from {when} ──\x1b[0m\r\n".encode()


def _line_sgr(line: Line) -> str:
    # Only the cells up to the last character are visited (``text`` skips the second
    # half of wide characters, hence counting characters rather than cells): building
    # cell objects is what costs. Trailing blanks lose their background colour.
    text = line.text
    wanted = len(text.rstrip())
    if not wanted:
        return ""
    out: list[str] = []
    prev: Pen | None = None
    i = 0
    while wanted:
        cell = line[i]
        i += 1
        if cell.width == 0:
            continue
        pen = cell.pen
        if prev is None and pen.is_default():
            prev = pen
        elif prev is None or pen != prev:
            out.append(_sgr(pen))
            prev = pen
        out.append(cell.char)
        wanted -= 1
    if prev is not None and not prev.is_default():
        out.append("\x1b[0m")
    return "".join(out)


def _sgr(p: Pen) -> str:
    codes = ["0"]
    if p.bold:
        codes.append("1")
    if p.faint:
        codes.append("2")
    if p.italic:
        codes.append("3")
    if p.underline:
        codes.append("4")
    if p.blink:
        codes.append("5")
    if p.inverse:
        codes.append("7")
    if p.strikethrough:
        codes.append("9")
    codes += _color(p.foreground, 30)
    codes += _color(p.background, 40)
    return f"\x1b[{';'.join(codes)}m"


def _color(color: Color | None, base: int) -> list[str]:
    if isinstance(color, Color.Indexed):
        i = color[0]
        if i < 8:
            return [str(base + i)]
        if i < 16:
            return [str(base + 60 + i - 8)]
        return [str(base + 8), "5", str(i)]
    if isinstance(color, Color.RGB):
        return [str(base + 8), "2", str(color[0]), str(color[1]), str(color[2])]
    return []
