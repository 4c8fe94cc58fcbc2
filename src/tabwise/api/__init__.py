"""The typed contract between the core and every front end (DESIGN §4, §5).

Commands take and return the frozen dataclasses defined here; events are the classes of
:mod:`tabwise.events`. In-process front ends (the TUI) use the objects themselves and
``match`` on their classes; only the JSON-RPC server turns them into JSON, with
:func:`to_json` (one JSON shape per type). :mod:`tabwise.api.views` holds the views
every front end draws alike (a fork tree, a comparison as Markdown).
"""

from ._app_info import AppInfo
from ._conversation import (
    Answer,
    ApprovalDecision,
    Compaction,
    LiveConversation,
    Message,
    Reasoning,
    ToolCall,
    ToolStatus,
    TurnError,
    UserPrompt,
)
from ._info import (
    MAX_COMPARE,
    MIN_COMPARE,
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
    "MAX_COMPARE",
    "MIN_COMPARE",
    "AiConfig",
    "Answer",
    "AppInfo",
    "ApprovalDecision",
    "CompactResult",
    "Compaction",
    "CompareError",
    "CompareResult",
    "ContextUsage",
    "LiveConversation",
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
