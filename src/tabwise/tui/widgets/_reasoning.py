"""The model's reasoning for one step, collapsed by default."""

from __future__ import annotations

from textual.content import Content
from textual.timer import Timer
from textual.widgets import Collapsible, Static

__all__ = ["ReasoningBlock"]

FLUSH_INTERVAL = 0.1


class ReasoningBlock(Collapsible):
    """A collapsed "Reasoning" section that fills with reasoning deltas (coalesced).

    Enter or a click on the title expands it.
    """

    DEFAULT_CSS = """
    ReasoningBlock {
        margin: 1 0 0 0;
        padding: 0;
        border: none;
        background: transparent;
        color: $text-muted;
        & > Contents { padding: 0 0 0 2; }
        & Static { color: $text-muted; text-style: italic; }
    }
    """

    def __init__(self, text: str = "", *, done: bool = False) -> None:
        self._body = Static(Content(text))
        super().__init__(self._body, title="Reasoning" if done else "Reasoning…",
                         collapsed=True)
        self.text = text
        self._timer: Timer | None = None

    def add(self, delta: str) -> None:
        self.text += delta
        if self._timer is None:
            self._timer = self.set_timer(FLUSH_INTERVAL, self._flush)

    def finish(self) -> None:
        self.title = "Reasoning"
        self._flush()

    def _flush(self) -> None:
        self._timer = None
        self._body.update(Content(self.text))
