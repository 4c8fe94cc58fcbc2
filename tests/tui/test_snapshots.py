"""SVG snapshots of the main screen, the model picker and an approval card.

Deterministic by construction: a fixed size, $HOME set so the directory shows as
``~/work``, ``/bin/sh`` with ``PS1='$ '``, scripted LLM replies, no clock on screen and
no blinking cursors. Update with ``uv run pytest tests/tui/test_snapshots.py
--snapshot-update`` and review the SVGs in the diff.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input
from tui_helpers import SIZE, active_view, answers, modal, ready, send, until

from tabwise.tui.app import TabwiseApp
from tabwise.tui.screens import ModelPicker
from tabwise.tui.widgets import ApprovalCard
from tabwise.tui.widgets._diff_view import DiffView

from fake_llm import FakeLLM, Reply, ToolCall

AppFactory = Callable[..., TabwiseApp]
Snap = Callable[..., bool]


def test_main_screen_after_one_answer(snap_compare: Snap, make_app: AppFactory, home: Path,
                                      fake_llm: FakeLLM) -> None:
    fake_llm.script("m1", Reply(text="Try `ls -la`:\n\n- shows hidden files\n- long format",
                                prompt_tokens=1200, completion_tokens=34))

    async def before(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, TabwiseApp)
        await ready(app)
        view = active_view(app)
        await pilot.press(*"echo hi", "enter")
        await until(lambda: "hi\n$" in view.terminal.screen_text())
        await send(pilot, view, "how do I list files?")
        await until(lambda: answers(view) and view.state == "idle")
        await pilot.press("f3")  # back to the terminal: no blinking cursor in the shot
        await pilot.pause(0.2)

    assert snap_compare(make_app(home), terminal_size=SIZE, run_before=before)


def test_model_picker_filtered(snap_compare: Snap, make_app: AppFactory,
                               home: Path) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, TabwiseApp)
        await ready(app)
        await pilot.press("f2")
        picker = await modal(app, ModelPicker)
        picker.query_one(Input).cursor_blink = False
        await pilot.press(*"local")
        await pilot.pause(0.1)

    assert snap_compare(make_app(home), terminal_size=SIZE, run_before=before)


def test_approval_card_waiting(snap_compare: Snap, make_app: AppFactory, home: Path,
                               fake_llm: FakeLLM) -> None:
    fake_llm.script("m1", Reply(tool_calls=[ToolCall(
        "write_file", {"path": "notes/todo.txt", "content": "buy milk\n"}, id="call_1")]))

    async def before(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, TabwiseApp)
        await ready(app)
        view = active_view(app)
        await send(pilot, view, "write my todo list")
        await until(lambda: view.panel.timeline.query(ApprovalCard))
        card = view.panel.timeline.query_one(ApprovalCard)
        await until(lambda: app.focused is card)
        await pilot.pause(0.2)

    assert snap_compare(make_app(home), terminal_size=SIZE, run_before=before)


def test_approval_card_shows_the_edit_as_a_diff(snap_compare: Snap, make_app: AppFactory,
                                                home: Path, workdir: Path,
                                                fake_llm: FakeLLM) -> None:
    (workdir / "config.py").write_text("".join(f"line {i}\n" for i in range(1, 9))
                                       + "DEBUG = True\nPORT = 8000\n")
    fake_llm.script("m1", Reply(tool_calls=[ToolCall(
        "edit_file", {"path": "config.py", "old_text": "DEBUG = True\n",
                      "new_text": "DEBUG = False\nLOG_LEVEL = 'info'\n"}, id="call_1")]))

    async def before(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, TabwiseApp)
        await ready(app)
        view = active_view(app)
        await send(pilot, view, "turn debug off")
        await until(lambda: view.panel.timeline.query(DiffView))
        diff = view.panel.timeline.query_one(DiffView)
        await until(lambda: bool(diff.lines))
        card = view.panel.timeline.query_one(ApprovalCard)
        await until(lambda: app.focused is card)
        await pilot.pause(0.2)

    assert snap_compare(make_app(home), terminal_size=SIZE, run_before=before)
