"""The default emulator: asciinema's avt engine (Rust) through the ``pyavt`` bindings.

Chosen by measurement (``benchmarks/bench_terminal.py``): 20-80 MB/s against pyte's
0.2-0.7 MB/s on the same captures, with an alternate screen, wide characters, reflow
on resize and dirty-row reporting. Two sharp edges are handled here: the engine panics
(a ``pyo3_runtime.PanicException``, a ``BaseException``) on a screen narrower than a
wide character, so sizes are clamped; and should any other input make it panic, the
screen is rebuilt empty rather than taking the app down with it.

The scrollback is kept here, not in the engine: avt runs with ``scrollback_limit=0``
and hands back every line that leaves the top of the main screen, which goes into a
``deque(maxlen=history)``. So ``[terminal] scrollback`` is honoured exactly, and a
history line is read in O(1) (avt can only return all of its lines at once: ~55 ms
for 10,000, on every repaint of a scrolled-back view during output). The cost:
history lines keep the width they had when they scrolled off (no reflow on resize).
"""

from __future__ import annotations

import codecs
import logging
import unicodedata
from collections import deque

# The package's own __init__ re-exports these implicitly; import from the typed module.
from avt._avt import Color as AvtColor
from avt._avt import Line, Vt
from avt._avt import Pen as AvtPen

from ._emulator import Color, Cursor, Pen, Run, ScannedEmulator
from ._width import fit_cells

__all__ = ["DEFAULT_HISTORY", "AvtEmulator"]

log = logging.getLogger(__name__)

DEFAULT_HISTORY = 10000  # lines; [terminal] scrollback sets it per tab
# avt gives every code point a cell, zero-width ones included, where programs (wcwidth)
# give them none: before avt sees them, combining marks are composed with their base
# where Unicode can (NFC: "e" + U+0301 is "é"), and emoji variation selectors, which
# are never drawn (see _width), are dropped. Otherwise vim or ls would put everything
# after a decomposed "é" or a "❤️" one column further right than the program meant.
_VARIATION_SELECTORS = str.maketrans(dict.fromkeys([0xFE0E, 0xFE0F]))
# avt's per-call cost grows with the chunk (it returns every scrolled-off line), so
# large writes are fed in slices of this size; measured fastest at 4-16 KB.
_SLICE = 8192


class AvtEmulator(ScannedEmulator):
    """An :class:`~tabwise.tui.terminal.Emulator` backed by ``avt.Vt``."""

    def __init__(self, rows: int = 24, cols: int = 80, *, history: int = DEFAULT_HISTORY) -> None:
        super().__init__(rows, cols)
        self._vt = Vt(self.cols, self.rows, scrollback_limit=0)
        self._history: deque[Line] = deque(maxlen=max(0, history))
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._dirty: set[int] | None = set()

    @property
    def cursor(self) -> Cursor:
        cur = self._vt.cursor
        return Cursor(cur.row, cur.col, cur.visible)

    @property
    def history_size(self) -> int:
        return len(self._history)

    def _feed(self, data: bytes) -> None:
        for start in range(0, len(data), _SLICE):
            text = self._decoder.decode(data[start : start + _SLICE])
            if not text:
                continue
            if not text.isascii():
                text = unicodedata.normalize("NFC", text).translate(_VARIATION_SELECTORS)
            try:
                changed, scrolled = self._vt.feed_str(text)
            except BaseException as exc:
                if type(exc).__name__ != "PanicException":
                    raise
                self._recover(exc)
                return
            if scrolled:
                self._history.extend(scrolled)
            if self._dirty is not None:
                self._dirty.update(changed)

    def resize(self, rows: int, cols: int) -> None:
        rows, cols = self._set_size(rows, cols)
        if self._vt.size == (cols, rows):
            return
        try:
            _changed, scrolled = self._vt.resize(cols, rows)
        except BaseException as exc:
            if type(exc).__name__ != "PanicException":
                raise
            self._recover(exc)
        else:
            self._history.extend(scrolled)  # rows pushed off the top by a smaller screen
        self._dirty = None

    def runs(self, row: int) -> list[Run]:
        if 0 <= row < self.rows:
            line = self._vt[row]
        else:
            index = len(self._history) + row
            if not 0 <= index < len(self._history):
                return []
            line = self._history[index]
        return _line_runs(line)

    def take_dirty(self) -> set[int] | None:
        dirty, self._dirty = self._dirty, set()
        return dirty

    def _recover(self, exc: BaseException) -> None:
        log.error("terminal engine failed (%s); starting a fresh screen", exc)
        self._vt = Vt(self.cols, self.rows, scrollback_limit=0)
        self._dirty = None


def _line_runs(line: Line) -> list[Run]:
    runs: list[Run] = []
    chars: list[str] = []
    widths: list[int] = []
    prev: AvtPen | None = None
    for cell in line.cells:
        width = cell.width
        if width == 0:  # the second half of a wide character
            continue
        pen = cell.pen
        if prev is not None and pen == prev:
            chars.append(cell.char)
            widths.append(width)
            continue
        if prev is not None:
            runs.append((_text(chars, widths), _pen(prev)))
        chars, widths = [cell.char], [width]
        prev = pen
    if prev is not None:
        runs.append((_text(chars, widths), _pen(prev)))
    return runs


def _text(chars: list[str], widths: list[int]) -> str:
    text = "".join(chars)
    # Only non-ASCII text can be measured differently by the emulator and by Rich.
    return text if text.isascii() else fit_cells(chars, widths)


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
