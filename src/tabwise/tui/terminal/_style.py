"""Turn emulator runs into Textual strips: pens become Rich styles, cached per pen.

Default colours stay unset so the widget's own CSS colours (its theme) show through;
palette colours 0-15 stay ANSI so Textual maps them through the app's ANSI theme.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.color import Color as RichColor
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from ._emulator import Color, Pen, Run
from ._width import graphemes

__all__ = ["StripPainter"]

_CURSOR = Style(reverse=True)
_CURSOR_ON_REVERSE = Style(reverse=False)


class StripPainter:
    """Builds one :class:`~textual.strip.Strip` per terminal row."""

    def __init__(self) -> None:
        self._base = Style()
        self._styles: dict[Pen, Style] = {}

    def set_base(self, base: Style) -> bool:
        """Use ``base`` (the widget's colours) under every pen; True if it changed."""
        if base == self._base:
            return False
        self._base = base
        self._styles.clear()
        return True

    def style(self, pen: Pen) -> Style:
        """The Rich style for ``pen``, on top of the base style."""
        style = self._styles.get(pen)
        if style is None:
            style = self._styles[pen] = self._base + Style(
                color=_rich_color(pen.fg),
                bgcolor=_rich_color(pen.bg),
                bold=pen.bold or None,
                dim=pen.faint or None,
                italic=pen.italic or None,
                underline=pen.underline or None,
                blink=pen.blink or None,
                reverse=pen.reverse or None,
                strike=pen.strike or None,
            )
        return style

    def strip(self, runs: list[Run], width: int, cursor_col: int | None = None) -> Strip:
        """A strip exactly ``width`` cells wide, with the cursor drawn at ``cursor_col``."""
        style = self.style
        if cursor_col is None:
            segments = [Segment(text, style(pen)) for text, pen in runs]
        else:
            segments = self._with_cursor(runs, cursor_col)
        return Strip(segments).adjust_cell_length(width, self._base)

    def _with_cursor(self, runs: list[Run], cursor_col: int) -> list[Segment]:
        segments: list[Segment] = []
        col = 0
        drawn = False
        for text, pen in runs:
            run_style = self.style(pen)
            if drawn or cursor_col >= col + len(text) * 2:  # cheap "surely past" check
                segments.append(Segment(text, run_style))
                col += cell_len(text)
                continue
            pieces = list(text) if text.isascii() else graphemes(text)
            for index, piece in enumerate(pieces):
                size = cell_len(piece)
                if col <= cursor_col < col + size:
                    cursor = _CURSOR_ON_REVERSE if pen.reverse else _CURSOR
                    segments.append(Segment("".join(pieces[:index]), run_style))
                    segments.append(Segment(piece, run_style + cursor))
                    rest = "".join(pieces[index + 1 :])
                    segments.append(Segment(rest, run_style))
                    drawn = True
                    col += size + cell_len(rest)
                    break
                col += size
            else:
                segments.append(Segment(text, run_style))
        if not drawn:  # the cursor sits past the end of the drawn cells
            gap = max(0, cursor_col - col)
            segments.append(Segment(" " * gap, self._base))
            segments.append(Segment(" ", self._base + _CURSOR))
        return segments


def _rich_color(color: Color) -> RichColor | None:
    if color is None:
        return None
    if isinstance(color, int):
        return RichColor.from_ansi(color)
    return RichColor.from_rgb(*color)
