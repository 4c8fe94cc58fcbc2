"""P10.regex: one tab's catastrophic regex must not delay another tab (issue #10, item 1).

Tab A runs ``search_files`` with ``(a+)+$`` turn after turn, over a file holding
``"a" * 26 + "!"`` (6.7 s of GIL-holding backtracking in Python's ``re``) and a tree of
long ``aaaa…!`` lines that keeps the RE2 search busy. Meanwhile tab B sends short
prompts; each round trip through ``send_ai_prompt`` is timed, and a ticker measures
how late the event loop wakes up. The baseline is the same prompts on the same core
with tab A idle. The old engine's cost is shown by timing Python's ``re`` on a shorter
input (each extra ``a`` doubles it).

``python -m benchmarks --only P10`` runs it.
"""

from __future__ import annotations

import asyncio
import re
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ._fake import FakeServer, Reply, ToolCall, bench_home
from ._rows import Row, quantile, row

if TYPE_CHECKING:
    from tabwise.commands import Tabwise

IDS = ("P10.regex",)
now = time.perf_counter
PATTERN = "(a+)+$"


def ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def p50(xs: list[float]) -> float:
    return quantile(xs, 0.5)


def p95(xs: list[float]) -> float:
    return quantile(xs, 0.95)


def make_tree(tree: Path, files: int) -> None:
    tree.mkdir(exist_ok=True)
    line = "a" * 200 + "!\n"
    for i in range(files):
        (tree / f"load{i:03}.txt").write_text(line * 2000)


async def direct_search(tree: Path, rounds: int) -> tuple[float, list[float]]:
    """search_files over ``tree`` on this loop, ``rounds`` times: median duration and the
    loop's wake-up lags meanwhile (what the worker thread costs the loop)."""
    from tabwise.agent.toolkit import search_files

    lags: list[float] = []
    stop = asyncio.Event()
    ticker = asyncio.create_task(loop_lag(stop, lags))
    durations = []
    for _ in range(rounds):
        t0 = now()
        await search_files(tree, PATTERN)
        durations.append(now() - t0)
    stop.set()
    await ticker
    return quantile(durations, 0.5), lags


async def session(core: Tabwise, workdir: Path, provider: str, model: str) -> str:
    from tabwise.api import AiConfig
    info = await core.create_session(str(workdir), ai_config=AiConfig(provider, model),
                                     terminal=False)
    return info.session_id


async def prompt_latencies(core: Tabwise, sid: str, n: int) -> list[float]:
    out = []
    for i in range(n):
        # A fresh conversation each time: a growing history would slow later rounds.
        await core.clear_ai_conversation(sid)
        t0 = now()
        answer = await core.send_ai_prompt(sid, f"ping {i}")
        out.append(now() - t0)
        assert answer == f"echo: ping {i}", answer
    return out


async def loop_lag(stop: asyncio.Event, lags: list[float], period: float = 0.005) -> None:
    while not stop.is_set():
        t0 = now()
        await asyncio.sleep(period)
        lags.append(now() - t0 - period)


async def tool_turns(core: Tabwise, fake: FakeServer, sid: str, call: ToolCall,
                     stop: asyncio.Event, durations: list[float]) -> None:
    """Tab A: one tool call per turn, turn after turn, until ``stop``."""
    while not stop.is_set():
        # A fixed answer after the tool: every kind of turn streams the same chunks.
        fake.script("m1", Reply(tool_calls=[call]), Reply(text="done"))
        await core.clear_ai_conversation(sid)
        t0 = now()
        await core.send_ai_prompt(sid, "go")
        durations.append(now() - t0)


async def measure(core: Tabwise, fake: FakeServer, a: str, b: str, n: int,
                  call: ToolCall | None) -> tuple[list[float], list[float], list[float]]:
    """Tab B's prompt round trips and the loop's wake-up lags while tab A runs ``call``
    turn after turn (``None``: tab A idle); also tab A's turn times."""
    lags: list[float] = []
    turns: list[float] = []
    stop = asyncio.Event()
    tasks = [asyncio.create_task(loop_lag(stop, lags))]
    if call is not None:
        tasks.append(asyncio.create_task(tool_turns(core, fake, a, call, stop, turns)))
        await asyncio.sleep(0.2)
    latencies = await prompt_latencies(core, b, n)
    stop.set()
    await asyncio.gather(*tasks)
    return latencies, lags, turns


