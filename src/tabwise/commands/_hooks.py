"""Bridge hooks that write to the archive (saved after every turn, switch, decision)."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from pydantic_ai.messages import ModelMessage

from ..agent import AuditRecord, BridgeHooks, PendingTurn, RequestCost, UnfinishedTurn
from ..errors import ArchiveError

if TYPE_CHECKING:
    from ..archive import Archive

__all__ = ["ArchiveHooks"]

log = logging.getLogger("tabwise")


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

    def usage_recorded(self, session_id: str, cost: RequestCost) -> None:
        self.archive.add_usage(session_id, cost)

    async def pending_saved(self, turn: PendingTurn) -> None:
        # Durable before the approval request is shown (DESIGN §7). If saving fails the
        # turn still waits in memory; it just would not survive a restart.
        try:
            await self.archive.save_pending(turn)
        except ArchiveError as exc:
            log.warning("session %s: the waiting approval was not saved: %s",
                        turn.session_id, exc)

    def pending_answered(self, session_id: str, request_id: str, decision: str,
                         reason: str | None) -> None:
        self.archive.answer_pending(session_id, request_id, decision, reason)

    def pending_dropped(self, session_id: str) -> None:
        self.archive.drop_pending(session_id)

    def turn_unfinished(self, session_id: str, turn: UnfinishedTurn) -> None:
        self.archive.record_unfinished(session_id, turn)

    async def flush(self) -> None:
        try:
            await self.archive.flush()
        except ArchiveError as exc:  # already logged by the archive; the turn goes on
            log.warning("the session archive could not save everything: %s", exc)
