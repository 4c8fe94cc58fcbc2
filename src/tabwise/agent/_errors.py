"""Turn provider and run failures into one sentence and an ``error_type`` (DESIGN §5).

This is the one place pydantic-ai's exceptions are translated for users.
"""

from __future__ import annotations

from pydantic_ai import exceptions as pe

from ..errors import TabwiseError
from ..settings import redact_secrets

__all__ = ["describe_failure"]

_TYPES: tuple[tuple[type[BaseException], str, str], ...] = (
    (pe.ModelAuthenticationError, "auth",
     "The provider rejected the API key ({detail}); check the key in settings.toml."),
    (pe.ModelNotFoundError, "model_not_found",
     "The provider does not know this model ({detail}); pick another with F2."),
    (pe.ModelContextWindowExceededError, "context_window",
     "The conversation no longer fits the model's context window ({detail}); compact or "
     "clear it."),
    (pe.ModelRateLimitError, "rate_limit",
     "The provider's rate limit was reached ({detail}); wait a moment and try again."),
    (pe.ModelQuotaExceededError, "quota",
     "The provider account is out of quota ({detail})."),
    (pe.ModelRequestTimeout, "timeout",
     "The provider did not answer in time ({detail})."),
    (pe.ModelTimeoutError, "timeout",
     "The provider did not answer in time ({detail})."),
    (pe.ModelConnectionError, "connection",
     "Could not reach the provider, or it dropped the connection ({detail})."),
    (pe.ModelUnavailableError, "unavailable",
     "The provider is unavailable right now ({detail}); try again shortly."),
    (pe.ModelServerError, "server",
     "The provider failed with a server error ({detail}); try again shortly."),
    (pe.ModelRequestRejectedError, "rejected",
     "The provider rejected the request ({detail})."),
    (pe.ModelAPIError, "provider",
     "The provider request failed ({detail})."),
    (pe.UsageLimitExceeded, "tool_limit",
     "The turn stopped after too many model requests ({detail}); raise "
     "[agent] max_tool_iterations to allow more."),
    (pe.UnexpectedModelBehavior, "unexpected",
     "The model answered in a way tabwise could not use ({detail})."),
)


# pydantic-ai's message when a stream ends with no finish_reason (there is no subclass).
_INCOMPLETE = "ended without a `finish_reason`"


def _detail(exc: BaseException) -> str:
    status = getattr(exc, "status_code", None)
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if len(text) > 300:
        text = text[:300] + "…"
    return f"HTTP {status}: {text}" if status and str(status) not in text else text


def describe_failure(exc: BaseException) -> tuple[str, str]:
    """``(message, error_type)`` for a failed turn; never contains an API key."""
    message, kind = _describe(exc)
    return redact_secrets(message), kind


def _describe(exc: BaseException) -> tuple[str, str]:
    if isinstance(exc, TabwiseError):  # e.g. the provider's SDK is not installed
        return str(exc), exc.code
    if isinstance(exc, pe.ModelAPIError) and _INCOMPLETE in str(exc):
        return ("The provider's answer was cut off before it finished (the stream ended "
                "without its end marker); nothing was saved. Try again."), "incomplete_stream"
    for cls, kind, template in _TYPES:
        if isinstance(exc, cls):
            return template.format(detail=_detail(exc)), kind
    if isinstance(exc, TimeoutError):
        return f"The provider did not answer in time ({_detail(exc)}).", "timeout"
    if isinstance(exc, ConnectionError | OSError):
        return f"Connection to the provider failed ({_detail(exc)}).", "connection"
    return f"The turn failed: {type(exc).__name__}: {_detail(exc)}.", "internal"
