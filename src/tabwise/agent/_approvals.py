"""Pending tool approvals of one tab (DESIGN §1, issue #3).

Each request is a future the turn awaits. Only this tab's commands can answer it, so an
id from another tab is simply not found here. Timeouts and cancellation deny.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from ..api import PendingApprovalInfo
from ..errors import ApprovalNotFound, InvalidParams

__all__ = ["ApprovalOutcome", "Approvals", "AuditRecord", "PendingApproval"]

Answer = Literal["approve", "deny", "always_allow"]
ANSWERS: tuple[str, ...] = ("approve", "deny", "always_allow")


@dataclass(frozen=True, slots=True)
class ApprovalOutcome:
    approved: bool
    decision: str  # approve | deny | always_allow | timeout | cancelled | policy
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One decision about one tool call, for the approvals audit."""

    session_id: str
    request_id: str
    tool_name: str
    args: dict[str, Any]
    decision: str
    reason: str | None
    ts: float


@dataclass(slots=True)
class PendingApproval:
    request_id: str
    tool_name: str
    args: dict[str, Any]
    risk: str
    created_at: float
    future: asyncio.Future[ApprovalOutcome] = field(repr=False)
    # Why the policy asks whatever the settings say (a secret file, outside the tab).
    reasons: tuple[str, ...] = ()

    def info(self, working_directory: str) -> PendingApprovalInfo:
        """``get_pending_approvals``' view of it; the call would run in
        ``working_directory`` (the tab's)."""
        return PendingApprovalInfo(self.request_id, self.tool_name, self.args, self.risk,
                                   tuple(self.reasons), self.created_at, working_directory)


class Approvals:
    """The pending approvals of one session."""

    def __init__(self, session_id: str, on_audit: Callable[[AuditRecord], None]) -> None:
        self.session_id = session_id
        self._pending: dict[str, PendingApproval] = {}
        self._on_audit = on_audit
        self.tab_allowed: set[str] = set()
        # Set when the app quits: a request cut short then is kept for the next start
        # (DESIGN §7), not decided, so it is not audited as cancelled.
        self.suspended = False

    def pending(self) -> list[PendingApproval]:
        return list(self._pending.values())

    def record(self, request_id: str, tool_name: str, args: dict[str, Any], decision: str,
               reason: str | None = None) -> None:
        self._on_audit(AuditRecord(self.session_id, request_id, tool_name, args, decision,
                                   reason, time.time()))

    def open(self, request_id: str, tool_name: str, args: dict[str, Any], risk: str,
             created_at: float | None = None, reasons: tuple[str, ...] = ()) -> PendingApproval:
        """Register a request now (it is pending from here on); :meth:`ask` waits on it."""
        fut: asyncio.Future[ApprovalOutcome] = asyncio.get_running_loop().create_future()
        pa = PendingApproval(request_id, tool_name, args, risk, created_at or time.time(), fut,
                             reasons)
        self._pending[request_id] = pa
        return pa

    async def ask(self, request_id: str, tool_name: str, args: dict[str, Any], risk: str,
                  timeout: float, on_open: Callable[[PendingApproval], None],
                  opened: PendingApproval | None = None,
                  reasons: tuple[str, ...] = ()) -> ApprovalOutcome:
        """Wait for the user's answer (or ``timeout`` seconds, which denies).

        ``opened``: the request was registered earlier with :meth:`open` (it may have
        been answered already)."""
        pa = opened or self.open(request_id, tool_name, args, risk, reasons=reasons)
        fut = pa.future
        on_open(pa)
        try:
            outcome = await asyncio.wait_for(asyncio.shield(fut), timeout)
        except TimeoutError:
            outcome = ApprovalOutcome(
                False, "timeout",
                f"No answer from the user within {timeout:g} seconds; treat the call as denied.",
            )
        except asyncio.CancelledError:
            self._pending.pop(request_id, None)
            if not self.suspended:
                self.record(request_id, tool_name, args, "cancelled", "The turn was cancelled.")
            raise
        finally:
            self._pending.pop(request_id, None)
        self.record(request_id, tool_name, args, outcome.decision, outcome.reason)
        return outcome

    def respond(self, request_id: str, decision: str, reason: str | None = None) -> None:
        if decision not in ANSWERS:
            raise InvalidParams(
                f"decision must be one of {', '.join(ANSWERS)}, not {decision!r}."
            )
        pa = self._pending.get(request_id)
        if pa is None or pa.future.done():
            raise ApprovalNotFound(self.session_id, request_id)
        del self._pending[request_id]
        if decision == "always_allow":
            self.tab_allowed.add(pa.tool_name)
        pa.future.set_result(ApprovalOutcome(decision != "deny", decision, reason))

    def deny_all(self, reason: str) -> int:
        """Deny everything pending (cancel, shutdown). Returns how many were pending."""
        items = list(self._pending.values())
        self._pending.clear()
        for pa in items:
            if not pa.future.done():
                pa.future.set_result(ApprovalOutcome(False, "cancelled", reason))
        return len(items)
