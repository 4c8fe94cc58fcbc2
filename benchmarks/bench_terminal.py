"""P6: the terminal pane — emulator throughput and keystroke latency under a flood.

- P6.1-P6.3 feed the same captured output through both emulator adapters (avt, the
  one tabwise uses, and pyte, the pure-Python baseline): plain ``seq`` output that
  scrolls every line, a 256-colour/truecolour SGR-heavy stream, and ``ls --color``-like
  listings. MB/s through the adapter, mode scanner included; ratio = avt / pyte.
- P6.4-P6.6 run a headless Textual app with two TerminalViews side by side on two real
  ``/bin/sh`` PTYs. One floods (``seq 1 2000000`` in a loop) while a key is sent to the
  other; latency is from posting the key event to the echoed character being painted
  in that widget's strip. Also how fast the flooding view drains its output meanwhile.
- P6.7 is what a user waits for at start-up: ``tabwise --home DIR`` launched for real
  (the console script) in a detached 140x40 tmux pane, its screen polled with
  ``tmux capture-pane -p`` every 10 ms, from spawning the process to the first frame
  that shows every restored tab in the tab bar and the active tab's ``provider · model``
  in the status bar (see :func:`first_frame`). The home holds 20 open sessions
  (persist and restore_on_start on, half of them with two turns of history), made
  beforehand with the core against the fake LLM; P6.7b is the same with 1 session.
- P6.8 is a flood as a user sees it: ``seq 1 300000`` typed into the real app's shell
  in a 140x40 tmux pane, timed from sending Enter to the line after the last number
  appearing in ``tmux capture-pane`` (polled every 10 ms); the baseline is the same
  command in a plain ``/bin/sh`` tmux pane of the same size, in the same run.
- P6.9 is the end of a flood: a TerminalModel on a real ``/bin/sh`` prints
  ``seq 1 60000`` and a marker, ten times; each time, from the last output arriving to
  the view being told about it. The baseline, in the same run, is the same with the
  settle rule off (a flood's last screen waits out the 10 fps flood interval).

``uv run python -m benchmarks.bench_terminal [--quick]`` runs it alone.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from textual import events
from textual.app import App, ComposeResult
from textual.containers import Horizontal

from tabwise.pty import PtyProcess
from tabwise.tui.terminal import AvtEmulator, Emulator, PyteEmulator
from tabwise.tui.widgets import TerminalView

from ._rows import Row, quantile, row

# Every row id, so `--only P6.7` finds this module (the harness reads IDS without importing).
IDS = ("P6", "P6.1", "P6.2", "P6.3", "P6.4", "P6.5", "P6.6", "P6.7", "P6.7b", "P6.8", "P6.9")



# -- throughput -------------------------------------------------------------------------


def captures(quick: bool) -> dict[str, bytes]:
    """Deterministic stand-ins for real output, as a PTY delivers it (CRLF)."""
    rng = random.Random(6)
    lines = 40_000 if quick else 200_000
    seq = b"".join(b"%d\r\n" % i for i in range(1, lines + 1))
    words = b"lorem ipsum dolor sit amet consectetur adipiscing elit sed do".split()
    sgr = []
    for _ in range(lines // 10):
        parts = []
        for _ in range(6):
            colour = rng.choice(
                [
                    b"\x1b[3%dm" % rng.randint(0, 7),
                    b"\x1b[1;4%dm" % rng.randint(0, 7),
                    b"\x1b[38;5;%dm" % rng.randint(0, 255),
                    b"\x1b[7m",
                    b"\x1b[38;2;%d;%d;%dm"
                    % (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255)),
                ]
            )
            parts.append(colour + rng.choice(words) + b"\x1b[0m ")
        sgr.append(b"".join(parts) + b"\r\n")
    names = [b"bin", b"lib", b"README.md", b"setup.py", b"data.csv", b"archive.tar.gz"]
    ls = []
    for i in range(lines // 10):
        name = rng.choice(names)
        colour = b"01;34" if b"." not in name else rng.choice([b"00", b"01;31", b"01;32"])
        ls.append(
            b"-rw-r--r-- 1 user user %8d Jan  1 12:00 \x1b[%sm%s%d\x1b[0m\r\n"
            % (rng.randint(0, 10**7), colour, name, i)
        )
    return {"seq": seq, "sgr": b"".join(sgr), "ls": b"".join(ls)}


def throughput(make: Callable[[], Emulator], data: bytes, budget: float) -> float:
    """MB/s feeding ``data`` in 64 KB reads (what PtyProcess delivers), best of a few."""
    best = 0.0
    deadline = time.perf_counter() + budget
    while True:
        emulator = make()
        started = time.perf_counter()
        fed = 0
        for start in range(0, len(data), 65536):
            emulator.feed(data[start : start + 65536])
            fed += min(65536, len(data) - start)
            if fed >= 256 * 1024 and time.perf_counter() > deadline:
                break  # pyte: a slice is enough to know its rate
        best = max(best, fed / 1e6 / (time.perf_counter() - started))
        if time.perf_counter() > deadline:
            return best


def throughput_rows(quick: bool) -> list[Row]:
    rows: list[Row] = []
    budget = 1.5 if quick else 6.0
    for index, (name, data) in enumerate(captures(quick).items(), start=1):
        avt = throughput(lambda: AvtEmulator(40, 120), data, budget)
        pyte = throughput(lambda: PyteEmulator(40, 120), data, budget)
        rows.append(
            row(
                f"P6.{index}",
                f"emulator throughput, {name} capture (avt vs pyte)",
                round(avt, 2),
                "MB/s",
                ">= 10 MB/s",
                avt >= 10,
                baseline=round(pyte, 3),
                ratio=round(avt / pyte, 1),
            )
        )
    return rows


# -- keystroke latency under a flood --------------------------------------------------


class TwoTerminals(App[None]):
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, quiet: PtyProcess, noisy: PtyProcess) -> None:
        super().__init__()
        self.quiet, self.noisy = quiet, noisy

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield TerminalView(self.quiet, id="quiet")
            yield TerminalView(self.noisy, id="noisy")


async def wait_until(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            return False
        await asyncio.sleep(0.0005)
    return True


def painted(view: TerminalView) -> str:
    return "\n".join(view.render_line(y).text for y in range(view.size.height))


def shows(view: TerminalView, y: int, text: str) -> bool:
    """Whether row ``y`` as the widget paints it contains ``text``."""
    return text in view.render_line(y).text


async def latency(samples: int) -> tuple[list[float], float, bool]:
    """Per-key latencies (s), the flood's drain rate (MB/s), and whether it flooded."""
    with tempfile.TemporaryDirectory() as home:
        env = {"PATH": "/usr/bin:/bin", "HOME": home, "PS1": "$ ", "TERM": "xterm-256color"}
        quiet = PtyProcess.spawn(["/bin/sh"], home, env=env)
        noisy = PtyProcess.spawn(["/bin/sh"], home, env=env)
        app = TwoTerminals(quiet, noisy)
        try:
            async with app.run_test(size=(160, 40)) as pilot:
                view = app.query_one("#quiet", TerminalView)
                flood = app.query_one("#noisy", TerminalView)
                view.focus()
                await wait_until(lambda: "$" in painted(view) and "$" in painted(flood), 5)
                assert flood.model is not None and view.model is not None
                flood.model.write("while :; do seq 1 2000000; done\r")
                await wait_until(lambda: flood.model.fed_bytes > 2_000_000, 10)  # type: ignore[union-attr]
                prompt_row = view.model.emulator.cursor.row
                fed_before, t_before = flood.model.fed_bytes, time.perf_counter()
                times: list[float] = []
                typed = ""
                for i in range(samples):
                    char = "abcdefghijklmnopqrstuvwxyz"[i % 26]
                    typed += char
                    expected = "$ " + typed
                    started = time.perf_counter()
                    view.post_message(events.Key(char, char))
                    echoed = partial(shows, view, prompt_row, expected)
                    if not await wait_until(echoed, 2.0):
                        times.append(2.0)
                    else:
                        times.append(time.perf_counter() - started)
                    await asyncio.sleep(random.uniform(0.01, 0.03))  # vary the frame phase
                drain = (
                    (flood.model.fed_bytes - fed_before) / 1e6 / (time.perf_counter() - t_before)
                )
                flood.model.write("\x03")
                await pilot.pause()
        finally:
            await quiet.close()
            await noisy.close()
    return times, drain, drain > 1.0



