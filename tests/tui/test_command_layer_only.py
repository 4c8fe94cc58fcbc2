"""The TUI is a front end like any other: it goes through the command layer only
(issue #13). Its one in-process accessor past the commands is ``core.terminal(id)``,
the terminal's process, for the terminal view's hot path."""

from __future__ import annotations

from pathlib import Path

import tabwise.tui

from layering import violations

TUI = Path(tabwise.tui.__file__).parent


def test_the_tui_reads_nothing_inside_the_core() -> None:
    modules = sorted(TUI.rglob("*.py"))
    assert len(modules) > 20
    found = []
    for path in modules:
        package = ".".join(["tabwise", "tui", *path.relative_to(TUI).parts[:-1]])
        found += [f"{path.name}:{v}" for v in violations(path.read_text(), package)]
    assert not found, "the TUI reaches past the command layer:\n" + "\n".join(found)


def test_the_check_sees_a_reach_past_the_commands() -> None:
    source = ("from ...agent import AgentBridge\n"
              "from ..widgets import Notice\n"
              "def f(self, core):\n"
              "    return self.core.ai.bridges, core._session('x'), core.list_sessions()\n")
    assert violations(source, "tabwise.tui.screens") == [
        "1: imports tabwise.agent", "4: core.ai", "4: core._session"]


def test_the_check_sees_a_private_module_of_the_core() -> None:
    source = ("from ...commands._fork import fork_tree\n"
              "from ...commands import _snapshots, Tabwise\n"
              "import tabwise.commands._compare_md\n"
              "from ...api.views import fork_tree\n"
              "from ..widgets._compare_column import CompareColumn\n")
    assert violations(source, "tabwise.tui.screens") == [
        "1: imports tabwise.commands._fork (private)",
        "2: imports tabwise.commands._snapshots (private)",
        "3: imports tabwise.commands._compare_md (private)"]
