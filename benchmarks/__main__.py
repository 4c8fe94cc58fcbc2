"""Run the benchmarks and print one table: ``python -m benchmarks [--quick] [--only P1,P3]
[--markdown]``.

Every ``benchmarks/bench_*.py`` module exposes ``run(quick: bool) -> list[dict]`` whose
rows are ``{"id", "what", "value", "unit", "target", "ok"}`` plus optional ``baseline``
and ``ratio``; ``ok`` is True, False (a missed target) or None (a figure without one).
A module may declare ``IDS = ("P1", ...)`` so ``--only`` can skip it without running it,
and may accept ``only`` (a set of ids) to skip its own parts.

Each module runs in its own interpreter: a crash, a hang or an import error in one
becomes a failed row and the others still run, and memory figures are not polluted by
another module's leftovers. A missed target is marked, never fatal: the exit status is
0 unless the command line is wrong, so CI (``--quick``) keeps the suite from rotting
without going red on a noisy runner.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import inspect
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Per-module wall-clock limits; quick mode must finish the whole suite in < 60 s.
TIMEOUT = {True: 55.0, False: 1800.0}


def discover() -> list[str]:
    """Module names of every ``benchmarks/bench_*.py``, in file-name order."""
    return [p.stem for p in sorted(HERE.glob("bench_*.py"))]


def declared_ids(module: str) -> set[str] | None:
    """The module's literal ``IDS`` tuple, read without importing it (None: unknown)."""
    try:
        tree = ast.parse((HERE / f"{module}.py").read_text())
    except (OSError, SyntaxError):
        return None
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        if any(isinstance(t, ast.Name) and t.id == "IDS" for t in targets):
            try:
                return {str(x).upper() for x in ast.literal_eval(value)}
            except (TypeError, ValueError):
                return None
    return None


def matches(row_id: str, only: set[str]) -> bool:
    """``P1`` selects ``P1``, ``P1a`` and ``P1.ttft`` but not ``P10``."""
    rid = row_id.upper()
    return any(rid == o or (rid.startswith(o) and not rid[len(o)].isdigit()) for o in only)


def failed_row(module: str, message: str) -> dict[str, Any]:
    return {"id": module, "what": f"{module} did not finish: {message}", "value": None,
            "unit": "", "target": "", "ok": False}


def normalize(row: Any, module: str) -> dict[str, Any]:
    if not isinstance(row, dict):
        return failed_row(module, f"returned a row that is not a dict: {row!r}")
    out = {"id": str(row.get("id", module)), "what": str(row.get("what", "")),
           "value": row.get("value"), "unit": str(row.get("unit", "")),
           "target": str(row.get("target", "") or ""), "ok": row.get("ok")}
    for key in ("baseline", "ratio", "note"):
        if row.get(key) is not None:
            out[key] = row[key]
    return out


# -- child side: run one module, write its rows as JSON -------------------------------


def run_child(module: str, quick: bool, only: set[str] | None, out: Path) -> int:
    sys.path.insert(0, str(ROOT))
    try:
        mod = importlib.import_module(f"benchmarks.{module}")
        run = mod.run
        kwargs: dict[str, Any] = {}
        if only and "only" in inspect.signature(run).parameters:
            kwargs["only"] = only
        rows = run(quick, **kwargs)
        if inspect.isawaitable(rows):
            import asyncio

            rows = asyncio.run(rows)  # type: ignore[arg-type]
        rows = [normalize(r, module) for r in rows]
    except BaseException as exc:  # every failure becomes a row
        if isinstance(exc, KeyboardInterrupt):
            raise
        traceback.print_exc()
        rows = [failed_row(module, f"{type(exc).__name__}: {exc}".splitlines()[0])]
    out.write_text(json.dumps(rows, default=_json_default))
    return 0


