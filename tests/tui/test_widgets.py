"""The TUI's own widgets in isolation (no core): prompt history, tab bar, status bar,
coalesced Markdown updates, timeline history rendering, small formatting helpers."""

from __future__ import annotations

from typing import Any

from pydantic_ai.messages import (
    ModelRequest,
    ModelResponse,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)
from textual.app import App, ComposeResult

from tabwise.agent import build_conversation, split_terminal_context
from tabwise.tui.screens._sessions import describe_session
from tabwise.tui.widgets import (
    AnswerBlock,
    Notice,
    PromptInput,
    ReasoningBlock,
    StatusBar,
    TabBar,
    TabItem,
    Timeline,
    ToolCard,
)
from tabwise.tui.widgets._tool_card import summarize_args

from helpers import session_of


class Harness(App[None]):
    def __init__(self, *widgets: Any) -> None:
        super().__init__()
        self.widgets = widgets
        self.messages: list[Any] = []

    def compose(self) -> ComposeResult:
        yield from self.widgets

    def on_prompt_input_submitted(self, message: PromptInput.Submitted) -> None:
        self.messages.append(message)

    def on_tab_bar_selected(self, message: TabBar.Selected) -> None:
        self.messages.append(message)

    def on_tab_bar_new_tab_requested(self, message: TabBar.NewTabRequested) -> None:
        self.messages.append(message)


async def test_prompt_history_walks_sent_prompts_and_keeps_the_draft() -> None:
    prompt = PromptInput()
    app = Harness(prompt)
    async with app.run_test() as pilot:
        prompt.focus()
        for text in ("first", "second"):
            prompt.load_text(text)
            await pilot.press("enter")
        assert [m.text for m in app.messages] == ["first", "second"]
        await pilot.press(*"dra", "f", "t")
        await pilot.press("up")
        assert prompt.text == "second"
        await pilot.press("up")
        assert prompt.text == "first"
        await pilot.press("up")  # nothing older
        assert prompt.text == "first"
        await pilot.press("down")
        assert prompt.text == "second"
        await pilot.press("down")
        assert prompt.text == "draft"
        prompt.load_text("   ")
        await pilot.press("enter")  # blank: not sent
        assert len(app.messages) == 2


async def test_tab_bar_renders_markers_for_background_tabs_and_clicks() -> None:
    bar = TabBar()
    app = Harness(bar)
    async with app.run_test(size=(80, 3)) as pilot:
        bar.items = (TabItem("a", "alpha"), TabItem("b", "bravo", "streaming"),
                     TabItem("c", "charlie", "approval"), TabItem("d", "delta", "unseen"),
                     TabItem("e", "echo", "failed"))
        bar.active = "a"
        await pilot.pause()
        text = str(bar.render())
        assert text.startswith(" 1 alpha │ 2 bravo ⋯ │ 3 charlie ! │ 4 delta ● │ 5 echo ✗ ")
        await pilot.click(bar, offset=(12, 0))
        await pilot.click(bar, offset=(len(text) - 2, 0))
        assert isinstance(app.messages[0], TabBar.Selected)
        assert app.messages[0].tab_id == "b"
        assert isinstance(app.messages[1], TabBar.NewTabRequested)


async def test_status_bar_shows_model_gauge_directory_and_state() -> None:
    status = StatusBar()
    app = Harness(status)
    async with app.run_test(size=(120, 3)) as pilot:
        status.model = "local2 · m2"
        status.utilization = 0.5
        status.working_directory = "~/src"
        status.state = "awaiting_approval"
        await pilot.pause()
        text = str(status.render())
        assert "local2 · m2" in text and "████░░░░ 50%" in text
        assert "~/src" in text and "awaiting approval" in text and "F10 quit" in text
        status.utilization = 0.001
        assert "<1%" in str(status.render())
        status.utilization = None
        assert "--" in str(status.render())


async def test_timeline_renders_a_restored_history() -> None:
    timeline = Timeline("s1")
    app = Harness(timeline)
    history = [
        ModelRequest(parts=[UserPromptPart(
            "list files\n\n<terminal_context>\n$ ls\n</terminal_context>")]),
        ModelResponse(parts=[ThinkingPart("hmm"), ToolCallPart("list_directory", {"path": "."},
                                                               tool_call_id="t1")]),
        ModelRequest(parts=[ToolReturnPart("list_directory", "a.txt\nb.txt",
                                           tool_call_id="t1")]),
        ModelResponse(parts=[TextPart("Two files: **a.txt** and b.txt")]),
    ]
    async with app.run_test() as pilot:
        timeline.load_history(build_conversation(history))
        await pilot.pause()
        prompts = [n.text for n in timeline.query(Notice)]
        assert len(prompts) == 1 and prompts[0].startswith("list files")
        assert "terminal" in prompts[0] and "$ ls" not in prompts[0]
        assert [r.text for r in timeline.query(ReasoningBlock)] == ["hmm"]
        card = timeline.query_one(ToolCard)
        assert card.tool_name == "list_directory" and card.result == "a.txt\nb.txt"
        assert [a.text for a in timeline.query(AnswerBlock)] == [
            "Two files: **a.txt** and b.txt"]


async def test_a_restored_history_too_short_for_the_panel_shows_more_at_once() -> None:
    """About a screenful shows first; if that does not fill the panel (short answers
    of many source lines), there is no scrolling to ask for more, so more comes."""
    timeline = Timeline("s1")
    app = Harness(timeline)
    history: list[Any] = []
    for i in range(40):
        history.append(ModelRequest(parts=[UserPromptPart(f"question {i}")]))
        history.append(ModelResponse(parts=[TextPart(f"answer {i}" + "\n" * 12)]))
    async with app.run_test(size=(80, 60)) as pilot:
        timeline.load_history(build_conversation(history))
        await pilot.pause(0.3)
        shown = [a.text.strip() for a in timeline.query(AnswerBlock)]
        assert shown[-1] == "answer 39" and len(shown) > 6  # 60 lines are ~4 turns
        assert timeline.virtual_size.height > timeline.container_size.height
        assert timeline.has_earlier  # and not everything: the rest on scroll


def test_small_formatting_helpers() -> None:
    assert summarize_args({"path": "a.txt", "content": "x\ny"}) == "path=a.txt content=x⏎y"
    assert summarize_args({"content": "x" * 100}, width=10) == "content=x…"
    assert split_terminal_context("hi\n\n<terminal_context>\n$ \n</terminal_context>") == (
        "hi", True)
    assert split_terminal_context("plain") == ("plain", False)
    line = str(describe_session(session_of({
        "session_id": "abc", "name": "build", "ai_config": {"provider": "p", "model": "m"},
        "created_at": 0, "updated_at": None, "closed": True,
        "first_prompt": "why is the build red?"})))
    assert "build" in line and "[closed]" in line and "p/m" in line
    assert "why is the build red?" in line


async def test_entries_added_before_the_timeline_is_mounted_are_shown_in_order() -> None:
    # An event can reach a tab whose view is still being mounted (a warning published
    # while the first tab is created): it must be shown, not crash the event handler.
    timeline = Timeline("s1")
    timeline.add_notice("first warning", "warning")
    timeline.add_notice("second", "info")
    app = Harness(timeline)
    async with app.run_test() as pilot:
        await pilot.pause()
        texts = [n.text for n in timeline.query(Notice)]
        assert texts == ["first warning", "second"]
        timeline.add_notice("after mount")
        await pilot.pause()
        assert [n.text for n in timeline.query(Notice)][-1] == "after mount"
