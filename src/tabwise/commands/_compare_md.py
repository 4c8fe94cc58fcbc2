"""A comparison as Markdown: the prompt, then each model's answer with its usage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["CompareEntry", "comparison_markdown"]


@dataclass(frozen=True, slots=True)
class CompareEntry:
    """One model's part of a comparison."""

    ai_config: dict[str, str]
    response: str | None
    error: str | None
    usage: dict[str, Any] | None  # a get_session_usage result
    duration_ms: float | None


def _usage_line(e: CompareEntry) -> str:
    u = e.usage or {}
    parts = [f"{int(u.get('input_tokens', 0))} input + {int(u.get('output_tokens', 0))} "
             f"output tokens", f"{int(u.get('requests', 0))} request(s)"]
    cost = u.get("cost_usd")
    parts.append("cost unknown" if cost is None else f"${cost:.4f}")
    if e.duration_ms is not None:
        parts.append(f"{e.duration_ms / 1000:.1f} s")
    return " · ".join(parts)


def comparison_markdown(prompt: str, entries: Sequence[CompareEntry], *,
                        title: str = "Comparison") -> str:
    """The prompt as a quote, then one section per model (answer, or its error)."""
    out = [f"# {title}", "", "## Prompt", ""]
    out += [f"> {line}" if line else ">" for line in prompt.splitlines()] or [">"]
    for e in entries:
        out += ["", f"## {e.ai_config['provider']} · {e.ai_config['model']}", "",
                f"*{_usage_line(e)}*", ""]
        if e.error:
            out.append(f"**Failed:** {e.error}")
        else:
            out.append((e.response or "").rstrip() or "*(no answer)*")
    return "\n".join(out) + "\n"
