"""The palette's MCP servers dialog and the status bar's servers (issue #14)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from textual.command import CommandPalette
from textual.widgets import SelectionList, Static
from tui_helpers import SIZE, active_view, modal, notices, ready, until

from tabwise.tui.app import TabwiseApp
from tabwise.tui.screens import McpServersScreen
from tabwise.tui.widgets import StatusBar

GARBAGE = Path(__file__).parent.parent / "mcp" / "garbage_server.py"

AppFactory = Callable[..., TabwiseApp]


async def test_mcp_dialog_shows_status_and_tools_and_toggles_this_tab(
        make_app: AppFactory, make_home: Callable[..., Path]) -> None:
    extra = (f'[mcp.g]\ncommand = "{sys.executable}"\nargs = ["{GARBAGE}"]\n'
             '[mcp.gone]\ncommand = "no-such-mcp-xyz"\n')
    app = make_app(make_home(extra=extra))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app)
        view = active_view(app)
        bar = screen.query_one(StatusBar)
        await until(lambda: bar.mcp == "g", timeout=30, what="status bar shows g")
        await until(lambda: any("no-such-mcp-xyz" in n for n in notices(view)), timeout=30,
                    what="failure notice")
        await pilot.press("f1")
        await until(lambda: CommandPalette.is_open(app))
        await pilot.press(*"MCP servers")
        await pilot.pause(0.3)
        await pilot.press("enter")
        dialog = await modal(app, McpServersScreen)
        sl = dialog.query_one(SelectionList)
        assert sorted(sl.selected) == ["g", "gone"]
        detail = str(dialog.query_one("#mcp-detail", Static).render())
        assert "g_mangle" in detail
        await pilot.press("down")
        await until(lambda: "no-such-mcp-xyz" in str(
            dialog.query_one("#mcp-detail", Static).render()), what="error shown")
        await pilot.press("space", "enter")  # turn gone off for this tab, apply
        await until(lambda: app.screen is screen, what="dialog closed")
        await until(lambda: app.core.mcp.selection(view.session_id) == ("g",),
                    what="selection applied")
        infos = await app.core.list_sessions()
        assert list(infos[0].mcp_servers) == ["g"]