def latency_rows(quick: bool) -> list[Row]:
    times, drain, flooding = asyncio.run(latency(15 if quick else 30))
    p50, p99 = statistics.median(times) * 1000, quantile(times, 0.99) * 1000
    note = "" if flooding else " (BUT the other tab was not flooding)"
    return [
        row(
            "P6.4",
            f"keystroke-to-screen p50, other tab flooding{note}",
            round(p50, 1),
            "ms",
            "<= 25 ms",
            p50 <= 25,
        ),
        row(
            "P6.5",
            f"keystroke-to-screen p99, other tab flooding{note}",
            round(p99, 1),
            "ms",
            "<= 50 ms",
            p99 <= 50,
        ),
        row(
            "P6.6",
            "flooding tab drain rate while the other one types",
            round(drain, 1),
            "MB/s",
            "",
            None,
        ),
    ]


# -- start-up to first frame with restored tabs (P6.7) --------------------------------

START_TABS = 20
# One letter per tab: 20 tabs fit a 140-column tab bar without being abridged.
TAB_NAMES = "abcdefghijklmnopqrstuvwxyz"[:START_TABS]
COLS, LINES = 140, 40
MODEL_LABEL = "local1 · m1"  # the active tab's provider · model, as the status bar shows it
FRAME_TIMEOUT = 20.0  # s to wait for the first frame before giving up on a run
QUIT_TIMEOUT = 10.0  # s to wait for the process to exit after F10


