"""The agent panel under real answers, against the real core: prompts queued while the
agent works, keys typed during a stream, keys typed before the model picker opened,
approvals after F3, notifications, restored long histories, denied calls after a
restart, and ``@term`` in recalled prompts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from markdown_sample import sample_markdown
from textual import events
from textual.widgets import Input
from textual.widgets._toast import Toast
from tui_helpers import SIZE, active_view, answers, modal, notices, ready, send, until

from tabwise.tui.app import TabwiseApp
from tabwise.tui.screens import ModelPicker
from tabwise.tui.widgets import AnswerBlock, ApprovalCard, ToolCard
from tabwise.tui.widgets import _markdown_blocks as blocks
from tabwise.tui.widgets._queued_prompt import QueuedPrompt

from fake_llm import FakeLLM, Reply, ToolCall

AppFactory = Callable[..., TabwiseApp]
SLOW = {"chunk_size": 4, "chunk_delay": 0.03}


async def test_a_prompt_sent_while_the_agent_works_is_queued_then_sent(
        make_app: AppFactory, home: Path, fake_llm: FakeLLM) -> None:
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        view = active_view(app)
        fake_llm.script("m1", Reply(text="first answer, slowly " * 20, **SLOW))
        await send(pilot, view, "one")
        await send(pilot, view, "two")  # at once: before "started" even arrived
        assert view.panel.busy and [q.text for q in view.panel.queued] == ["two"]
        queued = view.panel.timeline.query(QueuedPrompt)
        assert [q.text for q in queued] == ["two"]
        assert not any("Not sent" in n for n in notices(view))
        await until(lambda: "echo: two" in answers(view), what="queued prompt answered")
        assert not view.panel.timeline.query(QueuedPrompt)
        assert [r.user_texts()[-1] for r in fake_llm.requests_for("m1")] == ["one", "two"]
        assert notices(view, "prompt")[-2:] == ["one", "two"]


async def test_a_queued_prompt_can_be_taken_back_with_esc_or_a_click(
        make_app: AppFactory, home: Path, fake_llm: FakeLLM) -> None:
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        view = active_view(app)
        fake_llm.script("m1", Reply(text="working on it " * 40, **SLOW))
        await send(pilot, view, "one")
        await send(pilot, view, "two")
        await send(pilot, view, "three")
        await until(lambda: len(view.panel.queued) == 2)
        await pilot.press("escape")  # takes back the last one, the turn goes on
        assert [q.text for q in view.panel.queued] == ["two"]
        assert view.state == "streaming"
        await pilot.click(QueuedPrompt)
        await until(lambda: not view.panel.timeline.query(QueuedPrompt))
        assert not view.panel.queued
        await until(lambda: view.state == "idle" and answers(view), what="turn done")
        assert not view.panel.queued
        await pilot.pause(0.3)
        assert [r.user_texts()[-1] for r in fake_llm.requests_for("m1")] == ["one"]


async def test_keys_typed_during_a_long_stream_reach_the_focused_terminal(
        make_app: AppFactory, home: Path, fake_llm: FakeLLM) -> None:
    app = make_app(home)
    doc = sample_markdown(20_000)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        view = active_view(app)
        # Slow enough to outlast the pilot's own waits (F3's press waits up to 2 s for
        # the process to go idle): the keys below must come while it streams.
        fake_llm.script("m1", Reply(text=doc, chunk_size=16, chunk_delay=0.005))
        await send(pilot, view, "explain")
        await until(lambda: answers(view) and len(answers(view)[0]) > 500)
        await pilot.press("f3")
        assert app.focused is view.terminal
        for char in "echo typed-during-stream":
            app.post_message(events.Key(char, char))  # as fast as a terminal sends
        app.post_message(events.Key("enter", "\r"))
        assert view.state == "streaming"
        await until(lambda: "\ntyped-during-stream" in view.terminal.screen_text(),
                    what="the shell got every key")
        assert view.panel.prompt.text == ""
        await until(lambda: answers(view) == [doc] and view.state == "idle", timeout=60)


async def test_keys_typed_right_after_f3_go_to_the_newly_focused_widget(
        make_app: AppFactory, home: Path, fake_llm: FakeLLM) -> None:
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        view = active_view(app)
        fake_llm.script("m1", Reply(text=sample_markdown(20_000), chunk_size=16,
                                    chunk_delay=0.002))
        await send(pilot, view, "explain")
        await until(lambda: answers(view) and len(answers(view)[0]) > 500)
        assert app.focused is view.panel.prompt
        # F3 and the keys after it, all queued before the app handled any of them.
        app.post_message(events.Key("f3", None))
        for char in "echo after-f3":
            app.post_message(events.Key(char, char))
        app.post_message(events.Key("enter", "\r"))
        await until(lambda: "\nafter-f3" in view.terminal.screen_text(), what="in the shell")
        assert view.panel.prompt.text == "" and not view.panel.queued


async def test_keys_typed_before_the_picker_opened_go_to_the_terminal(
        make_app: AppFactory, home: Path) -> None:
    app = make_app(home)
    async with app.run_test(size=SIZE):
        await ready(app)
        view = active_view(app)
        # F2 and then typing, all queued before the app handled any of it (a busy app).
        app.post_message(events.Key("f2", None))
        for char in "echo mine":
            app.post_message(events.Key(char, char))
        picker = await modal(app, ModelPicker)
        await until(lambda: "echo mine" in view.terminal.screen_text(),
                    what="keys in the shell")
        assert picker.query_one(Input).value == ""
        app.post_message(events.Key("x", "x"))  # typed at the picker: its own
        await until(lambda: picker.query_one(Input).value == "x")


async def test_the_approval_card_takes_y_after_f3_away_and_back(
        make_app: AppFactory, home: Path, fake_llm: FakeLLM, workdir: Path) -> None:
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        view = active_view(app)
        fake_llm.script("m1", Reply(tool_calls=[ToolCall("write_file",
                                                         {"path": "f3.txt", "content": "x"})]))
        await send(pilot, view, "write it")
        await until(lambda: view.panel.timeline.query(ApprovalCard), what="card")
        card = view.panel.timeline.query_one(ApprovalCard)
        await until(lambda: app.focused is card)
        await pilot.press("f3")
        assert app.focused is view.terminal
        await pilot.press("f3")
        assert app.focused is card
        await pilot.press("y")
        await until(lambda: (workdir / "f3.txt").exists(), what="approved and written")
        assert view.panel.prompt.text == ""


async def test_notifications_do_not_cover_the_prompt(
        make_app: AppFactory, home: Path) -> None:
    app = make_app(home)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(app)
        view = active_view(app)
        app.notify("a long notification " * 5, title="Note")
        await until(lambda: app.screen.query(Toast))
        await pilot.pause(0.1)
        toast = app.screen.query_one(Toast).region
        assert toast.height and not toast.overlaps(view.panel.prompt.region)
        assert toast.y <= 2


async def test_a_restored_long_history_shows_its_last_turn_first_and_older_on_scroll(
        make_app: AppFactory, home: Path, fake_llm: FakeLLM) -> None:
    doc = sample_markdown(8_000)
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        view = active_view(app)
        for i in range(8):
            fake_llm.script("m1", Reply(text=f"ANSWER-{i}\n\n" + doc, chunk_size=4000))
            await send(pilot, view, f"question {i}")
            await until(lambda i=i: len(answers(view)) == i + 1, what=f"answer {i}")
        await pilot.press("f10")
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        view = active_view(app)
        timeline = view.panel.timeline
        await until(lambda: timeline.query(AnswerBlock), what="history shown")
        await pilot.pause(0.2)
        shown = timeline.query(AnswerBlock)
        assert len(shown) == 1 and shown[0].text.startswith("ANSWER-7")
        assert shown[0].hidden_blocks > 0 and timeline.has_earlier
        assert "question 6" not in notices(view, "prompt")
        # Scroll to the top, again and again: older parts come, the view stays put.
        for _ in range(60):
            if not timeline.has_earlier:
                break
            timeline.scroll_to(y=0, animate=False, immediate=True)
            await until(lambda: timeline.scroll_y > 0 or not timeline.has_earlier,
                        timeout=5, what="older part loaded, view kept in place")
        assert not timeline.has_earlier
        texts = [a.text[:8] for a in timeline.query(AnswerBlock)]
        assert texts == [f"ANSWER-{i}" for i in range(8)]
        assert all(a.hidden_blocks == 0 for a in timeline.query(AnswerBlock))
        assert notices(view, "prompt") == [f"question {i}" for i in range(8)]


async def test_restored_background_tabs_are_built_in_idle_time_ready_to_show(
        make_app: AppFactory, home: Path, fake_llm: FakeLLM,
        monkeypatch: pytest.MonkeyPatch) -> None:
    doc = sample_markdown(3_000)
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app)
        for n in (1, 2):
            if n == 2:
                await pilot.press("alt+t")
                await until(lambda: len(screen.order) == 2, what="second tab")
            view = active_view(app)
            fake_llm.script("m1", Reply(text=f"TAB-{n}\n\n" + doc, chunk_size=4000))
            await send(pilot, view, f"question {n}")
            await until(lambda v=view: len(answers(v)) == 1, what=f"answer {n}")
        await pilot.press("alt+1")
        await until(lambda: active_view(app).session_id == screen.order[0], what="tab 1")
        await pilot.press("f10")
    rendered: list[str] = []
    original = blocks.render_block

    def counting(console, options, source):  # type: ignore[no-untyped-def]
        rendered.append(source)
        return original(console, options, source)

    monkeypatch.setattr(blocks, "render_block", counting)
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, tabs=2)
        assert active_view(app).session_id == screen.order[0]
        background = screen.views[screen.order[1]]
        # Not shown yet, but built and rendered while the app was idle.
        await until(lambda: "The end.\n" in rendered, what="prepared")
        await pilot.pause(0.3)
        assert background.prepared and not background.display
        assert answers(background) == ["TAB-2\n\n" + doc]
        rendered.clear()
        await pilot.press("alt+2")
        await until(lambda: active_view(app) is background, what="tab 2 shown")
        await pilot.pause(0.2)
        answer = background.panel.timeline.query(AnswerBlock).last()
        shown = "\n".join(answer.render_line(y).text for y in range(answer.size.height))
        assert "The end." in shown
        assert rendered == []  # the switch rendered nothing again


async def test_denied_calls_and_term_prompts_come_back_as_they_were(
        make_app: AppFactory, home: Path, fake_llm: FakeLLM) -> None:
    app = make_app(home)
    call = ToolCall("write_file", {"path": "no.txt", "content": "x"})
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        view = active_view(app)
        fake_llm.script("m1", Reply(tool_calls=[call]), Reply(text="fine, not written"))
        await send(pilot, view, "@term write no.txt")
        await until(lambda: view.panel.timeline.query(ApprovalCard))
        await pilot.click("#deny")
        await until(lambda: "fine, not written" in answers(view))
        assert view.panel.timeline.query_one(ToolCard).status == "denied"
        await pilot.press("f10")
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        view = active_view(app)
        await until(lambda: view.panel.timeline.query(ToolCard), what="restored card")
        card = view.panel.timeline.query_one(ToolCard)
        assert card.status == "denied" and "✓" not in str(card.title)
        await pilot.press("f3", "up")
        assert view.panel.prompt.text == "@term write no.txt"


async def test_an_answer_streamed_in_a_background_tab_is_whole_when_shown(
        make_app: AppFactory, home: Path, fake_llm: FakeLLM) -> None:
    doc = sample_markdown(6_000)
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app)
        one = active_view(app)
        fake_llm.script("m1", Reply(text=doc, chunk_size=16, chunk_delay=0.002))
        await send(pilot, one, "explain")
        await until(lambda: answers(one) and len(answers(one)[0]) > 200)
        await pilot.press("alt+t")
        await until(lambda: len(screen.order) == 2 and screen.active_view is not one)
        await until(lambda: one.state == "idle", timeout=30, what="background turn done")
        await pilot.press("alt+1")
        await pilot.pause(0.2)

        def on_screen() -> str:
            return "\n".join(s.text for s in app.screen._compositor.render_strips())

        await until(lambda: "The end." in on_screen(), what="the whole answer shown")


async def test_keys_typed_before_the_first_tab_has_focus_reach_its_terminal(
        make_app: AppFactory, home: Path) -> None:
    # The greeting can show a moment before the tab gets focus (seen in tmux under
    # load): keys typed then are kept for the terminal, not dropped.
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        for char in "echo typed-early":
            app.post_message(events.Key(char, char))
        app.post_message(events.Key("enter", "\r"))
        await ready(app)
        view = active_view(app)
        await until(lambda: "\ntyped-early" in view.terminal.screen_text(),
                    what="the shell got every key typed before the tab had focus")
        assert view.panel.prompt.text == ""
        del pilot
