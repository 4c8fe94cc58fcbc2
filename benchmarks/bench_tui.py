"""P7: the TUI under real answers — the real app (``TabwiseApp``) under Textual's pilot,
headless, on the fake LLM, with real PTYs and the real core.

- P7.1 a 20 KB Markdown answer (headings, lists, code, tables; ``tests/tui/
  markdown_sample.py``) streamed as fast as the fake can send it, 16 characters a delta:
  from the UI receiving the last delta to the composed screen showing the answer's last
  line (the timeline follows the answer). P7.1b: the whole stream, first delta to done.
- P7.2 the main thread's CPU time (``time.thread_time``; the fake runs in its own
  thread) for that whole stream, against the same thread's CPU for mounting the final
  document at once in a fresh tab of the same app (baseline, same run).
- P7.3 a 2 KB answer at 20 deltas/s: the app's mean CPU (whole process, minus the fake
  server's thread) over the stream, as % of one core.
- P7.4 keystroke to terminal screen in the active tab while 3 tabs stream 20 KB
  answers: a key event posted to the focused terminal until its echo is painted in the
  widget's strip (the method of P6.4), p99; baseline: the same with nothing streaming.
- P7.5 5 tabs each restored with a 20 KB answer (archive on): app start to the active
  tab's shell prompt on screen; tab switch (Alt+N) to the new tab's screen composed,
  p95; RSS after the start and the switches.

The machine is shared: wall-clock figures are noisy; each row carries a same-run
baseline. ``uv run python -m benchmarks --only P7`` runs it.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ._fake import FakeServer, Reply, bench_home
from ._rows import Row, row

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "tui"))
from markdown_sample import sample_markdown

IDS = ("P7", "P7.1", "P7.1b", "P7.2", "P7.3", "P7.4", "P7.4b", "P7.5", "P7.5b", "P7.5c")

SIZE = (140, 45)
SHELL_EXTRA = '\n[terminal]\nshell = "/bin/sh"\n'


def _env() -> None:
    os.environ["SHELL"] = "/bin/sh"
    os.environ["PS1"] = "$ "
    os.environ["PYDANTIC_AI_NO_BANNER"] = "1"
    os.environ.pop("PROMPT_COMMAND", None)
    os.environ.pop("ENV", None)


async def until(predicate: Callable[[], object], timeout: float, step: float = 0.002) -> bool:
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            return False
        await asyncio.sleep(step)
    return True


def screen_text(app: Any) -> str:
    """The composed screen, as plain text (what a terminal would show)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def last_line(doc: str) -> str:
    return doc.rstrip().splitlines()[-1].strip()


async def ready(app: Any, tabs: int = 1, timeout: float = 30) -> Any:
    ok = await until(lambda: app.main_screen is not None and app.main_screen.ready, timeout,
                     0.01)
    screen = app.main_screen
    if not ok or screen is None:
        raise RuntimeError("the main screen did not come up")
    await until(lambda: len(screen.order) == tabs, timeout, 0.01)
    for view in screen.views.values():
        if not await until(lambda v=view: "$" in v.terminal.screen_text(), timeout, 0.01):
            raise RuntimeError("no shell prompt")
    return screen


class DeltaClock:
    """When the UI received the first and the last text delta (wraps the app's event
    handler; costs one perf_counter per event)."""

    def __init__(self, screen: Any) -> None:
        self.first = 0.0
        self.last = 0.0
        self.completed = 0
        inner = screen.apply_event

        def apply_event(event: Any) -> None:
            kind = event.type
            if kind == "text_delta":
                now = time.perf_counter()
                self.first = self.first or now
                self.last = now
            inner(event)
            if kind == "completed":
                self.completed += 1

        screen.apply_event = apply_event


async def warm_up(app: Any, screen: Any, clock: DeltaClock) -> None:
    """One short turn first: the provider SDK is imported on first use (a one-off a
    user pays once per run, not a cost of rendering)."""
    done = clock.completed
    screen.send_prompt(screen.active_view.session_id, "warm up", None)
    await until(lambda: clock.completed > done, 60, 0.01)
    await asyncio.sleep(0.3)


# -- P7.1 / P7.2: one 20 KB answer, streamed fast ----------------------------------------


