"""Compare models: pick 2–4 models and one prompt (:class:`CompareSetup`), then watch the
answers stream side by side (:class:`CompareScreen`) and keep one or all of them.

The columns are forks of the tab (``prepare_compare`` then ``run_compare``, the two
steps of ``compare_prompt``), so each has its own agent, approvals, usage and shell.
Ending the screen says what to keep; the main screen does it:

- ``("keep", fork_id, fork_ids)``: the chosen answer continues in *this* tab, which
  keeps its shell, its place and its name; the tab takes that model and the fork's turn
  (``adopt_fork``). A user who asked "which model answers this best?" wants to go on
  where they were, not in a new tab with a new shell. The forks are closed; they stay
  in the archive, under this tab in the sessions browser.
- ``("all", fork_ids)``: every fork becomes a tab of its own; this tab is unchanged.
- ``("close", fork_ids)``: nothing is kept open (the forks stay in the archive).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, SelectionList, Static
from textual.widgets.selection_list import Selection

from ...api import MAX_COMPARE, AiConfig, ProviderInfo
from ...api.views import CompareEntry, comparison_markdown
from ...errors import ApprovalNotFound, TabwiseError
from ...events import Cancelled, Completed, Error, Event, ToolApprovalRequest
from ..widgets import ApprovalCard
from ..widgets._compare_column import CompareColumn

if TYPE_CHECKING:
    from ...commands import Tabwise

__all__ = ["MAX_COLUMNS", "CompareScreen", "CompareSetup"]

MAX_COLUMNS = min(4, MAX_COMPARE)  # side by side, more do not fit a terminal
CompareResult = tuple[Any, ...]


class CompareSetup(ModalScreen[tuple[list[AiConfig], str] | None]):
    """Tick 2–4 models (Space), type the prompt, Enter starts; Esc closes."""

    DEFAULT_CSS = """
    CompareSetup { align: center middle; background: $background 60%; }
    CompareSetup > Vertical {
        width: 90; max-width: 95%; height: 80%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    CompareSetup .setup-title { text-style: bold; padding: 0 0 1 0; }
    CompareSetup .setup-hint { color: $text-muted; }
    CompareSetup SelectionList { height: 1fr; }
    """

    BINDINGS = [Binding("escape", "close", "Close")]

    def __init__(self, providers: list[ProviderInfo], current: AiConfig | None,
                 tab_name: str) -> None:
        super().__init__()
        self.choices = [(p.name, m) for p in providers if p.configured for m in p.models]
        self.current = (current.provider, current.model) if current else None
        self.tab_name = tab_name

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(f"Compare models on tab “{self.tab_name}”"),
                         classes="setup-title")
            yield SelectionList[tuple[str, str]](*(
                Selection(f"{p}/{m}", (p, m), (p, m) == self.current)
                for p, m in self.choices))
            yield Input(placeholder="The prompt every model answers", id="compare-prompt")
            yield Static(Content(f"Space ticks a model (2–{MAX_COLUMNS}) · Enter in the "
                                 "prompt starts · Esc closes"), classes="setup-hint")

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    @on(Input.Submitted)
    def _start(self, event: Input.Submitted) -> None:
        picked: list[tuple[str, str]] = list(self.query_one(SelectionList).selected)
        prompt = event.value.strip()
        if not 2 <= len(picked) <= MAX_COLUMNS:
            self.notify(f"Tick 2 to {MAX_COLUMNS} models to compare (Space).",
                        severity="warning")
            return
        if not prompt:
            self.notify("Type the prompt to send to every model.", severity="warning")
            return
        self.dismiss(([AiConfig(p, m) for p, m in picked], prompt))

    def action_close(self) -> None:
        self.dismiss(None)


class CompareScreen(Screen[CompareResult]):
    """The forks' answers in columns, streaming at once, each with its approval cards,
    tokens, cost and time."""

    DEFAULT_CSS = """
    CompareScreen { layout: vertical; }
    CompareScreen > .compare-prompt {
        height: auto; max-height: 4; padding: 0 1; background: $boost; text-style: bold;
    }
    CompareScreen > .compare-hint { height: 1; padding: 0 1; color: $text-muted; }
    CompareScreen > Horizontal { height: 1fr; }
    """

    BINDINGS = [
        *(Binding(str(n), f"keep({n})", f"Keep {n}", show=False) for n in range(1, 5)),
        Binding("t", "keep_all", "Keep all as tabs"),
        Binding("m", "export", "Export Markdown"),
        Binding("escape", "close", "Close"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | 1..4 | Keep that answer: it continues in this tab (with that model). |
    | t | Keep every answer, each as a tab of its own. |
    | m | Export the comparison as Markdown to the tab's directory. |
    | escape | Close (running answers are cancelled; the forks stay archived). |
    """

    def __init__(self, core: Tabwise, taps: dict[str, Callable[[Event], None]],
                 source_id: str, configs: list[AiConfig], prompt: str,
                 working_directory: str) -> None:
        super().__init__()
        self.core = core
        self.taps = taps
        self.source_id = source_id
        self.configs = configs
        self.prompt = prompt
        self.working_directory = working_directory
        self.columns: list[CompareColumn] = []
        self.done = False  # every fork's turn has returned (answered, failed, cancelled)

    def compose(self) -> ComposeResult:
        yield Static(Content(f"❯ {self.prompt}"), classes="compare-prompt")
        yield Static(Content("1–4 keep that answer in this tab · t keep all as tabs · "
                             "m export Markdown · Esc close"), classes="compare-hint")
        yield Horizontal(id="compare-columns")

    def on_mount(self) -> None:
        self.start()

    @property
    def fork_ids(self) -> list[str]:
        return [c.session_id for c in self.columns]

    @work(group="compare", exclusive=True)
    async def start(self) -> None:
        try:
            forks = await self.core.prepare_compare(self.source_id, self.configs)
        except TabwiseError as exc:
            self.notify(str(exc), title="Not compared", severity="error", markup=False)
            self.dismiss(("close", []))
            return
        row = self.query_one("#compare-columns", Horizontal)
        for i, f in enumerate(forks, 1):
            col = CompareColumn(i, f.session_id, f.ai_config or AiConfig("", ""))
            self.columns.append(col)
            self.taps[f.session_id] = self._tap(col)
        await row.mount_all(self.columns)
        await self.core.run_compare(self.fork_ids, self.prompt)
        self.done = True

    def _tap(self, col: CompareColumn) -> Callable[[Event], None]:
        def tap(ev: Event) -> None:
            col.apply_event(ev)
            if isinstance(ev.payload, (Completed, Error, Cancelled, ToolApprovalRequest)):
                self.refresh_spend(col)

        return tap

    @work(group="spend", exclusive=False)
    async def refresh_spend(self, col: CompareColumn) -> None:
        with contextlib.suppress(TabwiseError):
            col.spend = await self.core.get_session_usage(col.session_id)

    @on(ApprovalCard.Decided)
    def _decided(self, message: ApprovalCard.Decided) -> None:
        message.stop()
        self.answer(message.card, message.decision)

    @work(group="approvals", exclusive=False)
    async def answer(self, card: ApprovalCard, decision: str) -> None:
        try:
            await self.core.respond_to_tool_approval(card.session_id, card.request_id,
                                                     decision)
        except ApprovalNotFound:
            card.resolve("expired (timed out or cancelled)")
        except TabwiseError as exc:
            self.notify(str(exc), severity="error", markup=False)
        else:
            card.resolve("approved" if decision != "deny" else "denied")

    @on(CompareColumn.KeepRequested)
    def _keep_clicked(self, message: CompareColumn.KeepRequested) -> None:
        self.action_keep(message.column.index)

    def _all_finished(self) -> bool:
        if self.done and all(c.finished for c in self.columns):
            return True
        self.notify("Some answers are still coming (or waiting for an approval).",
                    severity="warning")
        return False

    def action_keep(self, n: int) -> None:
        if not 1 <= n <= len(self.columns) or not self._all_finished():
            return
        col = self.columns[n - 1]
        if col.state != "idle":
            self.notify(f"{col.label} has no answer to keep.", severity="warning")
            return
        self._leave(("keep", col.session_id, self.fork_ids))

    def action_keep_all(self) -> None:
        if self._all_finished():
            self._leave(("all", self.fork_ids))

    def action_close(self) -> None:
        for col in self.columns:
            if not col.finished:
                self.cancel(col.session_id)
        self._leave(("close", self.fork_ids))

    @work(group="cancel", exclusive=False)
    async def cancel(self, sid: str) -> None:
        with contextlib.suppress(TabwiseError):
            await self.core.cancel_ai_prompt(sid)

    def _leave(self, result: CompareResult) -> None:
        for sid in self.fork_ids:
            self.taps.pop(sid, None)
        self.dismiss(result)

    def entries(self) -> list[CompareEntry]:
        return [CompareEntry(c.ai_config, c.response if c.state == "idle" else None,
                             c.error if c.state != "idle" else None, c.spend, c.duration_ms)
                for c in self.columns]

    @work(group="export", exclusive=False)
    async def action_export(self) -> None:
        text = comparison_markdown(self.prompt, self.entries())
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", self.prompt[:30]).strip("-") or "prompt"
        path = Path(self.working_directory) / \
            f"tabwise-compare-{slug}-{time.strftime('%Y%m%d-%H%M%S')}.md"
        try:
            await asyncio.to_thread(_write_new, path, text)
        except OSError as exc:
            self.notify(f"Could not write {path}: {exc.strerror or exc}", severity="error",
                        markup=False)
            return
        self.notify(str(path), title="Comparison exported", markup=False)


def _write_new(path: Path, text: str) -> None:
    with path.open("x", encoding="utf-8") as f:
        f.write(text)
