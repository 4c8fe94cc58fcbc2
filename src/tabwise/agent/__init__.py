"""Per-tab AI agents: the shared agent definition, bridges, approvals, context."""

from ._approvals import ApprovalOutcome, Approvals, AuditRecord, PendingApproval
from ._bridge import AgentBridge
from ._bridge_hooks import BridgeHooks
from ._compaction import Compaction, ContextGuard
from ._context import ContextBudget, context_tokens, estimate_tokens, truncate_tool_outputs
from ._conversation import (
    UnfinishedTurn,
    build_conversation,
    prompt_of,
    split_terminal_context,
    tool_status,
    with_decisions,
)
from ._errors import describe_failure
from ._pending import PendingCall, PendingTurn
from ._policy import READ_TOOLS, TOOL_NAMES, WRITE_TOOLS, decide, is_secret_path, risk_of
from ._state import AiState
from ._usage import ModelUsage, RequestCost, UsageLedger, usage_summary

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
    "Compaction",
    "ContextBudget",
    "ContextGuard",
    "ModelUsage",
    "PendingApproval",
    "PendingCall",
    "PendingTurn",
    "RequestCost",
    "UnfinishedTurn",
    "UsageLedger",
    "build_conversation",
    "context_tokens",
    "decide",
    "describe_failure",
    "estimate_tokens",
    "is_secret_path",
    "prompt_of",
    "risk_of",
    "split_terminal_context",
    "tool_status",
    "truncate_tool_outputs",
    "usage_summary",
    "with_decisions",
]
