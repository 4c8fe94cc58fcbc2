"""The TUI follows the shell's directory: status bar, tab name, new tabs (issue #15)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from tui_helpers import SIZE, active_view, answers, notices, ready, send, until

from tabwise.tui.app import TabwiseApp
from tabwise.tui.widgets import StatusBar, TabBar

from fake_llm import FakeLLM

AppFactory = Callable[..., TabwiseApp]


async def test_cd_updates_status_bar_tab_name_and_new_tabs(
        make_app: AppFactory, make_home: Callable[..., Path], workdir: Path,
        tui_env: Path, fake_llm: FakeLLM) -> None:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not installed")
    home = make_home(extra=f'\n[terminal]\nshell = "{bash}"\n')
    (workdir / "sub").mkdir()
    (tui_env / ".bashrc").write_text("PS1='$ '\n")  # the system bashrc may set another
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app)
        status = screen.query_one(StatusBar)
        assert status.working_directory == "~/work"
        await pilot.press(*"cd sub", "enter")
        await until(lambda: status.working_directory == "~/work/sub", what="status bar cwd")
        bar = screen.query_one(TabBar)
        assert [item.name for item in bar.items] == ["sub"]
        # @term names the shell's directory with the screen.
        view = active_view(app)
        await send(pilot, view, "@term where am I?")
        await until(lambda: len(answers(view)) == 1, what="answer")
        sent = fake_llm.requests_for("m1")[-1].all_text()
        assert f"(the shell is in {workdir / 'sub'})" in sent
        await pilot.press("alt+t")
        await until(lambda: len(screen.order) == 2, what="second tab")
        new = active_view(app)
        assert new.working_directory == str(workdir / "sub")
        assert app.core.sessions[new.session_id].working_directory == workdir / "sub"


async def test_the_panel_and_status_bar_name_the_rules_in_effect(
        make_app: AppFactory, home: Path, workdir: Path) -> None:
    (workdir / ".git").mkdir()
    (workdir / "AGENTS.md").write_text("Use tabs.")
    app = make_app(home)
    async with app.run_test(size=SIZE):
        screen = await ready(app)
        view = active_view(app)
        status = screen.query_one(StatusBar)
        await until(lambda: status.rules == "AGENTS.md", what="rules in the status bar")
        assert "Rules in effect: ~/work/AGENTS.md" in notices(view)