def python_re_seconds(a_count: int) -> float:
    t0 = now()
    re.search(PATTERN, "a" * a_count + "!")
    return now() - t0


async def _main(quick: bool) -> list[Row]:
    from tabwise.commands import Tabwise

    n, rounds = (15, 1) if quick else (30, 4)
    files = 10 if quick else 40
    short = 20 if quick else 22
    with FakeServer() as fake, bench_home(fake.base_url) as home:
        workdir = home.parent / "work"
        (workdir / "evil.txt").write_text("a" * 26 + "!\n")
        make_tree(home.parent / "tree", files)
        core = await Tabwise.start(home)
        try:
            a = await session(core, workdir, "local1", "m1")
            b = await session(core, workdir, "local2", "m2")
            await prompt_latencies(core, b, 3)  # warm up: connections, first imports
            idle: list[float] = []
            idle_lags: list[float] = []
            same: list[float] = []
            busy: list[float] = []
            busy_lags: list[float] = []
            searches: list[float] = []
            # Interleaved rounds, so a change in the machine's load hits all three alike.
            for _ in range(rounds):
                lat, lags, _ = await measure(core, fake, a, b, n, None)
                idle += lat
                idle_lags += lags
                lat, _, _ = await measure(core, fake, a, b, n, ToolCall("list_directory", {}))
                same += lat
                lat, lags, turns = await measure(
                    core, fake, a, b, n, ToolCall("search_files", {"pattern": PATTERN}))
                busy += lat
                busy_lags += lags
                searches += turns
            walk, walk_lags = await direct_search(home.parent / "tree", 5 if quick else 20)
        finally:
            await core.stop()
    old = python_re_seconds(short)
    return [
        row("P10.regex.1", f"another tab's prompt round trip while a tab searches {PATTERN} "
            "turn after turn (p50; baseline: tab idle)", ms(p50(busy)), "ms", "", None,
            baseline=ms(p50(idle))),
        row("P10.regex.2", "Δ p95 of that round trip, search turns − idle",
            ms(p95(busy) - p95(idle)), "ms", "", None),
        row("P10.regex.3", "Δ p95 of that round trip, search turns − list_directory turns "
            "(what the regex adds)", ms(p95(busy) - p95(same)), "ms", "≤ 50 ms",
            p95(busy) - p95(same) <= 0.050, baseline=ms(p95(same))),
        row("P10.regex.4", "Δ event-loop wake-up lag p95 while tab A searches turn after "
            "turn (busy − idle)", ms(p95(busy_lags) - p95(idle_lags)), "ms", "≤ 50 ms",
            p95(busy_lags) - p95(idle_lags) <= 0.050, baseline=ms(p95(idle_lags))),
        row("P10.regex.5", f"search_files {PATTERN} over {files} × 400 KB of aaa…! lines "
            "(median)", ms(walk), "ms", "", None),
        row("P10.regex.5b", "Δ event-loop wake-up lag p95 during that search (− idle)",
            ms(p95(walk_lags) - p95(idle_lags)), "ms", "≤ 50 ms",
            p95(walk_lags) - p95(idle_lags) <= 0.050),
        row("P10.regex.5c", "tab A's search turn, the 26-a file (median)",
            ms(p50(searches)) if searches else None, "ms", "", None),
        row("P10.regex.6", f"the old engine: Python re, {PATTERN} over 'a'*{short}+'!' "
            "(×2 per extra a; 26 a's froze every tab 6.7 s)", ms(old), "ms", "", None),
    ]


def run(quick: bool, only: set[str] | None = None) -> list[Row]:
    return asyncio.run(_main(quick))


if __name__ == "__main__":
    for r in run("--quick" in sys.argv):
        print(r)
