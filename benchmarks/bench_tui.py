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
import resource
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual import events

from tabwise.events import Completed, TextDelta

from ._fake import FakeServer, Reply, bench_home
from ._rows import Row, quantile, row

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "tui"))
from markdown_sample import sample_markdown

IDS = ("P7", "P7.1", "P7.1b", "P7.2", "P7.2a", "P7.2r", "P7.2b", "P7.3", "P7.4", "P7.4b",
       "P7.5", "P7.5b", "P7.5c")

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
            if isinstance(event.payload, TextDelta):
                now = time.perf_counter()
                self.first = self.first or now
                self.last = now
            inner(event)
            if isinstance(event.payload, Completed):
                self.completed += 1

        screen.apply_event = apply_event


async def warm_up(app: Any, screen: Any, clock: DeltaClock) -> None:
    """One short turn first: the provider SDK is imported on first use (a one-off a
    user pays once per run, not a cost of rendering)."""
    done = clock.completed
    screen.tabs.send_prompt(screen.active_view.session_id, "warm up", None)
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
        screen.tabs.send_prompt(view.session_id, "set up the services", None)
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


async def pipeline_once(fake: FakeServer, home: Path, doc: str) -> float:
    """The same stream through the core alone, no TUI: the main thread's CPU from the
    prompt to ``completed`` reaching a subscriber (pydantic-ai, the openai SDK, the
    bridge and the bus — what the app pays per chunk before anything is drawn)."""
    from tabwise.api import AiConfig
    from tabwise.commands import Tabwise

    core = await Tabwise.start(home)
    try:
        info = await core.create_session(str(home.parent / "work"),
                                         ai_config=AiConfig("local1", "m1"), terminal=False)
        sid = info.session_id
        fake.script("m1", Reply(text="warm up"))
        await core.send_ai_prompt(sid, "warm up")  # the SDK's first use is a one-off
        fake.script("m1", Reply(text=doc, chunk_size=16))
        sub = core.subscribe(sid)
        cpu0 = time.thread_time()
        task = asyncio.create_task(core.send_ai_prompt(sid, "set up the services"))
        async for ev in sub:
            if isinstance(ev.payload, Completed):
                break
        cpu = time.thread_time() - cpu0
        sub.close()
        await task
        return cpu
    finally:
        await core.stop()


async def raw_sdk_once(fake: FakeServer, doc: str) -> float:
    """The same stream read by the openai SDK alone: the floor under every layer."""
    from ._ai import openai_client, raw_stream

    client = openai_client(fake)
    fake.script("m1", Reply(text="warm up"))
    await raw_stream(client, "m1")
    fake.script("m1", Reply(text=doc, chunk_size=16))
    cpu0 = time.thread_time()
    await raw_stream(client, "m1")
    cpu = time.thread_time() - cpu0
    await client.close()
    return cpu


def stream_rows(quick: bool) -> list[Row]:
    _env()
    doc = sample_markdown(20_000)
    with FakeServer() as fake, bench_home(fake.base_url, extra=SHELL_EXTRA) as home:
        r = asyncio.run(stream_once(fake, home, doc))
        pipeline = asyncio.run(pipeline_once(fake, home, doc))
        raw = asyncio.run(raw_sdk_once(fake, doc))
    ratio = r["cpu"] / r["baseline_cpu"] if r["baseline_cpu"] else None
    tui = max(r["cpu"] - pipeline, 0.0)
    tui_ratio = tui / r["baseline_cpu"] if r["baseline_cpu"] else None
    return [
        row("P7.1", f"{len(doc) // 1000} KB Markdown streamed fast: last delta → on screen",
            round(r["latency"], 3), "s", "<= 0.5 s", r["latency"] <= 0.5),
        row("P7.1b", "same: first delta → whole answer on screen", round(r["stream"], 3), "s",
            "", None),
        row("P7.2", "same: main-thread CPU for the stream vs rendering the final "
            "document once (baseline)", round(r["cpu"], 3), "s", "<= 3x",
            ratio is not None and ratio <= 3, baseline=round(r["baseline_cpu"], 3),
            ratio=round(ratio, 2) if ratio else None),
        row("P7.2a", "same stream through the core alone, no TUI (pydantic-ai, openai "
            "SDK, bridge, bus): main-thread CPU", round(pipeline, 3), "s", "", None,
            baseline=round(r["baseline_cpu"], 3),
            ratio=round(pipeline / r["baseline_cpu"], 2) if r["baseline_cpu"] else None),
        row("P7.2r", "same stream read by the openai SDK alone (the floor): main-thread "
            "CPU", round(raw, 3), "s", "", None, baseline=round(r["baseline_cpu"], 3),
            ratio=round(raw / r["baseline_cpu"], 2) if r["baseline_cpu"] else None),
        row("P7.2b", "P7.2 minus P7.2a: the TUI's own CPU for the stream vs rendering "
            "once", round(tui, 3), "s", "", None, baseline=round(r["baseline_cpu"], 3),
            ratio=round(tui_ratio, 2) if tui_ratio is not None else None),
    ]


