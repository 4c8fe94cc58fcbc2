"""Text selected with the mouse in the terminal pane, as terminals do it: from the cell
pressed to the cell released, running to the ends of the rows in between."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Selection"]

Point = tuple[int, int]  # (emulator row, column); negative rows are the history


@dataclass(frozen=True, slots=True)
class Selection:
    """From ``anchor`` (where the button went down) to ``end`` (where it is now)."""

    anchor: Point
    end: Point

    @property
    def start_stop(self) -> tuple[Point, Point]:
        """The two ends in reading order."""
        return (self.anchor, self.end) if self.anchor <= self.end else (self.end, self.anchor)

    @property
    def empty(self) -> bool:
        return self.anchor == self.end

    def columns(self, row: int, width: int) -> tuple[int, int] | None:
        """The selected cells ``[first, stop)`` of ``row``, or None."""
        (row0, col0), (row1, col1) = self.start_stop
        if self.empty or not row0 <= row <= row1:
            return None
        first = col0 if row == row0 else 0
        stop = col1 + 1 if row == row1 else width
        first, stop = max(0, first), min(width, stop)
        return (first, stop) if first < stop else None

    def rows(self) -> range:
        (row0, _), (row1, _) = self.start_stop
        return range(row0, row1 + 1)
