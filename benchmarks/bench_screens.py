"""P12: keeping terminal screens across restarts (issue #12, item 6).

- P12.1 rendering one tab's full output log (256 KB of coloured lines, 120 x 40,
  10,000 lines of scrollback) into the saved snapshot, in the worker thread. Baseline:
  feeding the same bytes to the same engine (avt) alone, in the same run, so the ratio
  is what writing the lines back out as SGR text adds.
- P12.2 ``Tabwise.stop()`` (quit / SIGTERM) with 8 tabs (3 in quick mode) whose logs
  are full, which renders and saves every screen. Baseline: the same 8 tabs after their screens were
  saved, so nothing is rendered (what quitting cost before snapshots, plus a check).
- P12.3 ``Tabwise.start()`` restoring those tabs with their screens. Baseline: the
  same archive with the snapshots deleted.

Real shells, a real archive; the output is real ``cat`` of a file in each tab.
``uv run python -m benchmarks.bench_screens [--quick]`` runs it alone.
"""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from avt._avt import Vt

from tabwise.commands import Tabwise
from tabwise.pty import render_screen

from ._rows import Row, row

IDS = ("P12",)
TABS = 8


def _output(size: int = 256 * 1024) -> bytes:
    lines = []
    i = 0
    while sum(map(len, lines)) < size:
        lines.append(f"\x1b[3{i % 8}m{i:6d}\x1b[0m \x1b[1mfile_{i}.py\x1b[0m  modified "
                     f"{'-' * (i % 40)} ok\r\n".encode())
        i += 1
    return b"".join(lines)[-size:]


def render(quick: bool) -> list[Row]:
    raw = _output()
    n = 3 if quick else 10
    took, base = [], []
    for _ in range(n):
        t0 = time.perf_counter()
        screen = render_screen(raw, 40, 120, 10000)
        took.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        vt = Vt(120, 40, scrollback_limit=10000)
        vt.feed_str(raw.decode("utf-8", "replace"))
        base.append((time.perf_counter() - t0) * 1000)
    med, bmed = statistics.median(took), statistics.median(base)
    return [row("P12.1", f"render a 256 KB log ({screen.lines} lines) to a snapshot",
                round(med, 1), "ms", "", None, round(bmed, 1), med / bmed)]


async def _fill(home: Path, work: Path, tabs: int) -> tuple[list[str], Tabwise]:
    (work / "out.txt").write_bytes(_output().replace(b"\r\n", b"\n"))
    core = await Tabwise.start(home)
    ids = []
    for _ in range(tabs):
        sid = (await core.create_session(str(work))).session_id
        await core.pty_resize(sid, 40, 120)
        await core.pty_write(sid, "cat out.txt; echo done-$((1+1))\n")
        ids.append(sid)
    for sid in ids:
        while "done-2" not in (await core.pty_read(sid, max_bytes=1 << 20)).data[-200:]:
            await asyncio.sleep(0.05)
    return ids, core


async def quit_and_start(root: Path, quick: bool) -> list[Row]:
    home, work = root / "home", root / "work"
    home.mkdir()
    work.mkdir()
    # /bin/sh: a login shell's rc files (pyenv, nvm, ...) would dominate the timings.
    (home / "settings.toml").write_text('[ai]\ndefault_provider = "ollama"\n'
                                        'default_model = "m"\n[terminal]\nshell = "/bin/sh"\n')
    tabs = 3 if quick else TABS
    _ids, core = await _fill(home, work, tabs)
    t0 = time.perf_counter()
    await core.stop()
    stop_full = (time.perf_counter() - t0) * 1000

    t0 = time.perf_counter()
    core = await Tabwise.start(home)
    start_full = (time.perf_counter() - t0) * 1000
    await asyncio.sleep(0.5)
    # Nothing new printed since the restore: quitting renders nothing.
    for s in core.sessions.values():
        assert core.screens is not None and s.pty is not None
        core.screens.restored(s.session_id, s.pty)
    t0 = time.perf_counter()
    await core.stop()
    stop_base = (time.perf_counter() - t0) * 1000

    conn = sqlite3.connect(home / "tabwise.db")
    saved = conn.execute("SELECT count(*), sum(length(data)) FROM terminal_snapshots").fetchone()
    conn.execute("DELETE FROM terminal_snapshots")
    conn.commit()
    conn.close()
    t0 = time.perf_counter()
    core = await Tabwise.start(home)
    start_base = (time.perf_counter() - t0) * 1000
    await core.stop()
    kb = round((saved[1] or 0) / 1024 / max(1, saved[0]))
    return [
        row("P12.2", f"quit with {tabs} full tabs (render + save {kb} KB zlib each)",
            round(stop_full, 1), "ms", "", None, round(stop_base, 1), stop_full / stop_base),
        row("P12.3", f"start restoring {tabs} tabs with their screens",
            round(start_full, 1), "ms", "", None, round(start_base, 1),
            start_full / start_base),
    ]


async def _main(quick: bool) -> list[Row]:
    rows = render(quick)
    with tempfile.TemporaryDirectory(prefix="tabwise-bench-screens-") as tmp:
        rows += await quit_and_start(Path(tmp), quick)
    return rows


def run(quick: bool) -> list[Row]:
    return asyncio.run(_main(quick))


if __name__ == "__main__":
    for r in run("--quick" in sys.argv):
        extra = f"  (baseline {r['baseline']} {r['unit']}, x{r['ratio']:.2f})" \
            if "baseline" in r else ""
        print(f"{r['id']:6} {r['what']:62} {r['value']:>9} {r['unit']:3}{extra}")