def start_settings(base_url: str) -> str:
    """The benchmark settings with the archive on, restore_on_start on and a plain
    ``/bin/sh`` in every tab (a user's rc files would make the figure machine-bound)."""
    from ._fake import settings_toml

    text = settings_toml(base_url, persist=True, extra='\n[terminal]\nshell = "/bin/sh"\n')
    return text.replace("restore_on_start = false", "restore_on_start = true")


async def seed_sessions(home: Path, workdir: Path, count: int) -> None:
    """``count`` open sessions named a, b, c, ...; every other one has two turns."""
    from tabwise.commands import Tabwise

    core = await Tabwise.start(home)
    try:
        for i in range(count):
            info = await core.create_session(
                working_directory=str(workdir), name=TAB_NAMES[i], terminal=False
            )
            if i % 2 == 0:
                for turn in (1, 2):
                    await core.send_ai_prompt(
                        info.session_id, f"tab {TAB_NAMES[i]}, question {turn}"
                    )
    finally:
        await core.stop()


def tab_labels(count: int) -> list[str]:
    """The tab bar's cells, stripped: ``1 a``, ``2 b``, ... (every tab numbered), ``+``."""
    return [f"{n} {c}" for n, c in enumerate(TAB_NAMES[:count], 1)] + ["+"]


def first_frame(screen: str, count: int) -> bool:
    """The first frame a user can work with: the top line is the tab bar with all
    ``count`` tabs (exactly, in order, then ``+``), and the last line is the status bar
    with the active tab's ``provider · model`` and the key hints. The main screen fills
    the tab bar tab by tab as it mounts each tab's view, and sets the status bar's model
    only when it activates the first tab, after the last view is mounted; so this is
    "every restored tab is on screen and the active one is live"."""
    lines = [line.rstrip() for line in screen.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    if len(lines) < 2:
        return False
    tabs = [cell.strip() for cell in lines[0].split("│")]
    status = lines[-1]
    return tabs == tab_labels(count) and MODEL_LABEL in status and "F10 quit" in status


class Tmux:
    """A private tmux server (own socket, no user config) kept alive by an idle session."""

    def __init__(self, socket: Path, env: dict[str, str]) -> None:
        self.socket = str(socket)
        self.env = env
        self._names = itertools.count(1)

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-S", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            env=self.env,
            check=False,
        )

    def __enter__(self) -> Tmux:
        got = self("new-session", "-d", "-s", "keep", "sleep", "86400")
        if got.returncode:
            raise RuntimeError(f"tmux new-session failed: {got.stderr.strip()}")
        return self

    def __exit__(self, *exc: object) -> None:
        self("kill-server")

    def start_to_first_frame(self, argv: list[str], cwd: Path, count: int) -> tuple[float, float]:
        """Seconds from spawning ``argv`` in a new pane to :func:`first_frame` (NaN if
        it never came), and from F10 to the process's exit (NaN if it did not exit)."""
        name = f"start{next(self._names)}"
        target = f"={name}:"
        started = time.perf_counter()
        got = self(
            "new-session",
            "-d",
            "-s",
            name,
            "-x",
            str(COLS),
            "-y",
            str(LINES),
            "-c",
            str(cwd),
            *argv,
        )
        if got.returncode:
            raise RuntimeError(f"tmux new-session failed: {got.stderr.strip()}")
        frame = math.nan
        try:
            while time.perf_counter() - started < FRAME_TIMEOUT:
                screen = self("capture-pane", "-p", "-t", target).stdout
                if first_frame(screen, count):
                    frame = time.perf_counter() - started
                    break
                time.sleep(0.01)
            else:
                print(
                    f"P6.7: no first frame with {count} tabs in {FRAME_TIMEOUT:.0f} s; "
                    f"the screen was:\n{screen}",
                    file=sys.stderr,
                )
            quit_at = time.perf_counter()
            self("send-keys", "-t", target, "F10")
            while self("has-session", "-t", f"={name}").returncode == 0:
                if time.perf_counter() - quit_at > QUIT_TIMEOUT:
                    return frame, math.nan
                time.sleep(0.01)
            return frame, time.perf_counter() - quit_at
        finally:
            self("kill-session", "-t", f"={name}")


