"""Fork tab…, fork from here, Compare models… in the real app (issue #16)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.command import CommandPalette
from textual.widgets import Input, SelectionList
from tui_helpers import SIZE, active_view, answers, main_screen, modal, ready, send, until

from tabwise.agent import build_conversation
from tabwise.api import AiConfig, to_json
from tabwise.tui.app import TabwiseApp
from tabwise.tui.screens import ModelPicker
from tabwise.tui.screens._compare import CompareScreen, CompareSetup
from tabwise.tui.screens._fork_actions import fork_point
from tabwise.tui.widgets import ApprovalCard, Notice

from fake_llm import FakeLLM, Reply, ToolCall

AppFactory = Callable[..., TabwiseApp]


async def palette(pilot: Any, app: TabwiseApp, text: str) -> None:
    await pilot.press("f1")
    await until(lambda: CommandPalette.is_open(app))
    await pilot.press(*text)
    await pilot.pause(0.3)
    await pilot.press("enter")


async def pick_model(pilot: Any, app: TabwiseApp, choice: str) -> None:
    picker = await modal(app, ModelPicker)
    picker.query_one(Input).value = choice
    await pilot.pause(0.1)
    await pilot.press("enter")


async def test_fork_tab_opens_the_picker_then_a_tab_with_the_conversation(
        make_app: AppFactory, home: Path) -> None:
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app)
        view = active_view(app)
        await send(pilot, view, "hello there")
        await until(lambda: answers(view) and view.state == "idle")
        await palette(pilot, app, "fork tab")
        await pick_model(pilot, app, "local2/m2")
        await until(lambda: len(screen.order) == 2)
        fork = active_view(app)
        assert fork is not view and to_json(fork.ai_config) == {"provider": "local2", "model": "m2"}
        assert answers(fork) == ["echo: hello there"]
        info = {i.session_id: i for i in await app.core.list_sessions()}
        assert info[fork.session_id].forked_from == view.session_id


async def test_clicking_a_prompt_forks_from_before_it(make_app: AppFactory, home: Path,
                                                      fake_llm: FakeLLM) -> None:
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app)
        view = active_view(app)
        for text in ("first", "second", "third"):
            await send(pilot, view, text)
            await until(lambda t=text: answers(view)[-1:] == [f"echo: {t}"]
                        and view.state == "idle")
        second = [n for n in view.panel.timeline.query(Notice) if n.kind == "prompt"][1]
        await pilot.click(second)
        await pick_model(pilot, app, "local2/m2")
        await until(lambda: len(screen.order) == 2)
        fork = active_view(app)
        assert await app.core.get_ai_conversation_length(fork.session_id) == 2
        assert fork.panel.prompt.text == "second"  # offered again, to send or edit
        assert answers(fork) == ["echo: first"]


def test_fork_point_matches_prompts_from_the_end() -> None:
    from pydantic_ai.messages import ModelRequest, ModelResponse, TextPart, UserPromptPart

    h: list[Any] = []
    for t in ("a", "b"):
        h += [ModelRequest(parts=[UserPromptPart(t)]), ModelResponse(parts=[TextPart(t)])]
    c = build_conversation(h)
    assert fork_point(c, len(h), 2, 0, False) == (0, "a")
    assert fork_point(c, len(h), 2, 1, False) == (2, "b")
    assert fork_point(c, len(h), 3, 2, True) == (4, "")  # still being answered
    assert fork_point(c, len(h), 3, 0, False) is None  # summarized away (compaction)
    assert fork_point(c, len(h), 3, 1, False) == (0, "a")


async def start_compare(pilot: Any, app: TabwiseApp, models: list[tuple[str, str]],
                        prompt: str) -> CompareScreen:
    await palette(pilot, app, "compare models")
    setup = await modal(app, CompareSetup)
    choices = setup.query_one(SelectionList)
    choices.deselect_all()
    for m in models:
        choices.select(m)
    box = setup.query_one(Input)
    box.focus()
    box.value = prompt
    await pilot.press("enter")
    compare = await modal(app, CompareScreen)
    await until(lambda: len(compare.columns) == len(models), what="columns")
    return compare


async def test_compare_streams_columns_then_keeps_one_in_this_tab(
        make_app: AppFactory, home: Path, workdir: Path, fake_llm: FakeLLM) -> None:
    fake_llm.script("m1b", Reply(status=401, error_message="bad key"))
    fake_llm.script("m2", Reply(tool_calls=[ToolCall("write_file",
                                                     {"path": "x.txt", "content": "x"})]))
    fake_llm.script("m1", Reply(text="m1 says hi", chunk_size=2, chunk_delay=0.01))
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app)
        view = active_view(app)
        compare = await start_compare(
            pilot, app, [("local1", "m1"), ("local1", "m1b"), ("local2", "m2")], "pick one")
        ok, bad, asks = compare.columns
        await until(lambda: asks.timeline.query(ApprovalCard), what="approval card")
        await until(lambda: ok.state == "idle" and bad.state == "error")
        assert asks.state == "awaiting_approval" and ok.response == "m1 says hi"
        assert "bad key" in (bad.error or "") or "401" in (bad.error or "")
        await pilot.press("3")  # not yet: m2 still waits for its approval
        assert app.screen is compare
        card = asks.timeline.query_one(ApprovalCard)
        card.focus()
        await pilot.press("y")
        await until(lambda: compare.done and asks.state == "idle", what="m2 answered")
        await until(lambda: ok.spend is not None and ok.spend.requests == 1)
        await pilot.press("m")
        found: list[Path] = []
        await until(lambda: found.extend(workdir.glob("tabwise-compare-*.md")) or found,
                    what="export")
        md = await asyncio.to_thread(found[0].read_text)
        assert md.index("## Prompt") < md.index("> pick one") < md.index("local1 · m1")
        assert "m1 says hi" in md and "**Failed:**" in md and "local2 · m2" in md
        assert "1 request(s)" in md
        await pilot.press("3")
        await until(lambda: app.screen is screen)
        await until(lambda: to_json(view.ai_config) == {"provider": "local2", "model": "m2"})
        assert len(screen.order) == 1
        await until(lambda: answers(view)[-1:] == [asks.response])
        infos = await app.core.list_sessions(include_closed=True)
        forks = [i for i in infos if i.forked_from == view.session_id]
        assert len(forks) == 3 and all(i.closed for i in forks)


async def test_compare_keep_all_makes_every_answer_a_tab(
        make_app: AppFactory, home: Path) -> None:
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app)
        source = active_view(app)
        compare = await start_compare(pilot, app, [("local1", "m1"), ("local2", "m2")],
                                      "both")
        await until(lambda: compare.done)
        await pilot.press("t")
        await until(lambda: len(screen.order) == 3)
        assert answers(source) == []
        for n, sid in enumerate(screen.order[1:], start=2):
            # A background tab builds its conversation when it is first shown.
            await pilot.press(f"alt+{n}")
            fork = screen.views[sid]
            await until(lambda fork=fork: answers(fork) == ["echo: both"], what="fork shown")
            assert app.core.sessions[sid].forked_from == source.session_id


def test_compare_view_snapshot(snap_compare: Callable[..., bool], make_app: AppFactory,
                               home: Path, fake_llm: FakeLLM) -> None:
    fake_llm.script("m1", Reply(text="Use `ls -la` to see hidden files too.",
                                prompt_tokens=900, completion_tokens=12))
    fake_llm.script("m1b", Reply(status=401, error_message="invalid api key"))
    fake_llm.script("m2", Reply(tool_calls=[ToolCall(
        "write_file", {"path": "notes.txt", "content": "ls -la\n"}, id="call_1")],
        prompt_tokens=800, completion_tokens=20))

    async def before(pilot: Any) -> None:
        app = pilot.app
        assert isinstance(app, TabwiseApp)
        await ready(app)
        compare = await start_compare(
            pilot, app, [("local1", "m1"), ("local1", "m1b"), ("local2", "m2")],
            "how do I list hidden files?")
        ok, bad, asks = compare.columns
        await until(lambda: ok.state == "idle" and bad.state == "error"
                    and asks.timeline.query(ApprovalCard) and ok.spend is not None
                    and asks.spend is not None and asks.spend.requests)
        ok.duration_ms = 1234.0  # no clock in a snapshot
        asks.timeline.query_one(ApprovalCard).focus()
        await pilot.pause(0.3)
        main_screen(app)

    assert snap_compare(make_app(home), terminal_size=SIZE, run_before=before)


async def test_the_palette_offers_fork_and_compare(make_app: AppFactory,
                                                   home: Path) -> None:
    from tabwise.tui.screens._palette import TAB_COMMANDS

    actions = {a for _, _, a in TAB_COMMANDS}
    assert {"fork_tab", "compare_models"} <= actions
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        await palette(pilot, app, "compare models")
        setup = await modal(app, CompareSetup)
        box = setup.query_one(Input)
        box.focus()
        box.value = "q"
        await pilot.press("enter")  # no model ticked: stays, says why
        await pilot.pause(0.2)
        assert app.screen is setup
        await pilot.press("escape")
        await until(lambda: not isinstance(app.screen, CompareSetup))


async def test_sessions_browser_shows_forks_as_a_tree_after_a_restart(
        make_app: AppFactory, home: Path, workdir: Path) -> None:
    from textual.widgets import OptionList

    from tabwise.commands import Tabwise
    from tabwise.tui.screens import SessionsBrowser

    core = await Tabwise.start(home)
    src = (await core.create_session(str(workdir), name="root tab", terminal=False))
    await core.send_ai_prompt(src.session_id, "hello")
    f1 = await core.fork_session(src.session_id, AiConfig("local2", "m2"),
                                 name="fork one")
    f2 = await core.fork_session(f1.session_id, name="fork two")
    for sid in (src.session_id, f1.session_id, f2.session_id):
        await core.close_session(sid)
    await core.stop()
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        await palette(pilot, app, "sessions browser")
        browser = await modal(app, SessionsBrowser)
        ol = browser.query_one(OptionList)
        ids = [ol.get_option_at_index(i).id for i in range(ol.option_count)]
        want = [src.session_id, f1.session_id, f2.session_id]
        assert [i for i in ids if i in want] == want
        texts = [str(ol.get_option_at_index(ids.index(s)).prompt) for s in want]
        assert "└" not in texts[0] and "└ fork one" in texts[1] and "└ fork two" in texts[2]
        assert texts[2].index("└") > texts[1].index("└")  # deeper
        # Reopening the fork restores it as a tab on its own model, still a fork.
        ol.highlighted = ids.index(f1.session_id)
        await pilot.press("enter")
        screen = main_screen(app)
        await until(lambda: f1.session_id in screen.views)
        assert to_json(screen.views[f1.session_id].ai_config) == {"provider": "local2",
                                                              "model": "m2"}
        assert app.core.sessions[f1.session_id].forked_from == src.session_id
        assert answers(screen.views[f1.session_id]) == ["echo: hello"]


async def test_fork_from_a_prompt_by_keyboard(make_app: AppFactory, home: Path) -> None:
    from tabwise.tui.screens._fork_from import ForkFromPrompt

    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app)
        view = active_view(app)
        for text in ("alpha", "beta"):
            await send(pilot, view, text)
            await until(lambda t=text: answers(view)[-1:] == [f"echo: {t}"]
                        and view.state == "idle")
        await palette(pilot, app, "fork from a prompt")
        await modal(app, ForkFromPrompt)
        await pilot.press("down", "enter")  # newest first: the second row is "alpha"
        await pick_model(pilot, app, "local2/m2")
        await until(lambda: len(screen.order) == 2)
        fork = active_view(app)
        assert await app.core.get_ai_conversation_length(fork.session_id) == 0
        assert fork.panel.prompt.text == "alpha"


async def test_fork_from_a_failed_prompt_offers_that_prompt(
        make_app: AppFactory, home: Path, fake_llm: FakeLLM) -> None:
    """A failed turn leaves nothing in the history, so it forks at the same point as
    the next prompt: the picker still lists both and offers the one picked."""
    from tabwise.tui.screens._fork_from import ForkFromPrompt

    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app)
        view = active_view(app)
        fake_llm.script("m1", Reply(status=500, error_message="down"))
        await send(pilot, view, "first try")
        await until(lambda: view.state == "error")
        await send(pilot, view, "second try")
        await until(lambda: answers(view)[-1:] == ["echo: second try"]
                    and view.state == "idle")
        await palette(pilot, app, "fork from a prompt")
        picker = await modal(app, ForkFromPrompt)
        assert [text for _, text in picker.prompts] == ["first try", "second try"]
        await pilot.press("down", "enter")  # newest first: the second row failed
        await pick_model(pilot, app, "local2/m2")
        await until(lambda: len(screen.order) == 2)
        fork = active_view(app)
        assert await app.core.get_ai_conversation_length(fork.session_id) == 0
        assert fork.panel.prompt.text == "first try"
