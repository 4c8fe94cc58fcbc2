"""A tab's state in the TUI is the core's ``state_changed``, never rebuilt from other
events (one state machine: the agent bridge's)."""

from __future__ import annotations

from textual.app import App, ComposeResult

from tabwise.api import AiConfig, SessionInfo
from tabwise.events import (
    Completed,
    Event,
    Payload,
    Started,
    StateChanged,
    TextDelta,
    ToolApprovalRequest,
    ToolCall,
)
from tabwise.tui.widgets import AgentPanel, SessionView


class Harness(App[None]):
    def __init__(self, view: SessionView) -> None:
        super().__init__()
        self.view = view
        self.sent: list[str] = []

    def compose(self) -> ComposeResult:
        yield self.view

    def on_agent_panel_prompt_submitted(self, message: AgentPanel.PromptSubmitted) -> None:
        self.sent.append(message.text)


def tab(status: str = "idle") -> SessionView:
    info = SessionInfo("s1", "one", "/w", 0.0, 0.0, 0, AiConfig("local1", "m1"), status,
                       live=True, closed=False, forked_from=None, mcp_servers=())
    return SessionView(info, None)


async def test_the_state_comes_only_from_state_changed() -> None:
    view = tab()
    app = Harness(view)
    seq = iter(range(1, 100))

    def apply(p: Payload) -> None:
        view.apply_event(Event("s1", next(seq), 0.0, p), active=True)

    async with app.run_test() as pilot:
        apply(Started("t1", "local1", "m1"))
        apply(ToolCall("c1", "write_file", {"path": "x"}))
        apply(ToolApprovalRequest("c1", "write_file", {"path": "x"}, "medium", (), "/w"))
        await pilot.pause()
        # The card is shown, but the state is what the core said last: nothing yet.
        assert view.panel.timeline.pending_approvals
        assert view.state == "idle" and view.tab_item().marker == ""
        assert not view.panel.busy

        apply(StateChanged("awaiting_approval"))
        assert view.state == "awaiting_approval" and view.tab_item().marker == "approval"
        assert view.panel.busy
        apply(StateChanged("streaming"))
        apply(TextDelta("done"))
        assert view.state == "streaming" and view.tab_item().marker == "streaming"
        apply(Completed("t1", "done", 1, 1, None, 1.0))
        assert view.state == "streaming"  # until the core says idle
        apply(StateChanged("idle"))
        assert view.state == "idle" and not view.panel.busy


async def test_a_queued_prompt_goes_when_the_core_says_idle() -> None:
    view = tab("streaming")  # a restored tab whose turn runs
    app = Harness(view)
    async with app.run_test() as pilot:
        assert view.panel.busy
        view.panel.queue_prompt("next", False)
        view.apply_event(Event("s1", 1, 0.0, Completed("t", "a", 1, 1, None, 1.0)),
                         active=True)
        await pilot.pause()
        assert app.sent == [] and [q.text for q in view.panel.queued] == ["next"]
        view.apply_event(Event("s1", 2, 0.0, StateChanged("idle")), active=True)
        await pilot.pause()
        assert app.sent == ["next"] and not view.panel.queued
        # Busy at once, before the core's first state change for that prompt arrives.
        assert view.panel.busy and view.panel.sending
        view.apply_event(Event("s1", 3, 0.0, StateChanged("streaming")), active=True)
        assert view.panel.busy and not view.panel.sending
