"""One tool call in the agent timeline: name, arguments and (once known) the result."""

from __future__ import annotations

import json
from typing import Any, cast

from textual.content import Content
from textual.widgets import Collapsible, Static

__all__ = ["ToolCard", "summarize_args"]

RESULT_LIMIT = 4000
_STATUS = {"running": "…", "ok": "✓", "failed": "✗", "denied": "⊘"}


def summarize_args(args: dict[str, Any], width: int = 24) -> str:
    """``key=value`` pairs on one line, cut to ``width`` characters."""
    parts = []
    for key, value in args.items():
        text = value if isinstance(value, str) else json.dumps(value)
        parts.append(f"{key}={text}")
    line = " ".join(parts).replace("\n", "⏎")
    return line if len(line) <= width else line[: width - 1] + "…"


class ToolCard(Collapsible):
    """A collapsed card ``✓ tool_name args…``; expanded it shows the full arguments
    and the result. The status is one of running, ok, failed, denied."""

    DEFAULT_CSS = """
    ToolCard {
        margin: 1 0 0 0;
        padding: 0;
        border: none;
        border-left: thick $secondary;
        background: $boost;
        & > Contents { padding: 0 1; }
        & .tool-card--section { color: $text-muted; text-style: bold; }
        &.-failed { border-left: thick $error; }
        &.-denied { border-left: thick $warning; }
    }
    """

    def __init__(self, request_id: str, tool_name: str, args: dict[str, Any]) -> None:
        self.request_id = request_id
        self.tool_name = tool_name
        self.args = args
        self.status = "running"
        self.result: str | None = None
        args_text = json.dumps(args, indent=2, ensure_ascii=False)
        self._result_view = Static("", classes="tool-card--result")
        self._result_view.display = False
        super().__init__(
            Static("arguments", classes="tool-card--section"),
            Static(Content(args_text)),
            self._result_view,
            title=self._card_title(), collapsed=True,  # type: ignore[arg-type]
        )

    def _card_title(self) -> Content:
        # Content, not a str: a str title is parsed as markup and args may hold "[".
        return Content(f"{_STATUS[self.status]} {self.tool_name}  {summarize_args(self.args)}")

    def _retitle(self) -> None:
        # Collapsible types its title as str; its label takes Content, which is what
        # keeps "[" in args from being read as markup.
        self.title = cast("str", self._card_title())

    def set_result(self, success: bool, result: str) -> None:
        self.status = "ok" if success else "failed"
        self.result = result
        shown = result if len(result) <= RESULT_LIMIT else \
            result[:RESULT_LIMIT] + f"\n… ({len(result) - RESULT_LIMIT} more characters)"
        self._result_view.update(Content("result\n").stylize("bold", 0, 6) + Content(shown))
        self._result_view.display = True
        self.set_class(not success, "-failed")
        self._retitle()

    def set_denied(self, reason: str) -> None:
        self.status = "denied"
        self.result = reason
        self._result_view.update(Content(f"denied: {reason}"))
        self._result_view.display = True
        self.add_class("-denied")
        self._retitle()