# -- P7.3: a slow stream's CPU ------------------------------------------------------------


def thread_cpu(thread: threading.Thread) -> float:
    ident = thread.ident
    if ident is None:
        return 0.0
    return time.clock_gettime(time.pthread_getcpuclockid(ident))


async def paced_stream(fake: FakeServer, home: Path, doc: str, delay: float) -> dict[str, float]:
    from tabwise.tui.app import TabwiseApp

    app = TabwiseApp(home, working_directory=str(home.parent / "work"))
    fake_thread = fake._thread
    async with app.run_test(size=SIZE):
        screen = await ready(app)
        clock = DeltaClock(screen)
        view = screen.active_view
        await warm_up(app, screen, clock)
        fake.script("m1", Reply(text=doc, chunk_size=16, chunk_delay=delay))
        cpu0 = time.process_time() - thread_cpu(fake_thread)
        wall0 = time.perf_counter()
        screen.tabs.send_prompt(view.session_id, "explain", None)
        await until(lambda: clock.completed > 1, 120, 0.05)
        cpu = time.process_time() - thread_cpu(fake_thread) - cpu0
        wall = time.perf_counter() - wall0
    return {"cpu": cpu, "wall": wall}


def paced_rows(quick: bool) -> list[Row]:
    _env()
    doc = sample_markdown(2_000)
    with FakeServer() as fake, bench_home(fake.base_url, extra=SHELL_EXTRA) as home:
        r = asyncio.run(paced_stream(fake, home, doc, 0.05))
    pct = 100 * r["cpu"] / r["wall"]
    return [row("P7.3", f"{len(doc) // 1000} KB at 20 deltas/s: mean CPU of the app "
                f"({r['wall']:.1f} s stream)", round(pct, 1), "%", "<= 10 %", pct <= 10)]


# -- P7.4: keystroke latency while 3 tabs stream ------------------------------------------


async def keystrokes(app: Any, samples: int) -> list[float]:
    """Latencies (s) of keys posted to the active tab's terminal, echoed by its shell,
    until the echo is painted in the widget's strip (as P6.4 measures)."""
    view = app.main_screen.active_view
    terminal = view.terminal
    terminal.focus()
    model = terminal.model
    cursor = model.emulator.cursor
    row_y = cursor.row
    before = terminal.render_line(row_y).text[: cursor.col]
    times: list[float] = []
    typed = ""
    for i in range(samples):
        char = "abcdefghijklmnopqrstuvwxyz"[i % 26]
        typed += char
        expected = before + typed
        started = time.perf_counter()
        terminal.post_message(events.Key(char, char))
        if await until(lambda e=expected: terminal.render_line(row_y).text.rstrip() == e, 2.0,
                       0.0005):
            times.append(time.perf_counter() - started)
        else:
            times.append(2.0)
        await asyncio.sleep(0.01 + 0.02 * (i % 3) / 2)  # vary the frame phase
    model.write("\x15")  # Ctrl+U: clear the line again
    await asyncio.sleep(0.1)
    return times


