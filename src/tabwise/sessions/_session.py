"""A tab: its shell, its place in the tab bar and its saved AI configuration."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..api import AiConfig
from ..pty import PtyProcess

__all__ = ["Session"]


@dataclass(slots=True)
class Session:
    """One live tab. ``ai_config`` is what the tab *wants* (saved, restored); the agent
    that serves it lives in :class:`~tabwise.agent.AiState`."""

    session_id: str
    name: str
    working_directory: Path
    created_at: float
    updated_at: float
    position: int
    ai_config: AiConfig | None = None
    pty: PtyProcess | None = None
    ai_error: str | None = None  # why the agent could not start, if it could not
    forked_from: str | None = None  # the session this one was forked from
