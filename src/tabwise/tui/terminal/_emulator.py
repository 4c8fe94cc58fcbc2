"""What the terminal widget needs from a terminal emulator, and the shared plumbing.

An :class:`Emulator` turns the bytes a PTY produces into a screen: rows of styled
:data:`Run` s, a :class:`Cursor`, scrollback, the window title and the modes a program
switched on (alternate screen, application cursor keys, bracketed paste, mouse). Two
adapters implement it (``AvtEmulator``, the default, and ``PyteEmulator``); both derive
from :class:`ScannedEmulator`, which watches the byte stream for the few sequences that
emulators disagree on or ignore (titles, private modes, device queries) so the behaviour
the widget sees is the same whichever engine draws the cells.

Rows are addressed from the top of the visible screen: ``0 .. rows - 1`` is the screen,
``-1`` the most recent scrollback line, ``-history_size`` the oldest.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Protocol, TypeAlias, runtime_checkable

from ._modes import ControlScanner, Feed, Fixup, Query

__all__ = ["DEFAULT_PEN", "Color", "Cursor", "Emulator", "Pen", "Run", "ScannedEmulator"]

Color: TypeAlias = int | tuple[int, int, int] | None
"""``None`` for the default colour, an ``int`` for the 256-colour palette, or RGB."""

MIN_ROWS = 2
MIN_COLS = 4  # narrower screens make the avt engine panic on wide characters


@dataclass(frozen=True, slots=True)
class Pen:
    """How a run of cells is drawn; hashable so renderers can cache styles by pen."""

    fg: Color = None
    bg: Color = None
    bold: bool = False
    faint: bool = False
    italic: bool = False
    underline: bool = False
    blink: bool = False
    reverse: bool = False
    strike: bool = False


DEFAULT_PEN = Pen()

Run: TypeAlias = tuple[str, Pen]
"""Consecutive cells sharing one pen; wide characters appear once (they span 2 cells)."""


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where the cursor is on the visible screen (0-based) and whether it is shown."""

    row: int
    col: int
    visible: bool = True


@runtime_checkable
class Emulator(Protocol):
    """A terminal screen fed with PTY output."""

    @property
    def rows(self) -> int: ...
    @property
    def cols(self) -> int: ...
    @property
    def cursor(self) -> Cursor: ...
    @property
    def title(self) -> str: ...
    @property
    def in_alt_screen(self) -> bool: ...
    @property
    def app_cursor_keys(self) -> bool: ...
    @property
    def bracketed_paste(self) -> bool: ...
    @property
    def mouse_tracking(self) -> bool: ...
    @property
    def mouse_sgr(self) -> bool: ...
    @property
    def mouse_mode(self) -> int: ...
    @property
    def history_size(self) -> int: ...

    def feed(self, data: bytes) -> None:
        """Process output from the program."""

    def resize(self, rows: int, cols: int) -> None:
        """Change the screen size (reflowing if the engine can)."""

    def runs(self, row: int) -> list[Run]:
        """The styled runs of screen row ``row`` (negative: scrollback)."""

    def text(self, row: int) -> str:
        """The plain text of ``row``, trailing blanks removed."""

    def take_dirty(self) -> set[int] | None:
        """Screen rows changed since the last call; ``None`` means all of them."""

    def take_replies(self) -> bytes:
        """Answers owed to the program (cursor position, device attributes)."""


class ScannedEmulator(ABC):
    """Base for adapters: mode/title tracking and query answers over any engine."""

    def __init__(self, rows: int, cols: int) -> None:
        self._rows = max(MIN_ROWS, rows)
        self._cols = max(MIN_COLS, cols)
        self._scanner = ControlScanner()
        self._replies = bytearray()

    @property
    def rows(self) -> int:
        return self._rows

    @property
    def cols(self) -> int:
        return self._cols

    @property
    def title(self) -> str:
        return self._scanner.title

    @property
    def in_alt_screen(self) -> bool:
        return self._scanner.alt_screen

    @property
    def app_cursor_keys(self) -> bool:
        return self._scanner.is_set(1)

    @property
    def bracketed_paste(self) -> bool:
        return self._scanner.is_set(2004)

    @property
    def mouse_tracking(self) -> bool:
        return any(self._scanner.is_set(m) for m in (1000, 1002, 1003))

    @property
    def mouse_sgr(self) -> bool:
        return self._scanner.is_set(1006)

    @property
    def mouse_mode(self) -> int:
        """The mouse tracking the program asked for: 1003 (all motion), 1002 (drags),
        1000 (clicks), or 0 (none: the mouse selects text instead)."""
        return next((m for m in (1003, 1002, 1000) if self._scanner.is_set(m)), 0)

    @property
    @abstractmethod
    def cursor(self) -> Cursor: ...

    def feed(self, data: bytes) -> None:
        actions = self._scanner.scan(data)
        if not actions:
            self._feed(data)
            return
        # Feed up to each query so a cursor-position answer reports where the cursor
        # was when the program asked, not where later output moved it.
        start = 0
        for end, action in actions:
            if action is Fixup.REVERSE_INDEX:
                cut = end - 2  # ESC M
                if cut < start:
                    continue  # it began in the previous read and went to the engine
                self._feed(data[start:cut])
                # CUU stops at the top margin as RI should; only there must RI scroll.
                below_top = self.cursor.row > self._scanner.top_margin
                self._feed(b"\x1b[A" if below_top else b"\x1bM")
                start = end
                continue
            self._feed(data[start:end])
            start = end
            if isinstance(action, Feed):
                self._feed(action.data)
            else:
                self._replies += self._answer(action)
        if start < len(data):
            self._feed(data[start:])

    def take_replies(self) -> bytes:
        out = bytes(self._replies)
        self._replies.clear()
        return out

    def text(self, row: int) -> str:
        return "".join(text for text, _pen in self.runs(row)).rstrip()

    def _answer(self, query: Query) -> bytes:
        if query is Query.CURSOR_POSITION:
            cur = self.cursor
            return f"\x1b[{cur.row + 1};{cur.col + 1}R".encode()
        if query is Query.STATUS:
            return b"\x1b[0n"
        if query is Query.SECONDARY_ATTRIBUTES:
            return b"\x1b[>1;10;0c"
        return b"\x1b[?62;22c"  # VT220 with ANSI colour, what most programs expect

    def _set_size(self, rows: int, cols: int) -> tuple[int, int]:
        self._rows, self._cols = max(MIN_ROWS, rows), max(MIN_COLS, cols)
        self._scanner.top_margin = 0  # engines reset the scroll region on resize
        return self._rows, self._cols

    @abstractmethod
    def _feed(self, data: bytes) -> None: ...

    @abstractmethod
    def runs(self, row: int) -> list[Run]: ...
