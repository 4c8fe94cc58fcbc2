"""The TUI is a front end like any other: it goes through the command layer only
(issue #13). Its one in-process accessor past the commands is ``core.terminal(id)``,
the terminal's process, for the terminal view's hot path."""

from __future__ import annotations

import ast
from pathlib import Path

import tabwise.tui

TUI = Path(tabwise.tui.__file__).parent
# What the core holds inside: no front end reads these.
INTERNALS = {"ai", "sessions", "providers", "archive", "paths", "settings", "bus", "mcp",
             "screens", "follower", "shell_integration"}
CORE_PACKAGES = {"agent", "sessions", "archive", "providers", "mcp"}


def _is_core(node: ast.expr) -> bool:
    """``core`` or ``<anything>.core``."""
    return (isinstance(node, ast.Name) and node.id == "core") or (
        isinstance(node, ast.Attribute) and node.attr == "core")


def _violations(source: str, package: str) -> list[str]:
    """What in ``source`` (a module of ``package``) reads past the command layer."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and _is_core(node.value) and (
                node.attr in INTERNALS or node.attr.startswith("_")):
            found.append(f"{node.lineno}: core.{node.attr}")
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[:len(base) - node.level + 1]
                module = ".".join([*base, *(node.module or "").split(".")]).strip(".")
            else:
                module = node.module or ""
            parts = module.split(".")
            if parts[0] == "tabwise" and len(parts) > 1 and parts[1] in CORE_PACKAGES:
                found.append(f"{node.lineno}: imports {module}")
    return found


def test_the_tui_reads_nothing_inside_the_core() -> None:
    modules = sorted(TUI.rglob("*.py"))
    assert len(modules) > 20
    found = []
    for path in modules:
        package = ".".join(["tabwise", "tui", *path.relative_to(TUI).parts[:-1]])
        found += [f"{path.name}:{v}" for v in _violations(path.read_text(), package)]
    assert not found, "the TUI reaches past the command layer:\n" + "\n".join(found)


def test_the_check_sees_a_reach_past_the_commands() -> None:
    source = ("from ...agent import AgentBridge\n"
              "from ..widgets import Notice\n"
              "def f(self, core):\n"
              "    return self.core.ai.bridges, core._session('x'), core.list_sessions()\n")
    assert _violations(source, "tabwise.tui.screens") == [
        "1: imports tabwise.agent", "4: core.ai", "4: core._session"]
