"""Per-tab AI agents: the shared agent definition, bridges, approvals, context."""

from ._approvals import ApprovalOutcome, Approvals, AuditRecord, PendingApproval
from ._bridge import AgentBridge, BridgeHooks
from ._context import ContextBudget, estimate_tokens
from ._errors import describe_failure
from ._policy import READ_TOOLS, TOOL_NAMES, WRITE_TOOLS, decide, is_secret_path, risk_of
from ._state import AiState

__all__ = [
    "READ_TOOLS",
    "TOOL_NAMES",
    "WRITE_TOOLS",
    "AgentBridge",
    "AiState",
    "ApprovalOutcome",
    "Approvals",
    "AuditRecord",
    "BridgeHooks",
    "ContextBudget",
    "PendingApproval",
    "decide",
    "describe_failure",
    "estimate_tokens",
    "is_secret_path",
    "risk_of",
]
