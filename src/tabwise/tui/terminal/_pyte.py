"""The pure-Python fallback emulator, on pyte.

Kept so the engine can be swapped (and measured against) without touching the widget.
pyte is 50-500x slower than avt and has no alternate screen: a full-screen program
draws over the shell's screen instead of beside it. Scrollback comes from
``HistoryScreen``'s top history, read directly; the pager methods are never used.
"""

from __future__ import annotations

import pyte
from pyte.graphics import FG_BG_256

from ._emulator import Color, Cursor, Pen, Run, ScannedEmulator
from ._width import fit_cells

__all__ = ["PyteEmulator"]

DEFAULT_HISTORY = 10000

_NAMED = ("black", "red", "green", "brown", "blue", "magenta", "cyan", "white")
_NAME_TO_INDEX: dict[str, int] = {name: i for i, name in enumerate(_NAMED)}
_NAME_TO_INDEX.update({f"bright{name}": i + 8 for i, name in enumerate(_NAMED)})
_NAME_TO_INDEX["yellow"] = 3  # some pyte paths spell it the usual way
# pyte turns 256-colour indexes into hex; map them back so the palette still applies.
_HEX_TO_INDEX = {hex_: i for i, hex_ in reversed(list(enumerate(FG_BG_256)))}


class PyteEmulator(ScannedEmulator):
    """An :class:`~tabwise.tui.terminal.Emulator` backed by ``pyte.HistoryScreen``."""

    def __init__(self, rows: int = 24, cols: int = 80, *, history: int = DEFAULT_HISTORY) -> None:
        super().__init__(rows, cols)
        self._screen = pyte.HistoryScreen(self.cols, self.rows, history=history)
        self._stream = pyte.ByteStream(self._screen)
        self._screen.dirty.clear()
        self._all_dirty = True

    @property
    def cursor(self) -> Cursor:
        cur = self._screen.cursor
        return Cursor(cur.y, cur.x, not cur.hidden)

    @property
    def history_size(self) -> int:
        return len(self._screen.history.top)

    def _feed(self, data: bytes) -> None:
        self._stream.feed(data)

    def resize(self, rows: int, cols: int) -> None:
        rows, cols = self._set_size(rows, cols)
        if (self._screen.lines, self._screen.columns) != (rows, cols):
            self._screen.resize(rows, cols)
            self._all_dirty = True

    def runs(self, row: int) -> list[Run]:
        if 0 <= row < self.rows:
            line = self._screen.buffer[row]
        else:
            top = self._screen.history.top
            index = len(top) + row
            if not 0 <= index < len(top):
                return []
            line = top[index]
        runs: list[Run] = []
        chars: list[str] = []
        widths: list[int] = []
        prev: pyte.screens.Char | None = None
        cols = self.cols
        for x in range(cols):
            char = line[x]
            if not char.data:  # the second half of a wide character
                continue
            width = 2 if x + 1 < cols and not line[x + 1].data else 1
            if prev is not None and char[1:] == prev[1:]:
                chars.append(char.data)
                widths.append(width)
                continue
            if prev is not None:
                runs.append((_text(chars, widths), _pen(prev)))
            chars, widths = [char.data], [width]
            prev = char
        if prev is not None:
            runs.append((_text(chars, widths), _pen(prev)))
        return runs

    def take_dirty(self) -> set[int] | None:
        if self._all_dirty:
            self._all_dirty = False
            self._screen.dirty.clear()
            return None
        dirty = set(self._screen.dirty)
        self._screen.dirty.clear()
        return dirty


def _text(chars: list[str], widths: list[int]) -> str:
    text = "".join(chars)
    # pyte keeps combining marks in their base's cell; Rich may still measure a cell's
    # text (a joiner sequence) differently from pyte's wcwidth.
    return text if text.isascii() else fit_cells(chars, widths)


def _pen(char: pyte.screens.Char) -> Pen:
    return Pen(
        fg=_color(char.fg),
        bg=_color(char.bg),
        bold=char.bold,
        italic=char.italics,
        underline=char.underscore,
        blink=char.blink,
        reverse=char.reverse,
        strike=char.strikethrough,
    )


def _color(name: str) -> Color:
    if name == "default":
        return None
    if (index := _NAME_TO_INDEX.get(name)) is not None:
        return index
    if (index := _HEX_TO_INDEX.get(name)) is not None:
        return index
    try:
        return (int(name[0:2], 16), int(name[2:4], 16), int(name[4:6], 16))
    except ValueError:
        return None
