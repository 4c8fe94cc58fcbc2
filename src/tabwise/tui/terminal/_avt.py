"""The default emulator: asciinema's avt engine (Rust) through the ``pyavt`` bindings.

Chosen by measurement (``benchmarks/bench_terminal.py``): 20-80 MB/s against pyte's
0.2-0.7 MB/s on the same captures, with an alternate screen, wide characters, reflow
on resize and dirty-row reporting. Two sharp edges are handled here: the engine panics
(a ``pyo3_runtime.PanicException``, a ``BaseException``) on a screen narrower than a
wide character, so sizes are clamped; and should any other input make it panic, the
screen is rebuilt empty rather than taking the app down with it.
"""

from __future__ import annotations

import codecs
import logging

# The package's own __init__ re-exports these implicitly; import from the typed module.
from avt._avt import Color as AvtColor
from avt._avt import Line, Vt
from avt._avt import Pen as AvtPen

from ._emulator import Color, Cursor, Pen, Run, ScannedEmulator

__all__ = ["AvtEmulator"]

log = logging.getLogger(__name__)

DEFAULT_HISTORY = 5000
# avt's per-call cost grows with the chunk (it returns every scrolled-off line), so
# large writes are fed in slices of this size; measured fastest at 4-16 KB.
_SLICE = 8192


class AvtEmulator(ScannedEmulator):
    """An :class:`~tabwise.tui.terminal.Emulator` backed by ``avt.Vt``."""

    def __init__(self, rows: int = 24, cols: int = 80, *, history: int = DEFAULT_HISTORY) -> None:
        super().__init__(rows, cols)
        self._history = history
        self._vt = Vt(self.cols, self.rows, scrollback_limit=history)
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._dirty: set[int] | None = set()
        self._all_lines: list[Line] | None = None  # scrollback + screen, while valid

    @property
    def cursor(self) -> Cursor:
        cur = self._vt.cursor
        return Cursor(cur.row, cur.col, cur.visible)

    @property
    def history_size(self) -> int:
        return len(self._lines()) - self.rows

    def _feed(self, data: bytes) -> None:
        for start in range(0, len(data), _SLICE):
            text = self._decoder.decode(data[start : start + _SLICE])
            if not text:
                continue
            try:
                changed, _dropped = self._vt.feed_str(text)
            except BaseException as exc:
                if type(exc).__name__ != "PanicException":
                    raise
                self._recover(exc)
                return
            if self._dirty is not None:
                self._dirty.update(changed)
        self._all_lines = None

    def resize(self, rows: int, cols: int) -> None:
        rows, cols = self._set_size(rows, cols)
        if self._vt.size == (cols, rows):
            return
        try:
            self._vt.resize(cols, rows)
        except BaseException as exc:
            if type(exc).__name__ != "PanicException":
                raise
            self._recover(exc)
        self._dirty = None
        self._all_lines = None

    def runs(self, row: int) -> list[Run]:
        if 0 <= row < self.rows:
            line = self._vt[row]
        else:
            lines = self._lines()
            index = len(lines) - self.rows + row
            if not 0 <= index < len(lines):
                return []
            line = lines[index]
        return _line_runs(line)

    def take_dirty(self) -> set[int] | None:
        dirty, self._dirty = self._dirty, set()
        return dirty

    def _lines(self) -> list[Line]:
        if self._all_lines is None:
            self._all_lines = self._vt.lines()
        return self._all_lines

    def _recover(self, exc: BaseException) -> None:
        log.error("terminal engine failed (%s); starting a fresh screen", exc)
        self._vt = Vt(self.cols, self.rows, scrollback_limit=self._history)
        self._dirty = None
        self._all_lines = None


def _line_runs(line: Line) -> list[Run]:
    runs: list[Run] = []
    chars: list[str] = []
    prev: AvtPen | None = None
    for cell in line.cells:
        if cell.width == 0:  # the second half of a wide character
            continue
        pen = cell.pen
        if prev is not None and pen == prev:
            chars.append(cell.char)
            continue
        if prev is not None:
            runs.append(("".join(chars), _pen(prev)))
        chars = [cell.char]
        prev = pen
    if prev is not None:
        runs.append(("".join(chars), _pen(prev)))
    return runs


def _pen(pen: AvtPen) -> Pen:
    return Pen(
        fg=_color(pen.foreground),
        bg=_color(pen.background),
        bold=pen.bold,
        faint=pen.faint,
        italic=pen.italic,
        underline=pen.underline,
        blink=pen.blink,
        reverse=pen.inverse,
        strike=pen.strikethrough,
    )


def _color(color: AvtColor | None) -> Color:
    if isinstance(color, AvtColor.Indexed):
        return color[0]
    if isinstance(color, AvtColor.RGB):
        return (color[0], color[1], color[2])
    return None
