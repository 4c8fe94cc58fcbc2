"""Render a conversation for ``export_session``: every message the tab ever had (the
transcript, compacted turns included), and the turns that failed or were cancelled
where they happened, as ``get_conversation`` shows them (the prompt, what the turn did,
then why it ended)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic_ai.messages import (
    CompactionPart,
    ModelMessage,
    ModelMessagesTypeAdapter,
    ModelRequest,
    ModelResponse,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)

from ..agent import UnfinishedTurn
from ..api import SessionInfo
from ..api import to_json as json_value

__all__ = ["to_json", "to_markdown"]


def _when(ts: float | None) -> str:
    if not ts:
        return ""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")


def to_markdown(meta: SessionInfo, messages: Sequence[ModelMessage],
                unfinished: Sequence[UnfinishedTurn] = ()) -> str:
    """The conversation as Markdown; each of ``unfinished`` (``at``: its place in
    ``messages``) shows where it happened, ending in what went wrong."""
    cfg = meta.ai_config
    lines = [f"# {meta.name or meta.session_id}", ""]
    lines.append(f"- session: `{meta.session_id}`")
    if cfg:
        lines.append(f"- model: {cfg.provider} · {cfg.model}")
    lines.append(f"- directory: `{meta.working_directory}`")
    lines.append(f"- created: {_when(meta.created_at)}")
    lines.append("")
    start = 0
    for turn in sorted(unfinished, key=lambda t: t.at):
        at = min(max(turn.at, start), len(messages))
        lines += _messages(messages[start:at])
        lines += _messages(turn.messages)
        if turn.error_type == "cancelled":
            lines += [f"**Cancelled:** {turn.message}", ""]
        else:
            lines += [f"**Failed** (`{turn.error_type}`): {turn.message}", ""]
        start = at
    lines += _messages(messages[start:])
    return "\n".join(lines).rstrip() + "\n"


def _messages(messages: Sequence[ModelMessage]) -> list[str]:
    lines: list[str] = []
    for msg in messages:
        if isinstance(msg, ModelRequest):
            for part in msg.parts:
                if isinstance(part, UserPromptPart):
                    # The terminal context (its own part) shows after the prompt.
                    text = part.content if isinstance(part.content, str) else "\n\n".join(
                        c if isinstance(c, str) else f"[{getattr(c, 'kind', 'file')}]"
                        for c in part.content)
                    lines += ["## You", "", text, ""]
                elif isinstance(part, CompactionPart) and part.content:
                    lines += ["## Summary of the earlier conversation", "", part.content, ""]
                elif isinstance(part, ToolReturnPart):
                    body = part.model_response_str()
                    if len(body) > 4000:
                        body = body[:4000] + "\n… (truncated in export)"
                    lines += [f"**Tool result** `{part.tool_name}`", "", "```", body, "```", ""]
        elif isinstance(msg, ModelResponse):
            texts: list[str] = []
            for rp in msg.parts:
                if isinstance(rp, TextPart):
                    texts.append(rp.content)
                elif isinstance(rp, ThinkingPart) and rp.content:
                    texts.append("> " + rp.content.replace("\n", "\n> "))
                elif isinstance(rp, ToolCallPart):
                    texts.append(f"**Tool call** `{rp.tool_name}` "
                                 f"`{json.dumps(rp.args_as_dict())}`")
            if texts:
                name = msg.model_name or "assistant"
                lines += [f"## Assistant ({name})", "", "\n\n".join(texts), ""]
    return lines


def _dump(messages: Sequence[ModelMessage]) -> Any:
    return json.loads(ModelMessagesTypeAdapter.dump_json(list(messages)))


def to_json(meta: SessionInfo, messages: Sequence[ModelMessage],
            unfinished: Sequence[UnfinishedTurn] = ()) -> str:
    """The session, its messages (pydantic-ai's JSON) and its unfinished turns, each
    with ``at`` (how many of ``messages`` came before it), why it ended and its own
    messages so far."""
    payload = {
        "session": json_value(meta),
        "messages": _dump(messages),
        "unfinished_turns": [
            {"at": min(max(t.at, 0), len(messages)), "turn_id": t.turn_id,
             "error_type": t.error_type, "message": t.message, "ts": t.ts,
             "messages": _dump(t.messages)}
            for t in sorted(unfinished, key=lambda t: t.at)],
    }
    return json.dumps(payload, indent=2)
