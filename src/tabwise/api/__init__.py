"""The typed contract between the core and every front end (DESIGN §4, §5).

Commands take and return the frozen dataclasses defined here; events are the classes of
:mod:`tabwise.events`. In-process front ends (the TUI) use the objects themselves and
``match`` on their classes; only the JSON-RPC server turns them into JSON, with
:func:`to_json` (one JSON shape per type).
"""

from ._app_info import AppInfo
from ._conversation import (
    Answer,
    ApprovalDecision,
    Compaction,
    Message,
    Reasoning,
    ToolCall,
    ToolStatus,
    TurnError,
    UserPrompt,
)
from ._info import (
    AiConfig,
    CompactResult,
    CompareError,
    CompareResult,
    ContextUsage,
    McpServerInfo,
    PendingApprovalInfo,
    ProviderInfo,
    PtyReadResult,
    SessionInfo,
    Usage,
    UsageByModel,
)
from ._json import to_json

__all__ = [
    "AiConfig",
    "Answer",
    "AppInfo",
    "ApprovalDecision",
    "CompactResult",
    "Compaction",
    "CompareError",
    "CompareResult",
    "ContextUsage",
    "McpServerInfo",
    "Message",
    "PendingApprovalInfo",
    "ProviderInfo",
    "PtyReadResult",
    "Reasoning",
    "SessionInfo",
    "ToolCall",
    "ToolStatus",
    "TurnError",
    "Usage",
    "UsageByModel",
    "UserPrompt",
    "to_json",
]
