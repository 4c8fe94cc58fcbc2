"""Textual widgets, one per module."""

from ._agent_panel import AgentPanel
from ._answer import AnswerBlock
from ._approval_card import ApprovalCard
from ._notice import Notice
from ._prompt_input import PromptInput
from ._reasoning import ReasoningBlock
from ._session_view import SessionView
from ._status_bar import StatusBar
from ._tab_bar import TabBar, TabItem
from ._terminal_view import TerminalView
from ._timeline import Timeline
from ._tool_card import ToolCard

__all__ = [
    "AgentPanel",
    "AnswerBlock",
    "ApprovalCard",
    "Notice",
    "PromptInput",
    "ReasoningBlock",
    "SessionView",
    "StatusBar",
    "TabBar",
    "TabItem",
    "TerminalView",
    "Timeline",
    "ToolCard",
]