async def stream_once(fake: FakeServer, home: Path, doc: str) -> dict[str, float]:
    from tabwise.tui.app import TabwiseApp

    app = TabwiseApp(home, working_directory=str(home.parent / "work"))
    out: dict[str, float] = {}
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app)
        clock = DeltaClock(screen)
        view = screen.active_view
        await warm_up(app, screen, clock)
        clock.first = clock.last = 0.0
        fake.script("m1", Reply(text=doc, chunk_size=16))
        end = last_line(doc)
        cpu0, wall0 = time.thread_time(), time.perf_counter()
        screen.send_prompt(view.session_id, "set up the services", None)
        await until(lambda: clock.completed > 1, 120, 0.01)
        shown, cpu = await painted(app, lambda: answer_done(view, doc), end)
        out["cpu"] = cpu - cpu0
        out["latency"] = shown - clock.last
        out["stream"] = shown - clock.first
        out["wall"] = shown - wall0
        # Baseline: the same document mounted at once, in a fresh timeline entry.
        await pilot.pause(0.3)
        out["baseline_cpu"], out["baseline_wall"] = await render_at_once(app, pilot, doc)
    return out


def answer_done(view: Any, doc: str) -> bool:
    from tabwise.tui.widgets import AnswerBlock

    answers = view.panel.timeline.query(AnswerBlock)
    return bool(answers) and answers.last().text == doc and answers.last().finished


def settled(app: Any) -> bool:
    """Nothing left for the screen to lay out or paint."""
    screen = app.screen
    return not (screen._layout_required or screen._repaint_required
                or screen._dirty_widgets)


async def painted(app: Any, ready: Callable[[], bool], end: str) -> tuple[float, float]:
    """When ``end`` is on screen: polled cheaply (the widget says it is done and the
    screen has painted everything), then confirmed on the composed screen; the
    confirmation is not counted, since rendering the whole screen to text for a probe
    costs more than a frame."""
    """Returns (wall clock, main-thread CPU) at that moment."""
    await until(lambda: ready() and settled(app), 120, 0.001)
    shown, cpu = time.perf_counter(), time.thread_time()
    if end in screen_text(app):
        return shown, cpu
    if not await until(lambda: end in screen_text(app), 60, 0.002):
        print("P7: the answer's last line never showed:\n" + screen_text(app),
              file=sys.stderr)
    return time.perf_counter(), time.thread_time()


async def render_at_once(app: Any, pilot: Any, doc: str) -> tuple[float, float]:
    """CPU and wall time of showing ``doc`` as a finished answer (the way a restored
    conversation shows it), until its last line is on screen."""
    from tabwise.tui.widgets import AnswerBlock

    screen = app.main_screen
    timeline = screen.active_view.panel.timeline
    timeline.clear_entries()
    await pilot.pause(0.2)
    end = last_line(doc)
    cpu0, wall0 = time.thread_time(), time.perf_counter()
    timeline.mount(AnswerBlock(doc))
    timeline.anchor()
    shown, cpu = await painted(app, lambda: bool(timeline.query(AnswerBlock)), end)
    return cpu - cpu0, shown - wall0


def stream_rows(quick: bool) -> list[Row]:
    _env()
    doc = sample_markdown(20_000)
    with FakeServer() as fake, bench_home(fake.base_url, extra=SHELL_EXTRA) as home:
        r = asyncio.run(stream_once(fake, home, doc))
    ratio = r["cpu"] / r["baseline_cpu"] if r["baseline_cpu"] else None
    return [
        row("P7.1", f"{len(doc) // 1000} KB Markdown streamed fast: last delta → on screen",
            round(r["latency"], 3), "s", "<= 0.5 s", r["latency"] <= 0.5),
        row("P7.1b", "same: first delta → whole answer on screen", round(r["stream"], 3), "s",
            "", None),
        row("P7.2", "same: main-thread CPU for the stream vs rendering the final "
            "document once (baseline)", round(r["cpu"], 3), "s", "<= 3x",
            ratio is not None and ratio <= 3, baseline=round(r["baseline_cpu"], 3),
            ratio=round(ratio, 2) if ratio else None),
    ]


PARTS: dict[str, tuple[tuple[str, ...], Callable[[bool], list[Row]]]] = {
    "stream": (("P7.1", "P7.1b", "P7.2"), stream_rows),
}


def selected(ids: tuple[str, ...], only: set[str] | None) -> bool:
    if not only:
        return True
    return any(rid == o or (rid.startswith(o) and not rid[len(o)].isdigit())
               for rid in map(str.upper, ids) for o in only)


def run(quick: bool, only: set[str] | None = None) -> list[Row]:
    rows: list[Row] = []
    for ids, part in PARTS.values():
        if selected(ids, only):
            rows += part(quick)
    return rows


if __name__ == "__main__":
    only = {a.upper() for a in sys.argv[1:] if a.upper().startswith("P")} or None
    for r in run("--quick" in sys.argv, only):
        extra = f"  (baseline {r['baseline']}, x{r['ratio']})" if "baseline" in r else ""
        mark = {True: "ok", False: "MISS", None: "-"}[r["ok"]]
        print(f"{r['id']:6} {r['what'][:70]:70} {r['value']!s:>9} {r['unit']:3} "
              f"{r['target']:10} {mark}{extra}")
