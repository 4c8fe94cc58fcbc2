"""P6: the terminal pane — emulator throughput and keystroke latency under a flood.

- P6.1-P6.3 feed the same captured output through both emulator adapters (avt, the
  one tabwise uses, and pyte, the pure-Python baseline): plain ``seq`` output that
  scrolls every line, a 256-colour/truecolour SGR-heavy stream, and ``ls --color``-like
  listings. MB/s through the adapter, mode scanner included; ratio = avt / pyte.
- P6.4-P6.6 run a headless Textual app with two TerminalViews side by side on two real
  ``/bin/sh`` PTYs. One floods (``seq 1 2000000`` in a loop) while a key is sent to the
  other; latency is from posting the key event to the echoed character being painted
  in that widget's strip. Also how fast the flooding view drains its output meanwhile.

``uv run python -m benchmarks.bench_terminal [--quick]`` runs it alone.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from textual import events
from textual.app import App, ComposeResult
from textual.containers import Horizontal

from tabwise.pty import PtyProcess
from tabwise.tui.terminal import AvtEmulator, Emulator, PyteEmulator
from tabwise.tui.widgets import TerminalView

IDS = ("P6",)
Row = dict[str, Any]


def row(
    id_: str,
    what: str,
    value: float,
    unit: str,
    target: str,
    ok: bool | None,
    baseline: float | None = None,
    ratio: float | None = None,
) -> Row:
    r: Row = {"id": id_, "what": what, "value": value, "unit": unit, "target": target, "ok": ok}
    if baseline is not None:
        r["baseline"] = baseline
    if ratio is not None:
        r["ratio"] = ratio
    return r


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


def quantile(xs: list[float], q: float) -> float:
    ordered = sorted(xs)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


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


def run(quick: bool) -> list[Row]:
    return throughput_rows(quick) + latency_rows(quick)


if __name__ == "__main__":
    for r in run("--quick" in sys.argv):
        extra = f"  (pyte {r['baseline']} MB/s, x{r['ratio']})" if "baseline" in r else ""
        mark = {True: "ok", False: "MISS", None: "-"}[r["ok"]]
        print(
            f"{r['id']:5} {r['what']:62} {r['value']:>9} {r['unit']:5} "
            f"{r['target']:12} {mark}{extra}"
        )
