"""The command palette and what it offers; restore on start; the sessions browser;
the first run without any API key."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.command import CommandPalette
from textual.widgets import Input, OptionList
from tui_helpers import (
    SIZE,
    active_view,
    answers,
    main_screen,
    modal,
    notices,
    ready,
    send,
    until,
)

from tabwise.tui.app import TabwiseApp
from tabwise.tui.screens import KeysScreen, RenameScreen, SessionsBrowser
from tabwise.tui.widgets import StatusBar, TabBar

from fake_llm import FakeLLM

AppFactory = Callable[..., TabwiseApp]


async def test_f1_opens_the_palette_everywhere_ctrl_p_only_in_the_agent_panel(
        make_app: AppFactory, home: Path) -> None:
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app)
        await pilot.press("ctrl+p")  # terminal focused: goes to the shell
        await pilot.pause(0.1)
        assert app.screen is screen
        await pilot.press("f1")
        await until(lambda: CommandPalette.is_open(app))
        await pilot.press("escape")
        await until(lambda: app.screen is screen)
        await pilot.press("f3", "ctrl+p")
        await until(lambda: CommandPalette.is_open(app))
        await pilot.press(*"rename tab")
        await pilot.pause(0.3)
        await pilot.press("enter")
        box = (await modal(app, RenameScreen)).query_one(Input)
        box.value = "build"
        await pilot.press("enter")
        await until(lambda: screen.query_one(TabBar).items[0].name == "build")
        infos = await app.core.list_sessions()
        assert infos[0].name == "build"


async def test_palette_actions_export_clear_settings_and_keys(
        make_app: AppFactory, home: Path, workdir: Path) -> None:
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app)
        view = active_view(app)
        await send(pilot, view, "remember me")
        await until(lambda: answers(view) == ["echo: remember me"])

        await screen.run_action("export_conversation")
        await until(lambda: exported_files(workdir), what="export file")
        exported = exported_files(workdir)[0].read_text()
        assert "remember me" in exported and "echo: remember me" in exported

        await screen.run_action("settings_path")
        await until(lambda: any(str(home / "settings.toml") in n.message
                                for n in app._notifications))

        await screen.run_action("show_keys")
        await modal(app, KeysScreen)
        await pilot.press("escape")
        await until(lambda: app.screen is screen)

        await screen.run_action("clear_conversation")
        await until(lambda: history_len(app, view.session_id) == 0 and not answers(view))
        await send(pilot, view, "fresh")
        await until(lambda: "echo: fresh" in answers(view))


def exported_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("tabwise-*.md"))


def history_len(app: TabwiseApp, sid: str) -> int:
    return len(app.core.ai.bridges[sid].history)


async def test_tabs_models_and_conversations_come_back_after_a_restart(
        make_app: AppFactory, make_home: Callable[..., Path], fake_llm: FakeLLM) -> None:
    home = make_home(persist=True)
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app)
        await pilot.press("alt+t")
        await until(lambda: len(screen.order) == 2)
        view = active_view(app)
        await pilot.press("f2", *"local2/m2", "enter")
        await until(lambda: view.model_label == "local2 · m2")
        await send(pilot, view, "keep this")
        await until(lambda: answers(view) == ["echo: keep this"])
        order = list(screen.order)
        await pilot.press("f10")
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, tabs=2)
        assert screen.order == order
        first, second = (screen.views[s] for s in order)
        assert first.model_label == "local1 · m1"
        assert second.model_label == "local2 · m2"
        assert second.panel.prompt.sent == ["keep this"]
        # The tab that was active at quit is active again, with its conversation.
        assert active_view(app) is second
        await until(lambda: answers(second) == ["echo: keep this"], what="history shown")
        assert "keep this" in notices(second, "prompt")
        assert screen.query_one(StatusBar).model == "local2 · m2"
        await send(pilot, second, "and more")
        await until(lambda: len(answers(second)) == 2)
        assert fake_llm.requests_for("m2")[-1].user_texts() == ["keep this", "and more"]


async def test_the_sessions_browser_reopens_a_closed_tab(
        make_app: AppFactory, make_home: Callable[..., Path]) -> None:
    home = make_home(persist=True)
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app)
        view = active_view(app)
        closed_id = view.session_id
        await send(pilot, view, "the first prompt")
        await until(lambda: answers(view) == ["echo: the first prompt"])
        await pilot.press("alt+w")
        await until(lambda: len(screen.order) == 1 and screen.order[0] != closed_id)
        await screen.run_action("sessions")
        browser = await modal(app, SessionsBrowser)
        options = browser.query_one(OptionList).options
        assert [o.id for o in options] == [closed_id]
        assert "the first prompt" in str(options[0].prompt)
        assert "local1/m1" in str(options[0].prompt)
        await pilot.press("enter")
        await until(lambda: len(screen.order) == 2, what="restored tab")
        assert screen.active_id == closed_id and screen.order[-1] == closed_id
        assert answers(screen.views[closed_id]) == ["echo: the first prompt"]


async def test_first_run_without_a_key_keeps_the_shell_and_says_what_to_set(
        make_app: AppFactory, tmp_path: Path, fake_llm: FakeLLM) -> None:
    home = tmp_path / "nokey"
    home.mkdir()
    (home / "settings.toml").write_text(
        '[ai]\ndefault_provider = "openai"\ndefault_model = "gpt-4.1-mini"\n\n'
        '[ai.local1]\nkind = "openai-compatible"\n'
        f'base_url = "{fake_llm.base_url}"\nmodels = ["m1"]\n\n'
        "[sessions]\npersist = false\n")
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app)
        view = active_view(app)
        assert view.state == "no_model"
        assert screen.query_one(StatusBar).state == "no_model"
        warning = "\n".join(notices(view, "warning"))
        assert "OPENAI_API_KEY" in warning and "F2" in warning and "local1" in warning
        assert warning.count("OPENAI_API_KEY") == 1  # said once, not as a warning too
        await pilot.press(*"echo shell-ok", "enter")
        await until(lambda: "shell-ok\n$" in view.terminal.screen_text())
        await send(pilot, view, "anyone there?")
        await until(lambda: any("F2" in n for n in notices(view, "error")))
        await pilot.press("f2", *"local1/m1", "enter")
        await until(lambda: view.model_label == "local1 · m1")
        assert view.state == "idle"
        await send(pilot, view, "now?")
        await until(lambda: answers(view) == ["echo: now?"])
        assert main_screen(app).query_one(StatusBar).model == "local1 · m1"


async def test_a_restore_warning_reaches_the_restored_tabs_timeline(
        make_app: AppFactory, make_home: Callable[..., Path], fake_llm: FakeLLM) -> None:
    home = make_home(persist=True)
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        view = active_view(app)
        await pilot.press("f2", *"local2/m2", "enter")
        await until(lambda: view.model_label == "local2 · m2")
        await pilot.press("f10")
    settings = home / "settings.toml"
    settings.write_text(settings.read_text().replace("[ai.local2]", "[ai.gone]"))
    app = make_app(home)
    async with app.run_test(size=SIZE):
        await ready(app)
        view = active_view(app)
        await until(lambda: any("local2/m2" in n for n in notices(view, "warning")),
                    what="restore warning")
        assert view.model_label == "local1 · m1"


async def test_compact_context_from_the_palette(make_app: AppFactory, home: Path) -> None:
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app)
        view = active_view(app)
        for i in range(3):
            await send(pilot, view, f"turn {i}")
            await until(lambda i=i: len(answers(view)) == i + 1)
        await screen.run_action("compact_context")
        await until(lambda: "Conversation compacted." in notices(view), what="compacted")
        await until(lambda: any(n.title == "Compacted" for n in app._notifications))
        assert answers(view) == ["echo: turn 0", "echo: turn 1", "echo: turn 2"]


async def test_reload_settings_from_the_palette_applies_or_shows_every_error(
        make_app: AppFactory, home: Path) -> None:
    settings = home / "settings.toml"
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)

        async def reload() -> None:
            await pilot.press("f1")
            await until(lambda: CommandPalette.is_open(app), what="palette")
            await pilot.press(*"reload settings")
            await pilot.pause(0.3)
            await pilot.press("enter")

        good = settings.read_text()
        assert "[agent]\n" in good
        settings.write_text(good.replace("[agent]\n", "[agent]\nmax_tool_iterations = 7\n", 1))
        await reload()
        await until(lambda: any(n.title == "Settings reloaded" for n in app._notifications),
                    what="reloaded notice")
        assert app.core.settings.agent.max_tool_iterations == 7

        # Two problems: both are shown, and the settings in force do not change.
        settings.write_text(good + '\n[terminal]\nscrollback = -1\n[keys]\nno_such_key = "f5"\n')
        await reload()
        await until(lambda: any(n.title == "Settings not reloaded" for n in app._notifications),
                    what="error notice")
        notice = next(n for n in app._notifications if n.title == "Settings not reloaded")
        assert "scrollback" in notice.message and "no_such_key" in notice.message
        assert notice.severity == "error"
        assert app.core.settings.agent.max_tool_iterations == 7
