"""The scrolling record of one tab's conversation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual.containers import VerticalScroll
from textual.geometry import Size
from textual.widget import AwaitMount, Widget

from ...api import Answer, Compaction, Message, Reasoning, ToolCall, TurnError, UserPrompt
from ...events import (
    Payload,
    ReasoningDelta,
    TextDelta,
    ToolApprovalRequest,
    ToolDenied,
    ToolResult,
)
from ...events import ToolCall as ToolCallEvent
from ._answer import AnswerBlock
from ._approval_card import ApprovalCard
from ._notice import Notice, NoticeKind
from ._reasoning import ReasoningBlock
from ._tool_card import ToolCard

__all__ = ["Timeline", "history_entries", "prompt_label"]

TERMINAL_SUFFIX = "   ⌁ + terminal screen"


def prompt_label(text: str, with_terminal: bool) -> str:
    """How a prompt shows in the timeline."""
    return text + (TERMINAL_SUFFIX if with_terminal else "")


class Timeline(VerticalScroll, can_focus=False):
    """Prompts, streamed answers (Markdown), reasoning (collapsed), tool cards, approval
    cards and notices, in order, kept scrolled to the bottom while the user has not
    scrolled up. Driven by method calls from the agent panel (attributes down)."""

    DEFAULT_CSS = """
    Timeline {
        height: 1fr;
        padding: 0 1 1 1;
        scrollbar-size-vertical: 1;
        /* Reserve the scrollbar's column: when it appears, nothing re-wraps. */
        scrollbar-gutter: stable;
    }
    """

    def __init__(self, session_id: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.session_id = session_id
        self._answer: AnswerBlock | None = None
        self._reasoning: ReasoningBlock | None = None
        self._tools: dict[str, ToolCard] = {}
        self._approvals: dict[str, ApprovalCard] = {}
        self._earlier: list[Widget] = []  # restored entries not mounted yet, oldest first
        self._marker: Notice | None = None  # "scroll up for more", while there is more
        self._loading = False
        # Entries added before the timeline is mounted (an event can reach a tab whose
        # view is still being mounted): mounted, in order, as soon as it is.
        self._early: list[Widget] = []

    def watch_virtual_size(self, size: Size) -> None:
        # Anchor (follow new output) only once the content overflows: an anchored
        # container with little content would sit it at the bottom of the panel.
        height = self.container_size.height
        if not self.is_anchored and 0 < height < size.height:
            self.anchor()

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size,
                      layout: bool = True) -> bool:
        # The layout that measured the new virtual size has placed everything already:
        # setting it the normal way would ask for a second layout (and a second paint
        # of the whole panel) each time a streamed answer grows by a line.
        old = self.virtual_size
        resized = super()._size_updated(size, virtual_size, container_size, layout=False)
        if virtual_size != old:
            self.watch_virtual_size(virtual_size)
        return resized

    def _add(self, widget: Widget) -> Widget:
        if self.is_mounted:
            self.mount(widget)
        else:
            self._early.append(widget)
        return widget

    def on_mount(self) -> None:
        if self._early:
            early, self._early = self._early, []
            self.mount_all(early)

    @property
    def last_entry(self) -> Widget | None:
        if self._early:
            return self._early[-1]
        return self.children[-1] if self.children else None

    # -- entries ---------------------------------------------------------------------

    def add_prompt(self, text: str, *, with_terminal: bool = False) -> None:
        self.end_turn()
        self._add(Notice(prompt_label(text, with_terminal), "prompt"))

    def remove_last_prompt(self) -> None:
        """Take the last prompt entry back (it was not sent after all)."""
        for child in reversed(self.children):
            if isinstance(child, Notice) and child.kind == "prompt":
                child.remove()
                return

    def add_notice(self, text: str, kind: NoticeKind = "info") -> Notice:
        notice = Notice(text, kind)
        self._add(notice)
        return notice

    def text_delta(self, delta: str) -> None:
        if self._answer is None or self.last_entry is not self._answer:
            self._close_reasoning()
            self._answer = AnswerBlock()
            self._add(self._answer)
        self._answer.add(delta)

    def reasoning_delta(self, delta: str) -> None:
        if self._reasoning is None or self.last_entry is not self._reasoning:
            self._reasoning = ReasoningBlock()
            self._add(self._reasoning)
        self._reasoning.add(delta)

    def tool_call(self, request_id: str, tool_name: str, args: dict[str, Any]) -> None:
        self._close_reasoning()
        self._close_answer()
        shown = self._tools.get(request_id)
        if shown is not None and shown.status == "running":
            return  # already on screen (a restored waiting turn's call, run once answered)
        card = ToolCard(request_id, tool_name, args)
        self._tools[request_id] = card
        self._add(card)

    def tool_result(self, request_id: str, success: bool, result: str) -> None:
        card = self._tools.get(request_id)
        if card is not None:
            card.set_result(success, result)
        self.resolve_approval(request_id, "approved")

    def tool_denied(self, request_id: str, reason: str) -> None:
        card = self._tools.get(request_id)
        if card is not None:
            card.set_denied(reason)
        self.resolve_approval(request_id, f"denied ({reason})" if reason else "denied")

    def apply_turn_event(self, payload: Payload) -> ApprovalCard | bool:
        """Show ``payload`` if it is part of a turn's stream (deltas, tool calls, their
        approvals and results): the approval card it opened, True if it was shown, False
        if it is not a stream event (the caller shows it its own way)."""
        match payload:
            case TextDelta(delta=text):
                self.text_delta(text)
            case ReasoningDelta(delta=text):
                self.reasoning_delta(text)
            case ToolCallEvent(request_id=rid, tool_name=name, args=args):
                self.tool_call(rid, name, args)
            case ToolApprovalRequest(request_id=rid, tool_name=name, args=args, risk=risk,
                                     reasons=reasons, working_directory=cwd):
                return self.approval_request(rid, name, args, risk, cwd, reasons)
            case ToolDenied(request_id=rid, reason=reason):
                self.tool_denied(rid, reason)
            case ToolResult(request_id=rid, success=ok, result=result):
                self.tool_result(rid, ok, result)
            case _:
                return False
        return True

    def approval_request(self, request_id: str, tool_name: str, args: dict[str, Any],
                         risk: str, working_directory: str | None = None,
                         reasons: tuple[str, ...] = ()) -> ApprovalCard:
        existing = self._approvals.get(request_id)
        if existing is not None and not existing.resolved:
            return existing  # asked again (a restored tab): one card per request
        self._close_answer()
        card = ApprovalCard(self.session_id, request_id, tool_name, args, risk,
                            working_directory=working_directory, reasons=reasons)
        self._approvals[request_id] = card
        self._add(card)
        return card

    def resolve_approval(self, request_id: str, outcome: str) -> None:
        card = self._approvals.pop(request_id, None)
        if card is not None:
            card.resolve(outcome)

    @property
    def pending_approvals(self) -> list[ApprovalCard]:
        return [c for c in self._approvals.values() if not c.resolved]

    def end_turn(self, outcome: str = "") -> None:
        """The turn finished: flush the answer, settle any approval still open."""
        self._close_reasoning()
        self._close_answer()
        for request_id in list(self._approvals):
            self.resolve_approval(request_id, outcome or "closed")

    def _close_answer(self) -> None:
        if self._answer is not None:
            self._answer.finish()
            self._answer = None

    def _close_reasoning(self) -> None:
        if self._reasoning is not None:
            self._reasoning.finish()
            self._reasoning = None

    def clear_entries(self) -> None:
        self._answer = None
        self._reasoning = None
        self._tools.clear()
        self._approvals.clear()
        self._earlier = []
        self._marker = None
        self.anchor(False)
        self.remove_children()

    # -- history -----------------------------------------------------------------------

    def load_history(self, messages: Sequence[Message]) -> AwaitMount | None:
        """Show a restored conversation (``get_conversation``): the last entries now,
        older ones when the user scrolls to the top (:meth:`load_earlier`). Entries go
        before anything already shown (events that came while the tab was unseen)."""
        entries = history_entries(messages)
        if not entries:
            return None
        for entry in entries:
            if isinstance(entry, ToolCard) and entry.status == "running":
                # A call of a turn still waiting for approval: its result comes as an
                # event once answered.
                self._tools.setdefault(entry.request_id, entry)
        # About a screenful first (what a tab switch waits for); more on scroll, or at
        # once if that did not fill the panel (see _fill).
        budget = min(HISTORY_LINES, max(FIRST_LINES, self.app.size.height))
        start = len(entries)
        weight = 0
        while start > 0 and weight < budget:
            start -= 1
            weight += _weight(entries[start])
        first = entries[start]
        if isinstance(first, AnswerBlock) and weight > budget:
            # One long answer: show its end; the rest comes on scroll too.
            first.show_last(budget - (weight - _weight(first)))
        self._earlier = entries[:start]
        shown = entries[start:]
        if self._earlier or (isinstance(first, AnswerBlock) and first.hidden_blocks):
            self._marker = Notice("Earlier conversation: scroll up to see it.", "info")
            self._marker.add_class("-earlier")
            shown.insert(0, self._marker)
        mounted = self.mount_all(shown, before=0) if self.children else self.mount_all(shown)
        if self._marker is not None:
            self.call_after_refresh(self._fill)
        return mounted

    def on_show(self) -> None:
        if self._marker is not None:  # built while its tab was not shown
            self.call_after_refresh(self._fill)

    def prerender(self, width: int) -> None:
        """Render the shown answers for a timeline whose region is ``width`` cells wide (see
        :meth:`AnswerBlock.prerender`)."""
        inner = width - self.styles.gutter.width - self.styles.scrollbar_size_vertical
        for answer in self.query_children(AnswerBlock):
            answer.prerender(inner)

    async def _fill(self) -> None:
        """Show older parts while what is shown does not fill the panel (nothing to
        scroll, so no way to ask for more)."""
        height = self.container_size.height
        if self.has_earlier and not self._loading and self.region and height > 0 \
                and self.virtual_size.height <= height:  # (no region: its tab is hidden)
            await self.load_earlier()
            self.call_after_refresh(self._fill)

    @property
    def has_earlier(self) -> bool:
        """Older entries (or older parts of the first answer) are not shown yet."""
        return self._marker is not None

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if new <= 0 < old and self.has_earlier:
            self.call_after_refresh(self.load_earlier)

    async def load_earlier(self) -> None:
        """Show the next older part of a restored conversation above what is shown,
        keeping what the user looks at where it is."""
        marker = self._marker
        if marker is None or self._loading:
            return
        self._loading = True
        try:
            before = self.virtual_size.height
            after_marker = self.children[1] if len(self.children) > 1 else None
            if isinstance(after_marker, AnswerBlock) and after_marker.hidden_blocks:
                after_marker.reveal(HISTORY_LINES)
            else:
                batch: list[Widget] = []
                weight = 0
                while self._earlier and weight < HISTORY_LINES:
                    entry = self._earlier.pop()
                    batch.insert(0, entry)
                    weight += _weight(entry)
                if batch:
                    await self.mount_all(batch, after=marker)
            first = self.children[1] if len(self.children) > 1 else None
            if not self._earlier and not (isinstance(first, AnswerBlock)
                                          and first.hidden_blocks):
                self._marker = None
                await marker.remove()

            def keep_place() -> None:
                self.scroll_to(y=self.scroll_y + self.virtual_size.height - before,
                               animate=False, immediate=True)

            self.call_after_refresh(keep_place)
        finally:
            self._loading = False


HISTORY_LINES = 80  # at most this many source lines of a restored history show at first
FIRST_LINES = 30  # at least this many (else about the screen's height)


def _weight(widget: Widget) -> int:
    """Roughly how many lines an entry takes (cheap: source lines, not rendered)."""
    if isinstance(widget, AnswerBlock):
        return widget.text.count("\n") + 2
    return 3


def history_entries(messages: Sequence[Message]) -> list[Widget]:
    """The timeline entries of a conversation, oldest first (not mounted)."""
    widgets: list[Widget] = []
    for msg in messages:
        match msg:
            case UserPrompt(text=text, with_terminal=with_terminal):
                widgets.append(Notice(prompt_label(text, with_terminal), "prompt"))
            case Answer(text=text):
                widgets.append(AnswerBlock(text))
            case Reasoning(text=text):
                widgets.append(ReasoningBlock(text, done=True))
            case ToolCall():
                card = ToolCard(msg.request_id, msg.tool_name, msg.args)
                if msg.status == "denied":
                    card.set_denied(msg.reason or msg.result or "")
                elif msg.status != "pending":
                    card.set_result(msg.status == "ok", msg.result or "")
                widgets.append(card)
            case Compaction():
                widgets.append(Notice("Earlier turns were summarized to save context "
                                      "(the export keeps them all)."))
            case TurnError(error_type="cancelled"):
                widgets.append(Notice("Cancelled.", "warning"))  # as shown live
            case TurnError(message=message):
                widgets.append(Notice(message or "The turn failed.", "error"))
    return widgets
