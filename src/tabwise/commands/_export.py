"""Render a conversation for ``export_session``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

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

from ..api import SessionInfo
from ..api import to_json as json_value

__all__ = ["to_json", "to_markdown"]


def _when(ts: float | None) -> str:
    if not ts:
        return ""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")


def to_markdown(meta: SessionInfo, messages: Sequence[ModelMessage]) -> str:
    cfg = meta.ai_config
    lines = [f"# {meta.name or meta.session_id}", ""]
    lines.append(f"- session: `{meta.session_id}`")
    if cfg:
        lines.append(f"- model: {cfg.provider} · {cfg.model}")
    lines.append(f"- directory: `{meta.working_directory}`")
    lines.append(f"- created: {_when(meta.created_at)}")
    lines.append("")
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
    return "\n".join(lines).rstrip() + "\n"


def to_json(meta: SessionInfo, messages: Sequence[ModelMessage]) -> str:
    payload = {
        "session": json_value(meta),
        "messages": json.loads(ModelMessagesTypeAdapter.dump_json(list(messages))),
    }
    return json.dumps(payload, indent=2)
