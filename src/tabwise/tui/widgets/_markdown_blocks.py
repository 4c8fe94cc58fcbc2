"""Markdown for the agent timeline, one top-level block at a time.

An answer is split into its top-level blocks (a heading, a paragraph, a whole list, a
fenced code block, a table, ...). Each block is rendered on its own with Rich's
Markdown renderer into lines (:class:`~textual.strip.Strip`), once per width, and the
blocks are joined with one blank line. Because every block is rendered apart from the
others, a streamed answer that settles block by block ends up exactly as the same
text rendered at once, and a block that has settled is never parsed or rendered again.

Code blocks wrap long lines (Rich's ``Syntax(word_wrap=True)``), so nothing is cut.
"""

from __future__ import annotations

from typing import ClassVar

from markdown_it import MarkdownIt
from rich.console import Console, ConsoleOptions, RenderResult
from rich.markdown import Heading, Markdown, MarkdownElement
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

__all__ = ["MarkdownBlock", "render_block", "settled_blocks", "split_blocks"]

# What Rich parses with, block structure only: where blocks start does not depend on
# their inline content, and skipping the inline pass makes the split ~2.5× cheaper.
_parser = MarkdownIt().enable("strikethrough").enable("table").disable("inline")


class _LeftHeading(Heading):
    """Rich centres ``#`` headings; in a narrow side panel left reads better."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        text: Text = self.text.copy()
        text.justify = "left"
        yield text


class _AnswerMarkdown(Markdown):
    elements: ClassVar[dict[str, type[MarkdownElement]]] = {
        **Markdown.elements, "heading_open": _LeftHeading}


def _starts(lines: list[str]) -> list[int]:
    """The first line of every top-level block of ``lines`` (markdown-it's map)."""
    tokens = _parser.parse("".join(lines))
    return [t.map[0] for t in tokens if t.level == 0 and t.map is not None and t.nesting >= 0]


def _cut(lines: list[str], starts: list[int]) -> list[str]:
    starts = [0, *starts[1:]]
    ends = [*starts[1:], len(lines)]
    return ["".join(lines[s:e]) for s, e in zip(starts, ends, strict=True)]


def split_blocks(text: str) -> list[str]:
    """``text`` cut into the sources of its top-level blocks; blank lines go with the
    block before them, so the pieces join back to ``text``."""
    lines = text.splitlines(keepends=True)
    starts = _starts(lines)
    if not starts:
        return [text] if text.strip() else []
    return _cut(lines, starts)


def settled_blocks(text: str) -> tuple[list[str], str]:
    """The blocks of a growing ``text`` that nothing appended later can change, and the
    rest (the tail, still open).

    Every top-level block but the last one is settled; the decision looks only at the
    complete lines, since a half-written line can look like a block start (a fence's
    backticks) and turn out to continue the block before it.
    """
    complete = text[: text.rfind("\n") + 1]
    lines = complete.splitlines(keepends=True)
    starts = _starts(lines)
    if len(starts) < 2:
        return [], text
    blocks = _cut(lines[: starts[-1]], starts[:-1])
    return blocks, text[sum(map(len, blocks)):]


def render_block(console: Console, options: ConsoleOptions, source: str) -> list[Strip]:
    """One block's lines at ``options``' width, without the empty lines Rich puts
    around lists, tables and quotes (the caller spaces blocks evenly)."""
    lines = console.render_lines(_AnswerMarkdown(source), options, pad=False)
    start, end = 0, len(lines)
    while start < end and not any(seg.text for seg in lines[start]):
        start += 1
    while end > start and not any(seg.text for seg in lines[end - 1]):
        end -= 1
    return [Strip(line) for line in lines[start:end]]


class MarkdownBlock:
    """One block's source and its rendered lines, kept for the last width (and, padded
    to the width with the widget's base style under them, for the last style)."""

    __slots__ = ("_lines", "_style", "_styled", "_width", "source")

    def __init__(self, source: str) -> None:
        self.source = source
        self._width = -1
        self._lines: list[Strip] = []
        self._style: Style | None = None
        self._styled: list[Strip] = []

    def lines(self, console: Console, options: ConsoleOptions, width: int) -> list[Strip]:
        """The rendered lines at ``width`` (rendered once per width)."""
        if width != self._width:
            self._lines = render_block(console, options.update_width(width), self.source)
            self._width = width
            self._style = None
        return self._lines

    def styled(self, console: Console, options: ConsoleOptions, width: int,
               style: Style) -> list[Strip]:
        """:meth:`lines`, each padded to ``width`` with ``style`` as the base."""
        lines = self.lines(console, options, width)
        if style != self._style:
            self._styled = [line.crop_extend(0, width, style).apply_style(style)
                            for line in lines]
            self._style = style
        return self._styled
