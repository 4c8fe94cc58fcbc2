"""The row of tabs at the top of the main screen."""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

__all__ = ["TabBar", "TabItem"]

# Markers shown on background tabs (the active tab's state is in the status bar).
MARKERS = {
    "streaming": "⋯",
    "approval": "!",
    "failed": "✗",
    "unseen": "●",
}


@dataclass(frozen=True, slots=True)
class TabItem:
    """What the bar shows for one tab: its id, name and background marker."""

    tab_id: str
    name: str
    marker: str = ""  # a key of MARKERS, or ""


class TabBar(Widget):
    """One line of tabs: ``N name`` for each tab (Alt+1..9 jump to the first nine),
    the active one highlighted, background tabs with a marker (⋯ streaming, ! needs
    approval, ✗ failed, ● finished unseen), and ``+`` to open a new tab. Click a tab to
    switch to it.

    Attributes down: the screen sets :attr:`items` and :attr:`active`.
    Messages up: :class:`TabBar.Selected`, :class:`TabBar.NewTabRequested`.
    """

    DEFAULT_CSS = """
    TabBar {
        height: 1;
        width: 1fr;
        background: $panel;
        color: $text-muted;
    }
    TabBar > .tab-bar--active {
        background: $primary;
        color: $text;
        text-style: bold;
    }
    TabBar > .tab-bar--marker {
        color: $warning;
        text-style: bold;
    }
    TabBar > .tab-bar--failed {
        color: $error;
        text-style: bold;
    }
    TabBar > .tab-bar--new {
        color: $accent;
    }
    """

    COMPONENT_CLASSES = {"tab-bar--active", "tab-bar--marker", "tab-bar--failed",
                         "tab-bar--new"}

    items: reactive[tuple[TabItem, ...]] = reactive(tuple)
    active: reactive[str] = reactive("")

    class Selected(Message):
        """The user clicked a tab."""

        def __init__(self, tab_id: str) -> None:
            super().__init__()
            self.tab_id = tab_id

    class NewTabRequested(Message):
        """The user clicked ``+``."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._spans: list[tuple[int, int, str]] = []  # (start, end, tab_id or "+")

    def render(self) -> Content:
        parts: list[Content] = []
        spans: list[tuple[int, int, str]] = []
        x = 0
        active_style = self.get_visual_style("tab-bar--active")
        marker_style = self.get_visual_style("tab-bar--marker")
        failed_style = self.get_visual_style("tab-bar--failed")
        width = self.size.width or 80
        budget = max(8, (width - 4) // max(1, len(self.items)) - 1)
        for n, item in enumerate(self.items, start=1):
            num = str(n)  # every tab is numbered; Alt+1..9 reach the first nine
            room = budget - 3 - len(num)
            name = item.name if len(item.name) <= room else item.name[: room - 1] + "…"
            label = Content(f" {num} {name} ")
            if item.tab_id == self.active:
                label = label.stylize(active_style)
            elif item.marker:
                style = failed_style if item.marker == "failed" else marker_style
                label = label.append(Content(MARKERS[item.marker]).stylize(style)).append(" ")
            spans.append((x, x + label.cell_length, item.tab_id))
            x += label.cell_length
            parts.append(label)
            parts.append(Content("│"))
            x += 1
        plus = Content(" + ").stylize(self.get_visual_style("tab-bar--new"))
        spans.append((x, x + 3, "+"))
        parts.append(plus)
        self._spans = spans
        return Content("").join(parts)

    def on_click(self, event: events.Click) -> None:
        for start, end, tab_id in self._spans:
            if start <= event.x < end:
                event.stop()
                if tab_id == "+":
                    self.post_message(self.NewTabRequested())
                else:
                    self.post_message(self.Selected(tab_id))
                return
