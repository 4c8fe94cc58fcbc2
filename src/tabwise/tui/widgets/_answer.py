"""A streamed assistant answer, rendered as Markdown at a cost linear in its length."""

from __future__ import annotations

import time
from bisect import bisect_right

from rich.style import Style
from textual.geometry import Region, Size
from textual.selection import Selection
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget

from ._markdown_blocks import MarkdownBlock, settled_blocks, split_blocks

__all__ = ["AnswerBlock"]

FLUSH_INTERVAL = 0.05  # at most 20 paints a second, however fast the deltas come
SLOWEST_INTERVAL = 0.2  # at least 5 a second, however costly a paint is
PAINT_SHARE = 0.05  # a streaming answer's paints take about this share of a core, at most


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
        # A finished answer is split into blocks when first needed: a restored entry
        # that is never shown costs no parsing.
        self._parsed: list[MarkdownBlock] | None = None if text else []
        self._show_lines = show_lines
        self._first_block = 0  # blocks before this one are not shown (yet)
        self._tail = MarkdownBlock("")  # the block still being written
        self._unshown = ""  # received, not yet flushed
        self._timer: Timer | None = None
        self._interval = FLUSH_INTERVAL  # until the next flush (see _paced)
        self._width = -1
        self._offsets: list[int] = []  # first line of each settled block, at _width
        self._settled_height = 0
        self._style = Style()
        self._height_only = False  # inside _size_updated: only the height changes

    @property
    def _blocks(self) -> list[MarkdownBlock]:
        if self._parsed is None:
            self._parsed = [MarkdownBlock(s) for s in split_blocks(self.text)]
            if self._show_lines is not None:
                self._first_block = self._start_for(len(self._parsed), self._show_lines)
        return self._parsed

    @property
    def _first(self) -> int:
        self._blocks  # noqa: B018 -- parsed first: show_lines sets where to start
        return self._first_block

    def show_last(self, lines: int) -> None:
        """Show only the last blocks, about ``lines`` source lines (before it is
        mounted); :meth:`reveal` shows earlier ones."""
        self._show_lines = lines
        if self._parsed is not None:
            self._first_block = self._start_for(len(self._parsed), lines)

    @property
    def hidden_blocks(self) -> int:
        """How many leading blocks are not shown yet (see :meth:`reveal`)."""
        return self._first

    def reveal(self, lines: int) -> None:
        """Show about ``lines`` more source lines of the earlier, hidden blocks."""
        if self._first:
            self._first_block = self._start_for(self._first, lines)
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
        """Queue a text delta; it shows within :data:`FLUSH_INTERVAL` seconds (up to
        :data:`SLOWEST_INTERVAL` while paints are costly, see :meth:`_paced`)."""
        if not delta:
            return
        self.text += delta
        self._unshown += delta
        if self._timer is None:
            self._timer = self.set_timer(self._interval, self._flush)

    def finish(self) -> None:
        """The answer is complete: settle and show all of it now."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        old_tail = self._tail
        source = old_tail.source + self._unshown
        self._unshown = ""
        before = self._open_lines()
        self._tail = MarkdownBlock("")
        self._settle(split_blocks(source), old_tail)
        self._changed(before)

    def _flush(self) -> None:
        self._timer = None
        if not self._unshown:
            return
        old_tail = self._tail
        settled, tail = settled_blocks(old_tail.source + self._unshown)
        self._unshown = ""
        before = self._open_lines()
        started = time.thread_time()
        self._settle(settled, old_tail)
        self._tail = old_tail if tail == old_tail.source else MarkdownBlock(tail)
        self._changed(before)
        self.call_after_refresh(self._paced, started)

    def _paced(self, started: float) -> None:
        """Frame pacing: the next flush waits long enough that flushing and painting
        (this thread's CPU from the flush to the painted screen) take at most
        :data:`PAINT_SHARE` of a core. A short answer keeps 20 paints a second; a
        costly tail (a long table, a code block) gets fewer, larger steps."""
        cost = time.thread_time() - started
        self._interval = min(SLOWEST_INTERVAL, max(FLUSH_INTERVAL, cost / PAINT_SHARE))

    def _open_lines(self) -> tuple[int, list[Strip | None]] | None:
        """Where the open part (the tail) starts, and its lines as shown now (None: a
        blank line); None when nothing was laid out at the current width."""
        if self._width < 0 or self._width != self.size.width:
            return None
        top = self._settled_height
        tail = self._tail_strips()
        if tail and self._offsets:
            return top, [None, *tail]
        return top, list(tail)

    def _changed(self, before: tuple[int, list[Strip | None]] | None) -> None:
        """Ask for a paint of what the flush changed: only the lines that differ from
        ``before`` (what the open part showed), and a layout only if the height changed.

        A flush at the end of a long answer then costs a few lines, not a repaint of
        the panel: the lines above keep their place in Textual's line cache (see
        :meth:`_size_updated`).
        """
        # In a background tab (an ancestor not displayed) there is nothing to lay out:
        # showing the tab lays everything out anew, and this widget answers from its
        # current text then.
        if not all(node.display for node in self.ancestors_with_self):
            return
        if before is None or self._width != self.size.width:
            self.refresh(layout=True)
            return
        top, old = before
        height = self._content_height()
        new = [self._line(y) for y in range(top, height)]
        same = 0
        for a, b in zip(old, new, strict=False):
            if a != b:
                break
            same += 1
        end = max(len(old), len(new))
        if same == end:
            return  # nothing visible changed (a delta of whitespace)
        region = Region(0, top + same, self._width, end - same)
        self.refresh(region, layout=height != top + len(old))

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
        old = self._size
        # Grown or shrunk at the end, same width: the lines painted so far are still
        # right (the flush marked the ones it changed), so Textual's line cache is kept
        # instead of the whole answer being painted again.
        self._height_only = old.width == size.width and old.height != size.height
        try:
            return super()._size_updated(size, virtual_size, container_size, layout=False)
        finally:
            self._height_only = False

    def _set_dirty(self, *regions: Region) -> None:
        if regions or not self._height_only:
            super()._set_dirty(*regions)

    def prerender(self, container_width: int) -> None:
        """Render the shown blocks now for a container ``container_width`` cells wide
        (idle time before the answer's tab is first shown: the show finds them ready)."""
        styles = self.styles
        width = container_width - styles.gutter.width - styles.margin.width
        if width > 0:
            self._layout(width)
            self._style = self.rich_style
            for block in self._blocks[self._first_block:]:
                self._styled(block)  # the lines as painted, too

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
        return self._content_height()

    def _content_height(self) -> int:
        """The height at the width laid out last."""
        tail = len(self._tail_strips())
        if not tail:
            return self._settled_height
        return self._settled_height + (1 if self._offsets else 0) + tail

    def _line(self, y: int, styled: bool = False) -> Strip | None:
        """Line ``y`` at the width laid out last (None: a blank line); ``styled``: as
        painted (padded, with the base style)."""
        lines = self._styled if styled else self._strips_of
        if y < self._settled_height:
            index = bisect_right(self._offsets, y) - 1
            strips = lines(self._blocks[self._first_block + index])
            row = y - self._offsets[index]
        else:
            row = y - self._settled_height - (1 if self._offsets else 0)
            strips = lines(self._tail) if self._tail.source.strip() else []
        return strips[row] if 0 <= row < len(strips) else None

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        self._layout(width)
        line = self._line(y, styled=True)
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