def tabwise_argv(home: Path) -> list[str]:
    """The console script a user runs (``python -m tabwise.cli`` if it is missing)."""
    script = Path(sys.executable).parent / "tabwise"
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "tabwise.cli"]
    return [*cmd, "--home", str(home)]


def median_or_nan(xs: list[float]) -> float:
    return math.nan if not xs or any(math.isnan(x) for x in xs) else statistics.median(xs)


def startup_rows(quick: bool) -> list[Row]:
    runs = 2 if quick else 5
    what = f"app start to first frame, {START_TABS} restored tabs (tmux, median of {runs})"
    what1 = f"app start to first frame, 1 restored tab (tmux, median of {runs}; baseline)"
    if shutil.which("tmux") is None:
        note = "skipped: tmux is not installed (P6.7 drives the real app in a tmux pane)"
        return [
            {
                **row("P6.7", f"{what} (skipped: no tmux)", math.nan, "s", "<= 1.5 s", None),
                "note": note,
            },
            {**row("P6.7b", f"{what1} (skipped: no tmux)", math.nan, "s", "", None), "note": note},
        ]
    from ._fake import FakeServer, bench_home

    times: dict[int, list[float]] = {START_TABS: [], 1: []}
    quits: dict[int, list[float]] = {START_TABS: [], 1: []}
    with (
        FakeServer() as fake,
        bench_home(fake.base_url) as home1,
        bench_home(fake.base_url) as home20,
    ):
        homes = {1: home1, START_TABS: home20}
        for count, home in homes.items():
            (home / "settings.toml").write_text(start_settings(fake.base_url))
            asyncio.run(seed_sessions(home, home.parent / "work", count))
        env = {k: v for k, v in os.environ.items() if k != "TMUX"}
        env["LC_ALL"] = "C.UTF-8"  # tmux passes "·" and "│" through only in a UTF-8 locale
        with (
            tempfile.TemporaryDirectory(prefix="tabwise-tmux-") as sock_dir,
            Tmux(Path(sock_dir) / "sock", env) as tmux,
        ):
            # Alternated, so drift hits both alike; a run without a first frame ends
            # the series (its median is NaN anyway), so a broken start costs one timeout.
            for count, home in itertools.islice(itertools.cycle(homes.items()), 2 * runs):
                frame, quit_s = tmux.start_to_first_frame(
                    tabwise_argv(home), home.parent / "work", count
                )
                times[count].append(frame)
                quits[count].append(quit_s)
                if math.isnan(frame):
                    break
    value, base = median_or_nan(times[START_TABS]), median_or_nan(times[1])
    samples = {c: ", ".join(f"{t:.3f}" for t in ts) for c, ts in times.items()}
    note = (
        f"runs (s): {START_TABS} tabs [{samples[START_TABS]}], 1 tab [{samples[1]}]; "
        f"F10 to exit (median): {median_or_nan(quits[START_TABS]):.3f} s with "
        f"{START_TABS} tabs, {median_or_nan(quits[1]):.3f} s with 1"
    )
    print(f"P6.7 {note}", file=sys.stderr)
    return [
        {
            **row(
                "P6.7",
                what,
                round(value, 3),
                "s",
                "<= 1.5 s",
                value <= 1.5 if not math.isnan(value) else False,
                baseline=round(base, 3),
                ratio=round(value / base, 2) if base > 0 else None,
            ),
            "note": note,
        },
        {**row("P6.7b", what1, round(base, 3), "s", "", None), "note": note},
    ]


