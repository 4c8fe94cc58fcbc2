"""The agent panel against the real core: prompts, streaming, approvals, cancel, context."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tui_helpers import SIZE, active_view, answers, notices, ready, send, until

from tabwise.tui.app import TabwiseApp
from tabwise.tui.widgets import (
    ApprovalCard,
    ReasoningBlock,
    StatusBar,
    TabBar,
    ToolCard,
)
from tabwise.tui.widgets._diff_view import DiffView

from fake_llm import FakeLLM, Reply, ToolCall

AppFactory = Callable[..., TabwiseApp]


async def test_a_typed_prompt_streams_its_answer_and_joins_the_history(
        make_app: AppFactory, home: Path, fake_llm: FakeLLM) -> None:
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app)
        view = active_view(app)
        fake_llm.script("m1", Reply(text="Hello **there**, this streams in bits.",
                                    reasoning="let me think", chunk_size=3,
                                    chunk_delay=0.01))
        await pilot.press("f3", *"hi agent", "enter")
        assert view.panel.prompt.text == ""
        await until(lambda: answers(view) == ["Hello **there**, this streams in bits."],
                    what="streamed answer")
        assert "hi agent" in notices(view, "prompt")
        reasoning = view.panel.timeline.query(ReasoningBlock)
        assert [r.text for r in reasoning] == ["let me think"] and reasoning[0].collapsed
        await until(lambda: view.state == "idle")
        assert screen.query_one(StatusBar).state == "idle"
        assert fake_llm.requests_for("m1")[-1].user_texts() == ["hi agent"]
        # Up recalls the prompt.
        await pilot.press("up")
        assert view.panel.prompt.text == "hi agent"
        await pilot.press("down")
        assert view.panel.prompt.text == ""


async def test_shift_enter_adds_a_newline_instead_of_sending(
        make_app: AppFactory, home: Path, fake_llm: FakeLLM) -> None:
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        view = active_view(app)
        await pilot.press("f3", "a", "shift+enter", "b")
        assert view.panel.prompt.text == "a\nb"
        assert not fake_llm.requests
        await pilot.press("enter")
        await until(lambda: answers(view) == ["echo: a\nb"], what="answer")


async def test_approve_a_write_from_the_card_with_y(
        make_app: AppFactory, home: Path, fake_llm: FakeLLM, workdir: Path) -> None:
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app)
        view = active_view(app)
        fake_llm.script("m1", Reply(tool_calls=[ToolCall("write_file",
                                                         {"path": "a.txt", "content": "hi"})]))
        await send(pilot, view, "write it")
        await until(lambda: view.panel.timeline.query(ApprovalCard), what="approval card")
        card = view.panel.timeline.query_one(ApprovalCard)
        assert card.tool_name == "write_file" and card.args == {"path": "a.txt",
                                                                "content": "hi"}
        await until(lambda: app.focused is card, what="card focused")
        assert view.state == "awaiting_approval"
        assert screen.query_one(StatusBar).state == "awaiting_approval"
        assert not (workdir / "a.txt").exists()
        await pilot.press("y")
        await until(lambda: (workdir / "a.txt").exists(), what="file written")
        assert (workdir / "a.txt").read_text() == "hi"
        await until(lambda: any(a.startswith("tool said: ") for a in answers(view)),
                    what="final answer")
        assert card.resolved == "approved"
        tool = view.panel.timeline.query_one(ToolCard)
        assert tool.status == "ok" and "a.txt" in (tool.result or "")
        await until(lambda: view.state == "idle")
        assert app.focused is view.panel.prompt


async def test_deny_with_the_button_and_always_allow_with_a(
        make_app: AppFactory, home: Path, fake_llm: FakeLLM, workdir: Path) -> None:
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        view = active_view(app)
        call = ToolCall("write_file", {"path": "b.txt", "content": "x"})
        fake_llm.script("m1", Reply(tool_calls=[call]), Reply(text="ok, not writing"),
                        Reply(tool_calls=[call]), Reply(text="written"),
                        Reply(tool_calls=[call]), Reply(text="written again"))
        await send(pilot, view, "one")
        await until(lambda: view.panel.timeline.query(ApprovalCard))
        await pilot.click("#deny")
        await until(lambda: "ok, not writing" in answers(view), what="answer after deny")
        assert not (workdir / "b.txt").exists()
        assert view.panel.timeline.query_one(ToolCard).status == "denied"

        await send(pilot, view, "two")
        await until(lambda: len(view.panel.timeline.query(ApprovalCard)) == 2)
        await until(lambda: isinstance(app.focused, ApprovalCard))
        await pilot.press("a")
        await until(lambda: "written" in answers(view), what="answer after allow")
        assert (workdir / "b.txt").read_text() == "x"
        # Always allowed in this tab now: no third card.
        await send(pilot, view, "three")
        await until(lambda: "written again" in answers(view))
        assert len(view.panel.timeline.query(ApprovalCard)) == 2


async def test_background_tab_waiting_for_approval_shows_a_marker(
        make_app: AppFactory, home: Path, fake_llm: FakeLLM) -> None:
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app)
        one = active_view(app)
        fake_llm.script("m1", Reply(tool_calls=[ToolCall("write_file", {
            "path": "c.txt", "content": "c"})], first_delay=0.5))
        await send(pilot, one, "go")
        await pilot.press("alt+t")
        await until(lambda: len(screen.order) == 2)
        bar = screen.query_one(TabBar)
        await until(lambda: bar.items[0].marker == "approval", what="approval marker")
        # The card is answered in its own tab only.
        await pilot.press("alt+1")
        await until(lambda: one.panel.timeline.query(ApprovalCard))
        one.panel.timeline.query_one(ApprovalCard).focus()
        await pilot.press("n")
        await until(lambda: one.state == "idle")


async def test_escape_in_the_agent_panel_cancels_the_turn(
        make_app: AppFactory, home: Path, fake_llm: FakeLLM) -> None:
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        view = active_view(app)
        fake_llm.script("m1", Reply(text="never finishes " * 50, chunk_size=4,
                                    chunk_delay=0.05))
        await send(pilot, view, "long one")
        await until(lambda: answers(view) and answers(view)[0], what="streaming started")
        assert view.panel.busy
        await pilot.press("escape")
        await until(lambda: "Cancelled." in notices(view, "warning"), what="cancelled")
        assert view.state == "idle" and not view.panel.busy
        # The tab works again at once.
        await send(pilot, view, "next")
        await until(lambda: "echo: next" in answers(view))


async def test_at_term_and_ctrl_t_send_the_terminal_screen(
        make_app: AppFactory, home: Path, fake_llm: FakeLLM) -> None:
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        view = active_view(app)
        await pilot.press(*"echo marker-42", "enter")
        await until(lambda: "marker-42\n$" in view.terminal.screen_text())
        await send(pilot, view, "@term what happened?")
        await until(lambda: len(answers(view)) == 1)
        sent = fake_llm.requests_for("m1")[-1]
        assert sent.user_texts()[0].startswith("what happened?")
        assert "<terminal_context>" in sent.all_text() and "marker-42" in sent.all_text()
        assert any(n.startswith("what happened?") and "terminal" in n
                   for n in notices(view, "prompt"))

        await send(pilot, view, "no context")
        await until(lambda: len(answers(view)) == 2)
        assert "<terminal_context>" not in fake_llm.requests_for("m1")[-1].user_texts()[-1]

        await pilot.press("ctrl+t")
        assert view.panel.include_terminal
        assert "terminal" in str(view.panel.prompt.border_subtitle)
        await send(pilot, view, "with toggle")
        await until(lambda: len(answers(view)) == 3)
        assert "marker-42" in fake_llm.requests_for("m1")[-1].user_texts()[-1]


async def test_a_provider_error_shows_inline_and_sets_the_error_state(
        make_app: AppFactory, home: Path, fake_llm: FakeLLM) -> None:
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app)
        view = active_view(app)
        fake_llm.script("m1", Reply(status=401, error_message="bad key"))
        await send(pilot, view, "hello")
        await until(lambda: notices(view, "error"), what="error notice")
        assert view.state == "error"
        assert screen.query_one(StatusBar).state == "error"
        await send(pilot, view, "again")
        await until(lambda: "echo: again" in answers(view))
        assert view.state == "idle"


async def test_an_approval_card_says_why_a_read_always_asks(
        make_app: AppFactory, home: Path, fake_llm: FakeLLM) -> None:
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        view = active_view(app)
        fake_llm.script("m1", Reply(tool_calls=[ToolCall("read_file", {
            "path": "/etc/hostname"})]))
        await send(pilot, view, "read it")
        await until(lambda: view.panel.timeline.query(ApprovalCard))
        card = view.panel.timeline.query_one(ApprovalCard)
        assert any("outside the tab's directory" in r for r in card.reasons)
        reasons = card.query_one(".approval-card--reasons")
        assert "outside the tab's directory" in str(reasons.render())
        card.focus()
        await pilot.press("n")
        await until(lambda: view.state == "idle")


async def test_an_approval_pending_at_quit_is_back_after_restart(
        make_app: Callable[..., TabwiseApp], home: Path, workdir: Path,
        fake_llm: FakeLLM) -> None:
    fake_llm.script("m1", Reply(tool_calls=[ToolCall(
        "write_file", {"path": "kept.txt", "content": "kept\n"}, id="call_kept")]))
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        view = active_view(app)
        await send(pilot, view, "write kept.txt")
        await until(lambda: view.panel.timeline.query(ApprovalCard))
        await pilot.press("f10")
    assert not (workdir / "kept.txt").exists()

    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        view = active_view(app)
        await until(lambda: view.panel.timeline.pending_approvals, what="card back")
        (card,) = view.panel.timeline.pending_approvals
        assert card.request_id == "call_kept" and view.state == "awaiting_approval"
        await until(lambda: bool(card.query_one(DiffView).lines), what="diff")
        card.focus()
        await pilot.press("y")
        await until(lambda: view.state == "idle", what="turn completed")
        assert (workdir / "kept.txt").read_text() == "kept\n"
        assert card.resolved
        # The waiting turn's prompt and its call were restored above the card, and the
        # call's card got its result once answered (issue #13).
        assert "write kept.txt" in notices(view, "prompt")
        (tool,) = view.panel.timeline.query(ToolCard)
        assert tool.request_id == "call_kept"
        await until(lambda: tool.status == "ok", what="the call's result")
