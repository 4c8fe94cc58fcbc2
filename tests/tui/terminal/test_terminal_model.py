"""TerminalModel on a real PTY, without a widget: feeding, replies, engines, floods."""

from __future__ import annotations

from terminal_helpers import SpawnShell, wait_for

from tabwise.pty import PtyProcess
from tabwise.tui.terminal import PyteEmulator, TerminalModel


async def ready(pty: PtyProcess, emulator: PyteEmulator | None = None) -> TerminalModel:
    """A model whose shell has printed its prompt (typing earlier would echo first)."""
    model = TerminalModel(pty, emulator)
    await wait_for(lambda: model.screen_text().endswith("$"))
    return model


async def test_feeds_output_without_a_view(spawn_shell: SpawnShell) -> None:
    model = await ready(await spawn_shell(rows=10, cols=40))
    model.write("echo one; echo two\r")
    await wait_for(lambda: "\none\ntwo\n$" in model.screen_text())
    assert model.screen_text(2) == "two\n$"
    model.close()


async def test_the_engine_can_be_swapped_for_pyte(spawn_shell: SpawnShell) -> None:
    pty = await spawn_shell(rows=10, cols=40)
    model = await ready(pty, PyteEmulator(10, 40))
    model.write("printf '\\033[31mred\\033[0m\\n'\r")
    await wait_for(lambda: "\nred\n" in model.screen_text())
    red_rows = [r for r in range(10) if model.emulator.text(r) == "red"]
    assert model.emulator.runs(red_rows[0])[0][1].fg == 1


async def test_answers_cursor_position_queries(spawn_shell: SpawnShell) -> None:
    model = await ready(await spawn_shell(rows=10, cols=40))
    # The shell asks where the cursor is and prints the raw answer it reads back.
    model.write(
        "stty raw -echo; printf '\\033[6n'; dd bs=1 count=6 2>/dev/null | od -c; stty sane\r"
    )
    await wait_for(lambda: "033   [" in model.screen_text())
    assert "R" in model.screen_text()


async def test_a_flood_is_drained_and_the_view_notified_at_frame_rate(
    spawn_shell: SpawnShell,
) -> None:
    model = await ready(await spawn_shell(rows=10, cols=40))
    notified = []
    model.set_listener(lambda: notified.append(model.take_update()))
    model.write("seq 1 200000\r")
    await wait_for(lambda: model.emulator.text(8) == "200000", timeout=10)
    assert model.fed_bytes > 1_200_000
    # ~1.3 MB took a few frames; the view was told a few times, not once per 4 KB read.
    assert 1 <= len(notified) < model.fed_bytes / 4096 / 4


async def test_the_last_screen_of_a_flood_is_shown_once_output_settles(
    spawn_shell: SpawnShell,
) -> None:
    """During a flood the view is told 10 times a second; the screen a flood ends on
    (the prompt after it) must not wait out that interval once nothing more arrives."""
    import time

    from tabwise.tui.terminal._model import FLOOD_REFRESH_SECONDS, SETTLED_SECONDS

    model = await ready(await spawn_shell(rows=10, cols=40))
    told: list[float] = []
    model.set_listener(lambda: (told.append(time.perf_counter()), model.take_update()))
    gaps = []
    for n in range(3):  # the old 0.1 s hold-back gives 0-0.1 s here: three chances to show
        model.write(f"seq 1 60000; echo END{n}-$((6*7))\r")
        await wait_for(lambda n=n: f"END{n}-42" in model.screen_text(3), timeout=10)
        await wait_for(lambda: told and told[-1] > model._last_output, timeout=2)
        gaps.append(told[-1] - model._last_output)
    assert max(gaps) < SETTLED_SECONDS + FLOOD_REFRESH_SECONDS / 3, gaps