# -- a flood in the real app against plain tmux (P6.8) ---------------------------------

FLOOD_LINES = 300_000
FLOOD_TIMEOUT = 60.0


def flood_seconds(tmux: Tmux, argv: list[str], cwd: Path, ready: str) -> float:
    """Seconds from typing ``seq 1 300000`` (then Enter) into a new pane running
    ``argv`` until the marker printed after it shows (NaN if it never does)."""
    name = f"flood{next(tmux._names)}"
    target = f"={name}:"
    tmux("new-session", "-d", "-s", name, "-x", str(COLS), "-y", str(LINES), "-c", str(cwd),
         *argv)
    try:
        deadline = time.perf_counter() + FRAME_TIMEOUT
        while ready not in tmux("capture-pane", "-p", "-t", target).stdout:
            if time.perf_counter() > deadline:
                return math.nan
            time.sleep(0.05)
        time.sleep(0.3)  # let start-up work settle
        # The marker is computed by the shell, so the echoed command line never matches.
        tmux("send-keys", "-t", target, "-l", f"seq 1 {FLOOD_LINES}; echo END-$((6*7))")
        started = time.perf_counter()
        tmux("send-keys", "-t", target, "Enter")
        while "END-42" not in tmux("capture-pane", "-p", "-t", target).stdout:
            if time.perf_counter() - started > FLOOD_TIMEOUT:
                return math.nan
            time.sleep(0.01)
        return time.perf_counter() - started
    finally:
        tmux("send-keys", "-t", target, "F10")
        time.sleep(0.3)
        tmux("kill-session", "-t", f"={name}")


