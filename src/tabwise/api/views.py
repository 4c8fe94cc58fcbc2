"""Front-end-neutral views of the api values: what every front end draws the same way.

- :func:`fork_tree`: sessions as a tree, each fork under its source (the sessions
  browser, ``tabwise sessions list``);
- :func:`comparison_markdown`: a comparison as Markdown, the prompt then each model's
  answer with its usage (the compare screen's export).

Pure functions of the values (no I/O, no core): a web front end uses them as the TUI
and the CLI do. Not part of the wire protocol.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ._info import AiConfig, SessionInfo, Usage

__all__ = ["CompareEntry", "comparison_markdown", "fork_tree"]


def fork_tree(infos: Sequence[SessionInfo]) -> list[tuple[int, SessionInfo]]:
    """``infos`` as a tree: each fork right under its source, with its depth; the order
    among siblings is kept. A fork whose source is not among ``infos`` is a root."""
    ids = {i.session_id for i in infos}
    children: dict[str | None, list[SessionInfo]] = {}
    for info in infos:
        parent = info.forked_from
        children.setdefault(parent if parent in ids else None, []).append(info)
    out: list[tuple[int, SessionInfo]] = []
    stack = [(0, i) for i in reversed(children.get(None, []))]
    seen: set[str] = set()
    while stack:
        depth, info = stack.pop()
        if info.session_id in seen:  # a cycle cannot happen, but never loop
            continue
        seen.add(info.session_id)
        out.append((depth, info))
        stack += [(depth + 1, c) for c in reversed(children.get(info.session_id, []))]
    return out


@dataclass(frozen=True, slots=True)
class CompareEntry:
    """One model's part of a comparison, as a front end holds it: the answer or the
    error, what the fork spent (``get_session_usage``) and how long it took."""

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