def _json_default(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return str(value)


# -- parent side ----------------------------------------------------------------------


def run_module(module: str, quick: bool, only: set[str] | None) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="tabwise-bench-rows-") as tmp:
        out = Path(tmp) / "rows.json"
        cmd = [sys.executable, "-m", "benchmarks", "--child", module, "--out", str(out)]
        if quick:
            cmd.append("--quick")
        if only:
            cmd += ["--only", ",".join(sorted(only))]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
        try:
            proc = subprocess.run(cmd, cwd=ROOT, env=env, timeout=TIMEOUT[quick],
                                  stdout=sys.stderr, check=False)
        except subprocess.TimeoutExpired:
            return [failed_row(module, f"timed out after {TIMEOUT[quick]:.0f} s")]
        if not out.exists():
            return [failed_row(module, f"the interpreter exited with status {proc.returncode}")]
        try:
            rows = json.loads(out.read_text())
        except ValueError as exc:
            return [failed_row(module, f"unreadable rows ({exc})")]
    return [normalize(r, module) for r in rows]


def fmt_num(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if not math.isfinite(value):
        return str(value)
    a = abs(value)
    if isinstance(value, int) or a >= 1000:
        return f"{value:,.0f}"
    if a >= 100:
        return f"{value:.0f}"
    if a >= 10:
        return f"{value:.1f}"
    if a >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def status(row: dict[str, Any]) -> str:
    if row["ok"] is True:
        return "ok"
    if row["ok"] is False:
        return "FAIL" if row["value"] is None else "MISS"
    return "-"


def cells(row: dict[str, Any]) -> list[str]:
    unit = f" {row['unit']}" if row["unit"] else ""
    value = fmt_num(row["value"]) + (unit if row["value"] is not None else "")
    baseline = row.get("baseline")
    base = fmt_num(baseline) + (unit if baseline is not None else "") if baseline is not None \
        else ""
    ratio = row.get("ratio")
    rat = f"{ratio * 100:.0f} %" if isinstance(ratio, int | float) else ""
    return [row["id"], row["what"], value, base, rat, row["target"], status(row)]


HEADER = ["id", "what", "value", "baseline", "ratio", "target", "ok"]


def table(rows: list[dict[str, Any]], markdown: bool) -> str:
    body = [cells(r) for r in rows]
    if markdown:
        def line(c: list[str]) -> str:
            return "| " + " | ".join(x.replace("|", "\\|") for x in c) + " |"
        right = {2, 3, 4}
        sep = ["---:" if i in right else "---" for i in range(len(HEADER))]
        return "\n".join([line(HEADER), "|" + "|".join(sep) + "|", *map(line, body)])
    widths = [max(len(c[i]) for c in [HEADER, *body]) for i in range(len(HEADER))]

    def fmt(c: list[str]) -> str:
        parts = [x.rjust(w) if i in (2, 3, 4) else x.ljust(w)
                 for i, (x, w) in enumerate(zip(c, widths, strict=True))]
        return "  ".join(parts).rstrip()
    return "\n".join([fmt(HEADER), "  ".join("-" * w for w in widths), *map(fmt, body)])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small N, for CI (< 60 s in all)")
    ap.add_argument("--only", default="", help="comma-separated ids, e.g. P1,P3")
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table")
    ap.add_argument("--json", metavar="FILE", help="also write the rows to FILE as JSON")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    only = {x.strip().upper() for x in args.only.split(",") if x.strip()} or None
    if args.child:
        return run_child(args.child, args.quick, only, Path(args.out))

    started = time.perf_counter()
    # Wall-clock figures suffer on a busy machine: say how busy it was.
    load_start = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    rows: list[dict[str, Any]] = []
    for module in discover():
        ids = declared_ids(module)
        if only and ids is not None and not any(matches(i, only) for i in ids):
            continue
        t0 = time.perf_counter()
        print(f"running {module}{' (quick)' if args.quick else ''} ...", file=sys.stderr,
              flush=True)
        got = run_module(module, args.quick, only)
        if only:
            got = [r for r in got if matches(r["id"], only) or r["id"] == module]
        rows += got
        print(f"  {module}: {len(got)} rows in {time.perf_counter() - t0:.1f} s",
              file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - started
    print(table(rows, args.markdown))
    missed = sum(1 for r in rows if r["ok"] is False and r["value"] is not None)
    failed = sum(1 for r in rows if r["ok"] is False and r["value"] is None)
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\n{len(rows)} rows, {missed} missed, {failed} failed; {elapsed:.1f} s"
          f"{' (quick)' if args.quick else ''}; load average at start {load_start}, "
          f"at end {load} (1/5/15 min, {os.cpu_count()} CPUs)")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1, default=_json_default))
    return 0


if __name__ == "__main__":
    sys.exit(main())
