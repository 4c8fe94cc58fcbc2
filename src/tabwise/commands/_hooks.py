"""Bridge hooks that write to the archive (saved after every turn, switch, decision)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from pydantic_ai.messages import ModelMessage

from ..agent import AuditRecord, BridgeHooks

if TYPE_CHECKING:
    from ..archive import Archive

__all__ = ["ArchiveHooks"]


class ArchiveHooks(BridgeHooks):
    """Persist what bridges report. Every call only enqueues (never blocks the loop)."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def messages_added(self, session_id: str, messages: list[ModelMessage]) -> None:
        self.archive.append_messages(session_id, messages)
        self.archive.update_session(session_id, updated_at=time.time())

    def history_replaced(self, session_id: str, messages: list[ModelMessage]) -> None:
        self.archive.replace_context(session_id, messages)

    def config_changed(self, session_id: str, provider: str, model: str) -> None:
        self.archive.update_session(session_id, provider=provider, model=model,
                                    updated_at=time.time())

    def audit(self, record: AuditRecord) -> None:
        self.archive.add_audit(record)
