"""The row every benchmark module returns, and small statistics helpers."""

from __future__ import annotations

from typing import Any

__all__ = ["Row", "quantile", "row"]

Row = dict[str, Any]


def row(id_: str, what: str, value: float | None, unit: str, target: str, ok: bool | None,
        baseline: float | None = None, ratio: float | None = None) -> Row:
    """One table row; ``ok`` is None for informational rows."""
    r: Row = {"id": id_, "what": what, "value": value, "unit": unit, "target": target,
              "ok": ok}
    if baseline is not None:
        r["baseline"] = baseline
    if ratio is not None:
        r["ratio"] = ratio
    return r


def quantile(xs: list[float], q: float) -> float:
    """The ``q`` quantile of ``xs`` (nearest rank)."""
    ordered = sorted(xs)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]
