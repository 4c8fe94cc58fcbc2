"""A streamed assistant answer, rendered as Markdown."""

from __future__ import annotations

from textual.timer import Timer
from textual.widgets import Markdown

__all__ = ["AnswerBlock"]

FLUSH_INTERVAL = 0.05  # at most ~20 renders a second, however fast the deltas come


class AnswerBlock(Markdown):
    """Markdown that grows by :meth:`add` without re-rendering for every delta.

    Deltas go to a buffer; a short timer appends the whole buffer at once, and a new
    append starts only after the previous one finished (``Markdown.append`` is not safe
    to overlap). :attr:`text` is everything received so far.
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

    def __init__(self, text: str = "") -> None:
        super().__init__(text)
        self.text = text
        self._pending: list[str] = []
        self._timer: Timer | None = None
        self._flushing = False

    def add(self, delta: str) -> None:
        """Queue a text delta; it shows within :data:`FLUSH_INTERVAL` seconds."""
        if not delta:
            return
        self.text += delta
        self._pending.append(delta)
        if self._timer is None and not self._flushing:
            self._timer = self.set_timer(FLUSH_INTERVAL, self._flush)

    def finish(self) -> None:
        """Show whatever is buffered now (the turn ended)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if not self._flushing:
            self.call_later(self._flush)

    async def _flush(self) -> None:
        self._timer = None
        if self._flushing or not self._pending:
            return
        self._flushing = True
        chunk = "".join(self._pending)
        self._pending.clear()
        try:
            await self.append(chunk)
        finally:
            self._flushing = False
        if self._pending and self._timer is None:
            self._timer = self.set_timer(FLUSH_INTERVAL, self._flush)
