"""Errors raised by tabwise, each with a stable code (DESIGN §4).

Every error's ``str()`` is a complete sentence a user can act on: the TUI shows it and
the server sends it as the JSON-RPC error message. The class tree::

    TabwiseError (internal)
    ├── SessionNotFound (session_not_found)
    ├── AiNotInitialized (ai_not_initialized)
    ├── SessionBusy (session_busy)
    ├── ProviderNotConfigured (provider_not_configured)
    ├── UnknownProvider (unknown_provider)
    ├── InvalidParams (invalid_params)
    ├── ApprovalNotFound (approval_not_found)
    ├── MethodNotFound (method_not_found)  no command has this name
    ├── SettingsInvalid (settings_invalid)
    ├── ProviderError (provider_error)   a turn failed at the provider
    ├── TurnCancelled (cancelled)        the turn was cancelled before it finished
    └── ArchiveError (internal)
"""

from __future__ import annotations

__all__ = [
    "AiNotInitialized",
    "ApprovalNotFound",
    "ArchiveError",
    "InvalidParams",
    "MethodNotFound",
    "ProviderError",
    "ProviderNotConfigured",
    "SessionBusy",
    "SessionNotFound",
    "SettingsInvalid",
    "TabwiseError",
    "TurnCancelled",
    "UnknownProvider",
]


class TabwiseError(Exception):
    """Root of every tabwise error. ``code`` is the stable machine-readable code."""

    code = "internal"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SessionNotFound(TabwiseError):
    code = "session_not_found"

    def __init__(self, session_id: str) -> None:
        super().__init__(f"No session with id {session_id!r}; list_sessions shows the ids.")
        self.session_id = session_id


class AiNotInitialized(TabwiseError):
    code = "ai_not_initialized"

    def __init__(self, session_id: str) -> None:
        super().__init__(
            f"Session {session_id!r} has no AI agent yet; call init_ai_session with a "
            "provider and model first."
        )


class SessionBusy(TabwiseError):
    code = "session_busy"

    def __init__(self, session_id: str) -> None:
        super().__init__(
            f"Session {session_id!r} is already running a turn; wait for it to finish or "
            "cancel it with cancel_ai_prompt."
        )


class ProviderNotConfigured(TabwiseError):
    code = "provider_not_configured"


class UnknownProvider(TabwiseError):
    code = "unknown_provider"


class InvalidParams(TabwiseError):
    code = "invalid_params"


class ApprovalNotFound(TabwiseError):
    code = "approval_not_found"

    def __init__(self, session_id: str, request_id: str) -> None:
        super().__init__(
            f"No pending approval {request_id!r} in session {session_id!r}; it was answered, "
            "timed out, or belongs to another tab."
        )


class SettingsInvalid(TabwiseError):
    """``errors`` lists every problem found (the message of a single one is ``str()``)."""

    code = "settings_invalid"

    def __init__(self, message: str, errors: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.errors: tuple[str, ...] = errors or (message,)


class ArchiveError(TabwiseError):
    code = "internal"


class ProviderError(TabwiseError):
    """A turn failed at the provider (HTTP error, timeout, broken stream, ...)."""

    code = "provider_error"

    def __init__(self, message: str, error_type: str) -> None:
        super().__init__(message)
        self.error_type = error_type


class TurnCancelled(TabwiseError):
    code = "cancelled"

    def __init__(self, session_id: str) -> None:
        super().__init__(f"The turn in session {session_id!r} was cancelled.")


class MethodNotFound(TabwiseError):
    code = "method_not_found"

    def __init__(self, method: str) -> None:
        super().__init__(f"Method not found: {method!r} is not a tabwise command.")
        self.method = method
