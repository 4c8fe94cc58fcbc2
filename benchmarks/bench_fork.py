"""Fork and compare (issue #16).

- P16.1 ``fork_session`` of a 2,000-message tab (1,000 turns, ~1 MB), archive on, with
  its own shell, until the reply (the copy is committed); the baseline is restoring the
  same tab (read, parse, new agent, new shell) in the same run. Target ≤ 100 ms.
- P16.1b the same fork without a shell (``terminal=false``), against restore without one.
- P16.2 a 4-way ``compare_prompt``: each column's turn time (the ``completed`` event's
  ``duration_ms``), the slowest of the four, against the same model answering alone in
  a fork of the same tab. The fake LLM streams every answer in 20 chunks with a fixed
  30 ms between chunks, so a column's time is ~0.6 s of network plus tabwise's work;
  "no added latency" is a ratio near 1.
- P16.2a the mean of the four columns (the slowest of four noisy samples is biased up).
- P16.2c the same at 100 chunks/s per stream (40 × 10 ms): four such streams make the
  CPU the limit (pydantic-ai's per-chunk work, see #6), so this row shows what sharing
  two cores costs rather than any waiting between tabs.
- P16.2d/e P16.2 again with the fake LLM in its own process: in-process, the fake's
  thread shares the GIL with the four streams it serves, and its waits show up in
  tabwise's figures; a remote provider shares nothing.
- P16.2b the whole ``compare_prompt`` call (four forks, then the answers) against one
  fork plus its prompt.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time

from pydantic_ai.messages import ModelRequest, ModelResponse, TextPart, UserPromptPart

from tabwise.api import AiConfig
from tabwise.commands import Tabwise
from tabwise.events import Completed

from ._fake import FakeServer, Reply, bench_home
from ._fake_process import FakeProcess
from ._rows import Row, row

IDS = ("P16",)

MESSAGES = 2000
CHUNKS, CHUNK_DELAY = 20, 0.03  # ~33 chunks/s per stream, a real provider's pace
STRESS = 40, 0.01  # 100 chunks/s per stream: four of them make the CPU the limit


def _history(n: int) -> list[ModelRequest | ModelResponse]:
    out: list[ModelRequest | ModelResponse] = []
    for i in range(n // 2):
        out.append(ModelRequest(parts=[UserPromptPart(f"question {i} " + "q" * 40)]))
        out.append(ModelResponse(parts=[TextPart(f"answer {i} " + "lorem ipsum " * 40)],
                                 model_name="m1"))
    return out


async def _fork_times(fake: FakeServer, rounds: int, terminal: bool) -> tuple[
        list[float], list[float]]:
    with bench_home(fake.base_url, persist=True) as home:
        core = await Tabwise.start(home)
        try:
            work = home.parent / "work"
            sid = (await core.create_session(str(work), terminal=False)).session_id
            assert core.archive is not None
            core.archive.append_messages(sid, list(_history(MESSAGES)))
            await core.close_session(sid)
            restores, forks = [], []
            for _ in range(rounds):
                t = time.perf_counter()
                await core.restore_session(sid, terminal=terminal)
                restores.append((time.perf_counter() - t) * 1000)
                assert await core.get_ai_conversation_length(sid) == MESSAGES
                t = time.perf_counter()
                info = await core.fork_session(sid, AiConfig("local2", "m2"),
                                               terminal=terminal)
                forks.append((time.perf_counter() - t) * 1000)
                assert await core.get_ai_conversation_length(info.session_id) == MESSAGES
                await core.close_session(info.session_id)
                await core.close_session(sid)
            return restores, forks
        finally:
            await core.stop()


async def _compare_times(fake: FakeServer | FakeProcess, rounds: int, chunks: int,
                         delay: float) -> tuple[
        list[float], list[float], list[float], list[float], list[float]]:
    configs = [AiConfig(p, m)
               for p, m in (("local1", "m1"), ("local2", "m2"))] * 2

    # An in-thread fake is scripted; one in its own process echoes the prompt, which is
    # made as long as the scripted answer.
    scripted = isinstance(fake, FakeServer)
    prompt = "which? " + "y" * (8 * chunks - 13)

    def _reply() -> Reply:
        return Reply(text="x" * (8 * chunks), chunk_size=8, chunk_delay=delay)

    def script(model: str, n: int) -> None:
        if isinstance(fake, FakeServer):
            fake.script(model, *(_reply() for _ in range(n)))

    with bench_home(fake.base_url) as home:
        core = await Tabwise.start(home)
        try:
            work = home.parent / "work"
            sid = (await core.create_session(str(work), terminal=False)).session_id
            if scripted:
                fake.script("m1", Reply(text="ok"))
            await core.send_ai_prompt(sid, "some context")
            sub = core.subscribe()
            alone, alone_wall, worst, mean, wall = [], [], [], [], []

            def durations() -> dict[str, float]:
                out = {}
                while (ev := sub.get_nowait()) is not None:
                    if isinstance(ev.payload, Completed):
                        out[ev.session_id] = ev.payload.duration_ms
                return out

            for _ in range(rounds):
                script("m1", 1)
                t = time.perf_counter()
                f = await core.fork_session(sid, configs[0], terminal=False)
                await core.send_ai_prompt(f.session_id, prompt)
                alone_wall.append((time.perf_counter() - t) * 1000)
                alone.append(durations()[f.session_id])
                await core.close_session(f.session_id)
                script("m1", 2)
                script("m2", 2)
                t = time.perf_counter()
                results = await core.compare_prompt(sid, prompt, configs)
                wall.append((time.perf_counter() - t) * 1000)
                assert all(r.error is None for r in results), results
                got = durations()
                worst.append(max(got[r.session_id] for r in results))
                mean.append(statistics.mean(got[r.session_id] for r in results))
                for r in results:
                    await core.close_session(r.session_id)
            sub.close()
            return alone, worst, mean, alone_wall, wall
        finally:
            await core.stop()


async def _main(quick: bool) -> list[Row]:
    rounds = 5 if quick else 20
    with FakeServer() as fake:
        restore, fork = await _fork_times(fake, rounds, True)
        restore_bare, fork_bare = await _fork_times(fake, rounds, False)
        alone, worst, mean, alone_wall, wall = await _compare_times(
            fake, 3 if quick else 10, CHUNKS, CHUNK_DELAY)
        s_alone, s_worst, _, _, _ = await _compare_times(fake, 3 if quick else 10, *STRESS)
    with FakeProcess(CHUNK_DELAY) as apart:
        p_alone, p_worst, p_mean, _, _ = await _compare_times(
            apart, 3 if quick else 10, CHUNKS, CHUNK_DELAY)
    med = statistics.median
    f, r = med(fork), med(restore)
    fb, rb = med(fork_bare), med(restore_bare)
    a, w, m = med(alone), med(worst), med(mean)
    aw, cw = med(alone_wall), med(wall)
    sa, sw = med(s_alone), med(s_worst)
    pa, pw, pm = med(p_alone), med(p_worst), med(p_mean)
    return [
        row("P16.1", f"fork_session of a {MESSAGES}-message tab, own shell, durable "
                     "(median; baseline: restore of the same tab)", round(f, 2), "ms",
            "≤ 100 ms", f <= 100, round(r, 2), f / r if r else None),
        row("P16.1b", "the same fork without a shell (baseline: restore without one)",
            round(fb, 2), "ms", "≤ 100 ms", fb <= 100, round(rb, 2), fb / rb if rb else None),
        row("P16.2", f"4-way compare: slowest column's turn ({CHUNKS} chunks × "
                     f"{CHUNK_DELAY * 1000:.0f} ms; baseline: that model alone)",
            round(w, 1), "ms", "no added latency (≤ 1.1×)", w <= a * 1.1, round(a, 1),
            w / a if a else None),
        row("P16.2a", "4-way compare: the columns' mean turn (baseline: that model alone)",
            round(m, 1), "ms", "", None, round(a, 1), m / a if a else None),
        row("P16.2b", "4-way compare_prompt call, forks included (baseline: one fork + "
                      "its prompt)", round(cw, 1), "ms", "", None, round(aw, 1),
            cw / aw if aw else None),
        row("P16.2d", "P16.2 with the fake LLM in a process of its own (no shared GIL), "
                      "slowest column", round(pw, 1), "ms", "", None, round(pa, 1),
            pw / pa if pa else None),
        row("P16.2e", "P16.2d's columns' mean", round(pm, 1), "ms", "", None, round(pa, 1),
            pm / pa if pa else None),
        row("P16.2c", f"the same with {STRESS[0]} chunks × {STRESS[1] * 1000:.0f} ms (CPU-bound "
                      "stress: 4 × 100 chunks/s on a shared machine)", round(sw, 1), "ms", "",
            None, round(sa, 1), sw / sa if sa else None),
    ]


def run(quick: bool) -> list[Row]:
    return asyncio.run(_main(quick))


if __name__ == "__main__":
    for r in run("--quick" in sys.argv):
        print(r)
