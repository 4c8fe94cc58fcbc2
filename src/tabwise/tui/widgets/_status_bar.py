"""The status line of the active tab."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from ...api import Usage

__all__ = ["StatusBar", "format_spend"]

STATE_LABELS = {
    "idle": "idle",
    "streaming": "streaming",
    "awaiting_approval": "awaiting approval",
    "error": "error",
    "no_model": "no model",
}
GAUGE_CELLS = 8
KEY_HINTS = "F1 commands  F2 model  F3 focus  F10 quit"


def _tokens(n: int) -> str:
    if n < 1000:
        return str(n)
    if n < 1_000_000:
        return f"{n / 1000:.1f}k"
    return f"{n / 1_000_000:.2f}M"


def format_spend(usage: Usage | None) -> str:
    """``12.3k tok · $0.0123`` from a ``get_session_usage`` result; the cost is "—" when
    no price is known (a custom or local model), and "$…+" when only part of it is."""
    if not usage or not usage.requests:
        return ""  # nothing spent yet
    tokens = _tokens(usage.input_tokens + usage.output_tokens)
    cost = usage.cost_usd
    if cost is None:
        money = "—"
    else:
        money = f"${cost:.4f}" if cost < 1 else f"${cost:,.2f}"
        if usage.unpriced_requests:
            money += "+"
    return f"{tokens} tok · {money}"


class StatusBar(Widget):
    """``provider · model │ context gauge % │ working directory │ state`` with key hints
    on the right. Attributes down only: the screen sets the reactives for the active tab.
    """

    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        width: 1fr;
        background: $panel;
        color: $text;
    }
    StatusBar > .status-bar--model { color: $accent; text-style: bold; }
    StatusBar > .status-bar--dim { color: $text-muted; }
    StatusBar > .status-bar--gauge { color: $success; }
    StatusBar > .status-bar--gauge-warn { color: $warning; }
    StatusBar > .status-bar--gauge-high { color: $error; }
    StatusBar > .status-bar--idle { color: $text-muted; }
    StatusBar > .status-bar--streaming { color: $accent; text-style: bold; }
    StatusBar > .status-bar--awaiting_approval { color: $warning; text-style: bold; }
    StatusBar > .status-bar--error { color: $error; text-style: bold; }
    StatusBar > .status-bar--no_model { color: $warning; }
    """

    COMPONENT_CLASSES = {
        "status-bar--model", "status-bar--dim", "status-bar--gauge",
        "status-bar--gauge-warn", "status-bar--gauge-high", "status-bar--idle",
        "status-bar--streaming", "status-bar--awaiting_approval", "status-bar--error",
        "status-bar--no_model",
    }

    model: reactive[str] = reactive("")
    """``provider · model`` of the active tab ("" when it has none)."""
    utilization: reactive[float | None] = reactive(None)
    """Context window use, 0..1 (None: unknown)."""
    working_directory: reactive[str] = reactive("")
    rules: reactive[str] = reactive("")
    """The project rules file in effect (``AGENTS.md``, ``CLAUDE.md``, "" for none)."""
    mcp: reactive[str] = reactive("")
    """The active tab's connected MCP servers, comma-separated ("" for none)."""
    state: reactive[str] = reactive("idle")
    """idle | streaming | awaiting_approval | error | no_model"""
    warning_threshold: reactive[float] = reactive(0.75)
    spend: reactive[str] = reactive("")
    """The tab's tokens and cost so far (see :func:`format_spend`; "" hides it)."""
    hints: reactive[str] = reactive(KEY_HINTS)
    """The key hints on the right (they follow ``[keys]`` and full-screen programs)."""

    def render(self) -> Content:
        style = self.get_visual_style
        sep = Content(" │ ").stylize(style("status-bar--dim"))
        parts: list[Content] = [Content(" ")]
        model = self.model or "no model"
        parts.append(Content(model).stylize(style("status-bar--model")))
        parts.append(sep)
        parts.append(self._gauge())
        parts.append(sep)
        if self.spend:
            parts.append(Content(self.spend).stylize(style("status-bar--dim")))
            parts.append(sep)
        parts.append(Content(self.working_directory).stylize(style("status-bar--dim")))
        if self.rules:
            parts.append(Content(f" · {self.rules}").stylize(style("status-bar--dim")))
        parts.append(sep)
        if self.mcp:
            parts.append(Content(f"mcp {self.mcp}").stylize(style("status-bar--dim")))
            parts.append(sep)
        state = self.state if self.state in STATE_LABELS else "idle"
        parts.append(Content(STATE_LABELS[state]).stylize(style(f"status-bar--{state}")))
        left = Content("").join(parts)
        hints = Content(self.hints + " ").stylize(style("status-bar--dim"))
        width = self.size.width or 120
        room = width - left.cell_length - hints.cell_length
        if room >= 1:
            return left + Content(" " * room) + hints
        return left

    def _gauge(self) -> Content:
        style = self.get_visual_style
        if self.utilization is None:
            return Content("ctx " + "·" * GAUGE_CELLS + "  --").stylize(style("status-bar--dim"))
        u = max(0.0, min(1.0, self.utilization))
        filled = round(u * GAUGE_CELLS)
        if u >= 0.9:
            cls = "status-bar--gauge-high"
        elif u >= self.warning_threshold:
            cls = "status-bar--gauge-warn"
        else:
            cls = "status-bar--gauge"
        bar = Content("█" * filled).stylize(style(cls)) + \
            Content("░" * (GAUGE_CELLS - filled)).stylize(style("status-bar--dim"))
        pct = "<1" if 0 < u < 0.01 else f"{round(u * 100):>2}"
        return Content("ctx ").stylize(style("status-bar--dim")) + bar + Content(f" {pct}%")
