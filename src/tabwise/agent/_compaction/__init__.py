"""Compaction: keep a tab's conversation inside its model's context window.

Three parts, each given only what it needs:

- ``_plan``: which messages to fold and where turns begin (pure functions);
- ``_summary``: the summarizing run with the tab's own model, and its events;
- ``_guard``: :class:`ContextGuard`, the per-request capability of a turn.
"""

from ._guard import Compact, ContextGuard, ContextOverflow
from ._plan import CompactionPlan, cut_points, plan_compaction, plan_cut
from ._summary import (
    SUMMARY_INSTRUCTIONS,
    Compaction,
    CompactionFailed,
    Publish,
    render_transcript,
    run_compaction,
    summarize,
)

__all__ = [
    "SUMMARY_INSTRUCTIONS",
    "Compact",
    "Compaction",
    "CompactionFailed",
    "CompactionPlan",
    "ContextGuard",
    "ContextOverflow",
    "Publish",
    "cut_points",
    "plan_compaction",
    "plan_cut",
    "render_transcript",
    "run_compaction",
    "summarize",
]