async def latency_under_streams(fake: FakeServer, home: Path, doc: str,
                                samples: int) -> dict[str, Any]:
    from tabwise.tui.app import TabwiseApp

    app = TabwiseApp(home, working_directory=str(home.parent / "work"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app)
        clock = DeltaClock(screen)
        await warm_up(app, screen, clock)
        for _ in range(2):
            await pilot.press("alt+t")
        await until(lambda: len(screen.order) == 3, 30, 0.01)
        for view in screen.views.values():
            await until(lambda v=view: "$" in v.terminal.screen_text(), 30, 0.01)
        await pilot.press("alt+1")
        await asyncio.sleep(0.5)
        idle = await keystrokes(app, samples)
        done = clock.completed
        fake.script("m1", *[Reply(text=doc, chunk_size=16, chunk_delay=0.004)] * 3)
        for sid in screen.order:
            screen.tabs.send_prompt(sid, "set up the services", None)
        await until(lambda: clock.first > 0, 30, 0.005)
        await asyncio.sleep(0.3)
        busy = await keystrokes(app, samples)
        streaming = clock.completed - done < 3
        await until(lambda: clock.completed - done >= 3, 120, 0.05)
    return {"idle": idle, "busy": busy, "streaming": streaming}


def latency_rows(quick: bool) -> list[Row]:
    _env()
    doc = sample_markdown(20_000)
    with FakeServer() as fake, bench_home(fake.base_url, extra=SHELL_EXTRA) as home:
        r = asyncio.run(latency_under_streams(fake, home, doc, 20 if quick else 40))
    p99, base = quantile(r["busy"], 0.99) * 1000, quantile(r["idle"], 0.99) * 1000
    note = "" if r["streaming"] else " (BUT the streams ended before the last key)"
    return [
        row("P7.4", f"keystroke → terminal screen p99 while 3 tabs stream 20 KB{note}",
            round(p99, 1), "ms", "<= 50 ms", p99 <= 50, baseline=round(base, 1),
            ratio=round(p99 / base, 2) if base else None),
        row("P7.4b", "same, p50", round(statistics.median(r["busy"]) * 1000, 1), "ms", "",
            None, baseline=round(statistics.median(r["idle"]) * 1000, 1)),
    ]


# -- P7.5: 5 restored tabs with 20 KB answers ---------------------------------------------

RESTORED_TABS = 5


def restore_settings(base_url: str) -> str:
    from ._fake import settings_toml

    text = settings_toml(base_url, persist=True, extra=SHELL_EXTRA)
    return text.replace("restore_on_start = false", "restore_on_start = true")


async def seed(fake: FakeServer, home: Path, doc: str) -> None:
    from tabwise.commands import Tabwise

    core = await Tabwise.start(home)
    try:
        for i in range(RESTORED_TABS):
            info = await core.create_session(working_directory=str(home.parent / "work"),
                                             name=f"t{i + 1}")
            fake.script("m1", Reply(text=doc, chunk_size=512))
            await core.send_ai_prompt(info.session_id, f"tab {i + 1}: set up the services")
    finally:
        await core.stop()


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def shown(view: Any) -> bool:
    """The tab's restored conversation is mounted (it is built on first show)."""
    from tabwise.tui.widgets import AnswerBlock

    return not view._history and bool(view.panel.timeline.query(AnswerBlock))


async def restored_child(home: Path, spawned: float, switches: int) -> dict[str, Any]:
    """In a fresh interpreter: start the app on ``home``, time the first shell prompt
    on screen (from the parent's spawn time, imports included), then tab switches."""
    imports = time.time()
    from tabwise.tui.app import TabwiseApp

    imported = time.time()

    app = TabwiseApp(home, working_directory=str(home.parent / "work"))
    out: dict[str, Any] = {}
    async with app.run_test(size=SIZE):
        await until(lambda: app.main_screen is not None and app.main_screen.ready, 60, 0.002)
        screen = app.main_screen
        await until(lambda: screen.active_view is not None
                    and "$" in screen.active_view.terminal.screen_text(), 60, 0.002)
        await until(lambda: settled(app), 60, 0.002)
        out["start"] = time.time() - spawned
        out["imports"] = imported - spawned
        out["import_app"] = imported - imports
        out["tabs"] = len(screen.order)
        times: list[float] = []
        for i in range(switches):
            n = 2 + i % (len(screen.order) - 1) if i % 2 == 0 else 1
            target = screen.order[n - 1]
            started = time.perf_counter()
            # The key as the terminal delivers it (pilot.press would add its own waits).
            app.post_message(events.Key(f"alt+{n}", None))
            view = screen.views[target]
            await until(lambda t=target, v=view: screen.active_id == t and shown(v)
                        and settled(app), 10, 0.001)
            times.append(time.perf_counter() - started)
            if not await until(lambda: "The end." in screen_text(app), 10, 0.01):
                print("P7.5: the restored answer is not on screen:\n" + screen_text(app),
                      file=sys.stderr)
            await asyncio.sleep(0.05)
        out["switch"] = times
        out["rss"] = rss_mb()
    return out


def restored_rows(quick: bool) -> list[Row]:
    import json
    import subprocess

    _env()
    doc = sample_markdown(20_000)
    with FakeServer() as fake, bench_home(fake.base_url) as home:
        (home / "settings.toml").write_text(restore_settings(fake.base_url))
        asyncio.run(seed(fake, home, doc))
        spawned = time.time()
        proc = subprocess.run(
            [sys.executable, "-m", "benchmarks.bench_tui", "--restored-child", str(home),
             str(spawned), "12" if quick else "30"],
            capture_output=True, text=True, timeout=300, check=False,
            cwd=Path(__file__).resolve().parent.parent, env=os.environ)
    if proc.returncode:
        raise RuntimeError(f"the P7.5 child failed: {proc.stderr[-2000:]}")
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    p95 = quantile(r["switch"], 0.95) * 1000
    print(f"P7.5: spawn → app imported {r['imports']:.2f} s (tabwise.tui.app alone "
          f"{r['import_app']:.2f} s); switches (ms): "
          + ", ".join(f"{t * 1000:.0f}" for t in r["switch"]), file=sys.stderr)
    return [
        row("P7.5", f"{r['tabs']} tabs × 20 KB restored: start → shell prompt on screen "
            "(process spawn, imports included)", round(r["start"], 2), "s", "<= 2 s",
            r["start"] <= 2),
        row("P7.5b", "same: tab switch (Alt+N) → composed screen, p95", round(p95, 1), "ms",
            "<= 100 ms", p95 <= 100),
        row("P7.5c", "same: RSS after start and the switches", round(r["rss"]), "MB",
            "<= 250 MB", r["rss"] <= 250),
    ]


PARTS: dict[str, tuple[tuple[str, ...], Callable[[bool], list[Row]]]] = {
    "stream": (("P7.1", "P7.1b", "P7.2", "P7.2a", "P7.2r", "P7.2b"), stream_rows),
    "paced": (("P7.3",), paced_rows),
    "latency": (("P7.4", "P7.4b"), latency_rows),
    "restored": (("P7.5", "P7.5b", "P7.5c"), restored_rows),
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
    if sys.argv[1:2] == ["--restored-child"]:
        import json

        _env()
        result = asyncio.run(restored_child(Path(sys.argv[2]), float(sys.argv[3]),
                                            int(sys.argv[4])))
        print(json.dumps(result))
        sys.exit(0)
    only = {a.upper() for a in sys.argv[1:] if a.upper().startswith("P")} or None
    for r in run("--quick" in sys.argv, only):
        extra = f"  (baseline {r['baseline']}, x{r.get('ratio')})" if "baseline" in r else ""
        mark = {True: "ok", False: "MISS", None: "-"}[r["ok"]]
        print(f"{r['id']:6} {r['what'][:70]:70} {r['value']!s:>9} {r['unit']:3} "
              f"{r['target']:10} {mark}{extra}")
