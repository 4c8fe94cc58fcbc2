"""What a bridge tells the outside world: the hooks the archive implements
(``commands/_hooks.py``); the base class does nothing, for tabs kept in memory only."""

from __future__ import annotations

from pydantic_ai.messages import ModelMessage

from ._approvals import AuditRecord
from ._conversation import UnfinishedTurn
from ._pending import PendingTurn
from ._usage import RequestCost

__all__ = ["BridgeHooks"]


class BridgeHooks:
    """What a bridge tells the outside world (the archive implements these)."""

    def messages_added(self, session_id: str, messages: list[ModelMessage]) -> None:
        """New messages of a finished turn, in order."""

    def history_replaced(self, session_id: str, messages: list[ModelMessage]) -> None:
        """The conversation sent to the model was cleared or compacted."""

    def config_changed(self, session_id: str, provider: str, model: str) -> None:
        """The tab switched model."""

    def audit(self, record: AuditRecord) -> None:
        """A tool call was approved, denied or auto-approved."""

    def usage_recorded(self, session_id: str, cost: RequestCost) -> None:
        """One model request was made (and priced, if its price is known)."""

    async def pending_saved(self, turn: PendingTurn) -> None:
        """A turn waits for approvals; return only once that is durable."""

    def pending_answered(self, session_id: str, request_id: str, decision: str,
                         reason: str | None) -> None:
        """One waiting call was answered."""

    def pending_dropped(self, session_id: str) -> None:
        """The session's waiting turn goes on in memory (or was cancelled)."""

    def turn_unfinished(self, session_id: str, turn: UnfinishedTurn) -> None:
        """A turn failed or was cancelled (its messages are not in the history)."""

    async def flush(self) -> None:
        """Return once everything reported so far is durable."""
