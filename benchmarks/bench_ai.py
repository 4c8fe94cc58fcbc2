"""P1 and P3: one tab's AI path against the raw ``openai`` SDK, and idle sessions.

- P1 one tab: time to first ``text_delta`` seen by a subscriber, and chunks/s of a long
  reply, through ``send_ai_prompt``.
- P3 1,000 idle initialized sessions: first init, RSS per session, model switch.

P2 (32 tabs) is ``bench_ai_tabs``, P4 (``tabwise serve``) ``bench_serve``, P13 (where a
turn's overhead goes) ``bench_overhead``; ``_ai`` holds what they share.
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from pathlib import Path
from typing import TYPE_CHECKING

from ._ai import (
    CHUNK,
    Part,
    long_text,
    main_cli,
    median,
    ms,
    now,
    openai_client,
    raw_stream,
    run_parts,
    session,
    tw_turn,
)
from ._fake import FakeServer, Reply
from ._rows import Row, row

if TYPE_CHECKING:
    from tabwise.commands import Tabwise

IDS = ("P1", "P3")

HISTORY_TURNS = 50


# -- P1 ------------------------------------------------------------------------------------


async def p1(core: Tabwise, fake: FakeServer, workdir: Path, quick: bool) -> list[Row]:
    n_ttft = 15 if quick else 100
    n_tput, tput_chunks = (3, 1000) if quick else (9, 2000)
    n_hist = 7 if quick else 25
    sid = await session(core, workdir, "local1", "p1")
    client = openai_client(fake)
    try:
        for _ in range(5):  # warm both: connections, imports, first-call caches
            await raw_stream(client, "p1-raw")
            await tw_turn(core, sid)
            await core.clear_ai_conversation(sid)
        raw_t: list[float] = []
        tw_t: list[float] = []
        for i in range(n_ttft):  # interleaved so drift hits both alike
            if i % 2:
                tw = await tw_turn(core, sid)
                raw = await raw_stream(client, "p1-raw")
            else:
                raw = await raw_stream(client, "p1-raw")
                tw = await tw_turn(core, sid)
            raw_t.append(raw.ttft)
            tw_t.append(tw.ttft)
            await core.clear_ai_conversation(sid)  # same request size every time

        text = long_text(tput_chunks)
        raw_r: list[float] = []
        tw_r: list[float] = []
        raw_cpu: list[float] = []
        tw_cpu: list[float] = []
        for i in range(n_tput):
            fake.script("p1-raw", Reply(text=text, chunk_size=CHUNK))
            fake.script("p1", Reply(text=text, chunk_size=CHUNK))
            for side in ("raw", "tw") if i % 2 == 0 else ("tw", "raw"):
                # CPU of this thread only (the fake runs in another): robust to a busy box.
                c0 = time.thread_time()
                if side == "raw":
                    raw = await raw_stream(client, "p1-raw")
                    raw_cpu.append(time.thread_time() - c0)
                else:
                    tw = await tw_turn(core, sid)
                    tw_cpu.append(time.thread_time() - c0)
            await core.clear_ai_conversation(sid)
            if raw.text != text or tw.text != text:
                raise RuntimeError("P1: the long reply arrived incomplete")
            raw_r.append(tput_chunks / raw.total)
            tw_r.append(tput_chunks / tw.total)

        # TTFT once the tab has a history: both sides send the same past turns.
        for _ in range(HISTORY_TURNS):
            await tw_turn(core, sid)
        hist_raw: list[float] = []
        hist_tw: list[float] = []
        for k in range(n_hist):
            past = [{"role": "user", "content": "hi"},
                    {"role": "assistant", "content": "echo: hi"}] * (HISTORY_TURNS + k)
            hist_raw.append((await raw_stream(client, "p1-raw", history=past)).ttft)
            hist_tw.append((await tw_turn(core, sid)).ttft)
    finally:
        await client.close()
        await core.close_session(sid)
    over = ms(median(tw_t) - median(raw_t))
    tput, tput_raw = median(tw_r), median(raw_r)
    return [
        row("P1", "TTFT overhead vs raw SDK (median)", over, "ms", "≤ 5 ms", over <= 5,
            baseline=ms(median(raw_t))),
        row("P1", "TTFT through send_ai_prompt (median)", ms(median(tw_t)), "ms", "", None),
        row("P1", f"throughput, {tput_chunks}-chunk reply", tput, "chunks/s", "≥ 90 % of raw",
            tput >= 0.9 * tput_raw, baseline=tput_raw, ratio=tput / tput_raw),
        row("P1", "client CPU per chunk (main thread, median)",
            median(tw_cpu) / tput_chunks * 1e6, "µs", "", None,
            baseline=median(raw_cpu) / tput_chunks * 1e6),
        row("P1", f"TTFT overhead with a {HISTORY_TURNS}-turn history (median)",
            ms(median(hist_tw) - median(hist_raw)), "ms", "", None,
            baseline=ms(median(hist_raw))),
    ]


# -- P3 ------------------------------------------------------------------------------------


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


async def p3(core: Tabwise, fake: FakeServer, workdir: Path, quick: bool) -> list[Row]:
    from tabwise.api import AiConfig
    n = 1000
    n_timed = 300 if quick else n
    n_traced = 300 if quick else n
    cfg1 = AiConfig("local1", "m1")
    cfg2 = AiConfig("local2", "m2")
    # Warm up: lazy imports, both providers' clients, first-call caches.
    for _ in range(20):
        sid = await session(core, workdir, "local1", "m1")
        await core.init_ai_session(sid, cfg2)
        await core.close_session(sid)
    gc.collect()
    before = rss_kb()
    created: list[float] = []
    sids: list[str] = []
    for _ in range(n):
        t0 = now()
        sids.append(await session(core, workdir, "local1", "m1"))
        created.append(now() - t0)
    gc.collect()
    after = rss_kb()
    first_init: list[float] = []
    switch: list[float] = []
    for sid in sids[:n_timed]:
        await core.shutdown_ai_session(sid)  # back to "not initialized"
        t0 = now()
        await core.init_ai_session(sid, cfg1)
        first_init.append(now() - t0)
    for k, sid in enumerate(sids[:n_timed]):
        t0 = now()
        await core.init_ai_session(sid, cfg2 if k % 2 == 0 else cfg1)
        switch.append(now() - t0)
    ok_all = all([await core.is_ai_session_initialized(sid) for sid in sids])
    # RSS barely moves for the first thousand: freed import-time memory is reused. The
    # Python heap those sessions hold, traced, is the figure that scales.
    tracemalloc.start()
    gc.collect()
    heap0 = tracemalloc.get_traced_memory()[0]
    more = [await session(core, workdir, "local1", "m1") for _ in range(n_traced)]
    gc.collect()
    heap = (tracemalloc.get_traced_memory()[0] - heap0) / n_traced / 1024
    tracemalloc.stop()
    for sid in sids + more:
        await core.close_session(sid)
    per = (after - before) / n
    init, sw = ms(median(first_init)), ms(median(switch))
    return [
        row("P3", f"init_ai_session, first init (median of {n_timed})", init, "ms", "≤ 2 ms",
            init <= 2),
        row("P3", "create_session, terminal=False (median)", ms(median(created)), "ms", "",
            None),
        row("P3", f"RSS per idle initialized session (VmRSS, {n:,})", per, "KB", "≤ 200 KB",
            per <= 200 and ok_all),
        row("P3", f"Python heap per idle session (tracemalloc, {n_traced:,})", heap, "KB",
            "≤ 200 KB", heap <= 200),
        row("P3", f"model switch = init_ai_session (median of {n_timed})", sw, "ms",
            "≤ 2 ms", sw <= 2),
    ]


PARTS: dict[str, Part] = {
    # P3 first: its RSS figure wants a heap that no earlier part has grown and freed.
    "P3": p3, "P1": p1,
}


def run(quick: bool, only: set[str] | None = None) -> list[Row]:
    return run_parts(PARTS, quick, only)


if __name__ == "__main__":
    main_cli(PARTS)
