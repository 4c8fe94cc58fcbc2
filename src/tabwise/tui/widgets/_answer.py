"""A streamed assistant answer, rendered as Markdown at a cost linear in its length."""

from __future__ import annotations

from bisect import bisect_right

from rich.style import Style
from textual.geometry import Region, Size
from textual.selection import Selection
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget

from ._markdown_blocks import MarkdownBlock, settled_blocks, split_blocks

__all__ = ["AnswerBlock"]

FLUSH_INTERVAL = 0.05  # at most ~20 renders a second, however fast the deltas come


class AnswerBlock(Widget):
    """Markdown that grows by :meth:`add`; one widget however long the answer.

    The text is kept as top-level blocks (see ``_markdown_blocks``). Deltas are
    buffered and shown together at most every :data:`FLUSH_INTERVAL`; a flush parses
    only the open tail, moves the blocks that can no longer change into the settled
    list, and renders only the tail again. Settled blocks keep their rendered lines
    (per width), so a frame costs the same at the end of a 20 KB answer as at the
    start, and a finished answer is a list of cached lines. :attr:`text` is
    everything received so far.
    """

    DEFAULT_CSS = """
    AnswerBlock {
        width: 1fr;
        height: auto;
        margin: 1 0 0 0;
        padding: 0 1;
        background: transparent;
    }
    """

    def __init__(self, text: str = "", *, show_lines: int | None = None) -> None:
        """``text``: a finished answer (a restored one). ``show_lines``: show only the
        last blocks, about that many source lines; :meth:`reveal` shows earlier ones."""
        super().__init__()
        self.text = text
        self._blocks = [MarkdownBlock(s) for s in split_blocks(text)] if text else []
        self._first = 0  # blocks before this one are not shown (yet)
        if show_lines is not None:
            self._first = self._start_for(len(self._blocks), show_lines)
        self._tail = MarkdownBlock("")  # the block still being written
        self._unshown = ""  # received, not yet flushed
        self._timer: Timer | None = None
        self._width = -1
        self._offsets: list[int] = []  # first line of each settled block, at _width
        self._settled_height = 0
        self._style = Style()

    @property
    def hidden_blocks(self) -> int:
        """How many leading blocks are not shown yet (see :meth:`reveal`)."""
        return self._first

    def reveal(self, lines: int) -> None:
        """Show about ``lines`` more source lines of the earlier, hidden blocks."""
        if self._first:
            self._first = self._start_for(self._first, lines)
            self._width = -1
            self.refresh(layout=True)

    def _start_for(self, end: int, lines: int) -> int:
        """The first block index so that blocks ``[start:end]`` hold ``lines`` lines."""
        start, count = end, 0
        while start > 0 and (count < lines or start == end):
            start -= 1
            count += self._blocks[start].source.count("\n") + 1
        return start

    @property
    def finished(self) -> bool:
        """Everything received has been settled (no tail, nothing buffered)."""
        return not self._tail.source and not self._unshown

    def add(self, delta: str) -> None:
        """Queue a text delta; it shows within :data:`FLUSH_INTERVAL` seconds."""
        if not delta:
            return
        self.text += delta
        self._unshown += delta
        if self._timer is None:
            self._timer = self.set_timer(FLUSH_INTERVAL, self._flush)

    def finish(self) -> None:
        """The answer is complete: settle and show all of it now."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        old_tail = self._tail
        source = old_tail.source + self._unshown
        self._unshown = ""
        self._tail = MarkdownBlock("")
        self._settle(split_blocks(source), old_tail)
        self._changed()

    def _flush(self) -> None:
        self._timer = None
        if not self._unshown:
            return
        old_tail = self._tail
        settled, tail = settled_blocks(old_tail.source + self._unshown)
        self._unshown = ""
        self._settle(settled, old_tail)
        self._tail = old_tail if tail == old_tail.source else MarkdownBlock(tail)
        self._changed()

    def _changed(self) -> None:
        # In a background tab (an ancestor not displayed) there is nothing to lay out:
        # showing the tab lays everything out anew, and this widget answers from its
        # current text then.
        if all(node.display for node in self.ancestors_with_self):
            self.refresh(layout=True)

    def on_show(self) -> None:
        self.refresh(layout=True)  # what came while its tab was in the background

    def _settle(self, sources: list[str], old_tail: MarkdownBlock) -> None:
        if not sources:
            return
        # The open block often settles unchanged: keep its rendered lines.
        new = [old_tail if s == old_tail.source else MarkdownBlock(s) for s in sources]
        self._blocks.extend(new)
        if self._width >= 0:  # extend the line index instead of rebuilding it
            for block in new:
                self._offsets.append(self._settled_height + (1 if self._offsets else 0))
                self._settled_height = self._offsets[-1] + len(self._strips_of(block))

    # -- rendering ---------------------------------------------------------------------

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size,
                      layout: bool = True) -> bool:
        # Not scrollable, so its virtual size is only bookkeeping: setting it the
        # normal way would ask for a second layout pass after every growth.
        return super()._size_updated(size, virtual_size, container_size, layout=False)

    def _strips_of(self, block: MarkdownBlock) -> list[Strip]:
        app = self.app
        return block.lines(app.console, app.console_options, self._width)

    def _styled(self, block: MarkdownBlock) -> list[Strip]:
        app = self.app
        return block.styled(app.console, app.console_options, self._width, self._style)

    def render_lines(self, crop: Region) -> list[Strip]:
        # The base style once per paint, not once per line (it walks the ancestors).
        self._style = self.rich_style
        return super().render_lines(crop)

    def _layout(self, width: int) -> None:
        """Index the settled blocks' lines at ``width`` (rendering any not yet)."""
        if width == self._width:
            return
        self._width = width
        self._offsets = []
        y = 0
        for block in self._blocks[self._first:]:
            if self._offsets:
                y += 1  # one blank line between blocks
            self._offsets.append(y)
            y += len(self._strips_of(block))
        self._settled_height = y

    def _tail_strips(self) -> list[Strip]:
        return self._strips_of(self._tail) if self._tail.source.strip() else []

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        self._layout(width)
        tail = len(self._tail_strips())
        if not tail:
            return self._settled_height
        return self._settled_height + (1 if self._offsets else 0) + tail

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        self._layout(width)
        line: Strip | None = None
        if y < self._settled_height:
            index = bisect_right(self._offsets, y) - 1
            strips = self._styled(self._blocks[self._first + index])
            row = y - self._offsets[index]
            if row < len(strips):
                line = strips[row]
        else:
            row = y - self._settled_height - (1 if self._offsets else 0)
            tail = self._styled(self._tail) if self._tail.source.strip() else []
            if 0 <= row < len(tail):
                line = tail[row]
        if line is None:
            line = Strip.blank(width, self._style)
        selection = self.text_selection
        if selection is not None and (span := selection.get_span(y)) is not None:
            start, end = span
            end = line.cell_length if end == -1 else min(end, line.cell_length)
            if start < end:
                chosen = self.screen.get_component_rich_style("screen--selection")
                line = Strip.join([line.crop(0, start),
                                   line.crop(start, end).apply_style(chosen),
                                   line.crop(end, line.cell_length)])
        # Offsets let the screen map the mouse to (x, y) here, for text selection.
        return line.apply_offsets(0, y)

    def _text_lines(self) -> list[str]:
        """The answer as shown, line by line (what a mouse selection copies)."""
        self._layout(self.size.width)
        return [self.render_line(y).text.rstrip()
                for y in range(self.get_content_height(self.size, self.size,
                                                       self.size.width))]

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The selected part of the answer's text (Textual's text selection)."""
        return selection.extract("\n".join(self._text_lines())), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self.refresh()
