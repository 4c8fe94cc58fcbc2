"""P15: what following the shell's directory costs on the terminal's output path.

Every chunk a shell prints now also goes through the OSC 7 scanner
(``tabwise.pty.Osc7Scanner``). P15.1-P15.3 feed the same captures as P6 (plain ``seq``,
SGR-heavy colour, ``ls --color``-like), in 64 KB reads, through the scanner; the
baseline is the emulator tabwise uses (avt) on the same data, so the ratio says how
many times faster than the emulator the scanner is (target: it adds ≤ 2 % to the
emulator's time, i.e. ratio ≥ 50). P15.4 is the same with an OSC 7 every 4 KB (a prompt
after every short command).

``uv run python -m benchmarks.bench_cwd [--quick]`` runs it alone.
"""

from __future__ import annotations

import sys
import time

from tabwise.pty import Osc7Scanner
from tabwise.tui.terminal import AvtEmulator

from ._rows import Row, row
from .bench_terminal import captures

IDS = ("P15", "P15.1", "P15.2", "P15.3", "P15.4")

CHUNK = 65536


def _rate(feed: object, data: bytes, budget: float) -> float:
    """MB/s of ``feed`` over ``data`` in 64 KB reads, best of a few runs."""
    best = 0.0
    deadline = time.perf_counter() + budget
    while True:
        fn = feed() if callable(feed) else feed  # a fresh scanner / emulator per run
        started = time.perf_counter()
        for start in range(0, len(data), CHUNK):
            fn(data[start:start + CHUNK])
        elapsed = time.perf_counter() - started
        best = max(best, len(data) / elapsed / 1e6)
        if time.perf_counter() > deadline:
            return best


def run(quick: bool) -> list[Row]:
    budget = 0.5 if quick else 2.0
    data = captures(quick)
    prompt = b"\x1b]7;file://localhost/home/user/src/project\x1b\\$ "
    plain = data["seq"]
    data["osc7"] = b"".join(plain[i:i + 4096] + prompt for i in range(0, len(plain), 4096))
    rows: list[Row] = []
    labels = {"seq": ("P15.1", "plain seq output"), "sgr": ("P15.2", "SGR-heavy colour"),
              "ls": ("P15.3", "ls --color listing"), "osc7": ("P15.4", "OSC 7 every 4 KB")}
    for name, (rid, what) in labels.items():
        blob = data[name]
        scanner = _rate(lambda: Osc7Scanner().feed, blob, budget)
        emulator = _rate(lambda: AvtEmulator(24, 80).feed, blob, budget)
        ratio = scanner / emulator
        rows.append(row(rid, f"OSC 7 scanner, {what} (baseline: avt feed)", round(scanner),
                        "MB/s", "x50 avt", ratio >= 50, baseline=round(emulator, 1),
                        ratio=round(ratio, 1)))
    return rows


if __name__ == "__main__":
    for r in run("--quick" in sys.argv):
        print(f"{r['id']:6} {r['what']:58} {r['value']:>7} {r['unit']}  "
              f"(baseline {r['baseline']} MB/s, x{r['ratio']})  {r['ok']}")
