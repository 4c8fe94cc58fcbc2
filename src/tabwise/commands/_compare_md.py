"""A comparison as Markdown: the prompt, then each model's answer with its usage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..api import AiConfig, Usage

__all__ = ["CompareEntry", "comparison_markdown"]


@dataclass(frozen=True, slots=True)
class CompareEntry:
    """One model's part of a comparison."""

    ai_config: AiConfig
    response: str | None
    error: str | None
    usage: Usage | None  # a get_session_usage result
    duration_ms: float | None


def _usage_line(e: CompareEntry) -> str:
    u = e.usage
    parts = [f"{u.input_tokens if u else 0} input + {u.output_tokens if u else 0} "
             f"output tokens", f"{u.requests if u else 0} request(s)"]
    cost = u.cost_usd if u else None
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
        out += ["", f"## {e.ai_config.provider} · {e.ai_config.model}", "",
                f"*{_usage_line(e)}*", ""]
        if e.error:
            out.append(f"**Failed:** {e.error}")
        else:
            out.append((e.response or "").rstrip() or "*(no answer)*")
    return "\n".join(out) + "\n"