def flood_rows(quick: bool) -> list[Row]:
    what = f"seq 1 {FLOOD_LINES} shown in the app's pane (tmux; baseline plain tmux)"
    if shutil.which("tmux") is None:
        return [{**row("P6.8", f"{what} (skipped: no tmux)", math.nan, "s", "<= 2x tmux", None),
                 "note": "skipped: tmux is not installed"}]
    runs = 1 if quick else 3
    app_times: list[float] = []
    tmux_times: list[float] = []
    with tempfile.TemporaryDirectory(prefix="tabwise-flood-") as tmp:
        home, work = Path(tmp) / "home", Path(tmp) / "work"
        home.mkdir()
        work.mkdir()
        (home / "settings.toml").write_text(
            '[sessions]\npersist = false\nrestore_on_start = false\n'
            '[terminal]\nshell = "/bin/sh"\n')
        env = {"PATH": "/usr/bin:/bin", "HOME": tmp, "PS1": "$ ", "TERM": "xterm-256color",
               "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
        plain = ["env", "-i", *(f"{k}={v}" for k, v in env.items()), "/bin/sh"]
        app = ["env", "-i", *(f"{k}={v}" for k, v in env.items()), *tabwise_argv(home)]
        tmux_env = {k: v for k, v in os.environ.items() if k != "TMUX"}
        tmux_env["LC_ALL"] = "C.UTF-8"
        with (
            tempfile.TemporaryDirectory(prefix="tabwise-tmux-") as sock_dir,
            Tmux(Path(sock_dir) / "sock", tmux_env) as tmux,
        ):
            for _ in range(runs):  # alternated, so drift hits both alike
                tmux_times.append(flood_seconds(tmux, plain, work, "$"))
                app_times.append(flood_seconds(tmux, app, work, "F10 quit"))
    value, base = median_or_nan(app_times), median_or_nan(tmux_times)
    ratio = value / base if base > 0 else math.nan
    note = (f"runs (s): app [{', '.join(f'{t:.3f}' for t in app_times)}], "
            f"tmux [{', '.join(f'{t:.3f}' for t in tmux_times)}]")
    print(f"P6.8 {note}", file=sys.stderr)
    return [{
        **row("P6.8", what, round(value, 3), "s", "<= 2x tmux",
              bool(ratio <= 2) if not math.isnan(ratio) else False,
              baseline=round(base, 3), ratio=round(ratio, 2) if not math.isnan(ratio) else None),
        "note": note,
    }]


# -- the end of a flood shown (P6.9) ---------------------------------------------------


async def settle_gaps(floods: int, *, settle: bool) -> list[float]:
    """Seconds from a flood's last output arriving to the view being told, per flood;
    with ``settle=False`` the model's settle rule is off (the flood interval only)."""
    from tabwise.tui.terminal import TerminalModel, _model

    saved = _model.SETTLED_SECONDS
    if not settle:
        _model.SETTLED_SECONDS = math.inf
    try:
        with tempfile.TemporaryDirectory() as home:
            env = {"PATH": "/usr/bin:/bin", "HOME": home, "PS1": "$ ", "TERM": "xterm-256color"}
            pty = PtyProcess.spawn(["/bin/sh"], home, rows=40, cols=140, env=env)
            model = TerminalModel(pty)
            told: list[float] = []
            arrived = [0.0]
            model.set_listener(lambda: (told.append(time.perf_counter()), model.take_update()))
            pty.add_listener(lambda _data: arrived.__setitem__(0, time.perf_counter()))

            async def until(predicate: Callable[[], bool], timeout: float) -> None:
                deadline = time.perf_counter() + timeout
                while not predicate():
                    if time.perf_counter() > deadline:
                        raise TimeoutError("P6.9: the flood did not end on screen")
                    await asyncio.sleep(0.002)

            try:
                await until(lambda: "$" in model.screen_text(), 5)
                gaps = []
                for n in range(floods):
                    marker = f"END{n}-42"
                    model.write(f"seq 1 60000; echo END{n}-$((6*7))\r")
                    await until(lambda m=marker: m in model.screen_text(3), 20)
                    await until(lambda: bool(told) and told[-1] > arrived[0], 2)
                    gaps.append(told[-1] - arrived[0])
                    await asyncio.sleep(0.2)
                return gaps
            finally:
                model.close()
                await pty.close()
    finally:
        _model.SETTLED_SECONDS = saved


def settle_rows(quick: bool) -> list[Row]:
    floods = 4 if quick else 10
    gaps = asyncio.run(settle_gaps(floods, settle=True))
    base = asyncio.run(settle_gaps(floods, settle=False))
    value, baseline = statistics.median(gaps) * 1000, statistics.median(base) * 1000
    note = (f"max {max(gaps) * 1000:.1f} ms; settle rule off: max {max(base) * 1000:.1f} ms "
            f"({floods} floods each)")
    print(f"P6.9 {note}", file=sys.stderr)
    return [{
        **row("P6.9", f"flood's last output -> view told (median of {floods}; "
              "baseline: no settle rule)", round(value, 1), "ms", "", None,
              baseline=round(baseline, 1), ratio=round(value / baseline, 2) if baseline else None),
        "note": note,
    }]


PARTS: dict[str, tuple[tuple[str, ...], Callable[[bool], list[Row]]]] = {
    "throughput": (("P6.1", "P6.2", "P6.3"), throughput_rows),
    "latency": (("P6.4", "P6.5", "P6.6"), latency_rows),
    "startup": (("P6.7", "P6.7b"), startup_rows),
    "flood": (("P6.8",), flood_rows),
    "settle": (("P6.9",), settle_rows),
}


def selected(ids: tuple[str, ...], only: set[str] | None) -> bool:
    """Whether ``--only`` asks for any of ``ids`` (the rule of ``benchmarks.matches``)."""
    if not only:
        return True
    return any(
        rid == o or (rid.startswith(o) and not rid[len(o)].isdigit())
        for rid in map(str.upper, ids)
        for o in only
    )


def run(quick: bool, only: set[str] | None = None) -> list[Row]:
    rows: list[Row] = []
    for ids, part in PARTS.values():
        if selected(ids, only):
            rows += part(quick)
    return rows


if __name__ == "__main__":
    only = {a.upper() for a in sys.argv[1:] if a.upper().startswith("P")} or None
    for r in run("--quick" in sys.argv, only):
        extra = (
            f"  (baseline {r['baseline']} {r['unit']}, x{r['ratio']})" if "baseline" in r else ""
        )
        mark = {True: "ok", False: "MISS", None: "-"}[r["ok"]]
        print(
            f"{r['id']:5} {r['what']:62} {r['value']:>9} {r['unit']:5} "
            f"{r['target']:12} {mark}{extra}"
        )
