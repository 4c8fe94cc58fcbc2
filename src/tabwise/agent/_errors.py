"""Turn provider and run failures into one sentence and an ``error_type`` (DESIGN §5).

This is the one place pydantic-ai's exceptions are translated for users. An HTTP error
reads as its status plus the provider's own message, taken from the JSON error body
when there is one (never the raw body: an HTML page or a JSON dump is not a sentence);
a connection failure names the URL it tried and why it failed.
"""

from __future__ import annotations

import json
import re
from http import HTTPStatus
from typing import Any

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
     "The provider{where} did not answer in time ({detail})."),
    (pe.ModelTimeoutError, "timeout",
     "The provider{where} did not answer in time ({detail})."),
    (pe.ModelConnectionError, "connection",
     "Could not reach the provider{where}, or it dropped the connection ({detail})."),
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


MAX_DETAIL = 200  # characters of a provider's message shown in an error sentence

# Where providers put the human-readable part of an error body, most specific first.
_MESSAGE_KEYS = ("message", "detail", "error_description", "msg", "title", "error")


def _one_line(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= MAX_DETAIL else text[:MAX_DETAIL - 1].rstrip() + "…"


def _body_message(body: object, depth: int = 0) -> str | None:
    """The provider's message in an error body (parsed JSON, or text), if it has one."""
    if depth > 4 or body is None:
        return None
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str):
        text = body.strip()
        if not text:
            return None
        if text[0] in "{[":
            try:
                return _body_message(json.loads(text), depth + 1)
            except ValueError:
                return None
        if text[0] == "<":  # an HTML page from a proxy or load balancer
            return None
        return text.splitlines()[0]
    if isinstance(body, dict):
        for key in _MESSAGE_KEYS:
            found = _body_message(body.get(key), depth + 1)
            if found:
                return found
        return None
    if isinstance(body, list) and body:
        return _body_message(body[0], depth + 1)
    return None


def _status_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "error"


def _reason(exc: BaseException) -> str:
    """Why a connection failed, from the innermost transport error."""
    inner: BaseException = exc
    seen = {id(exc)}
    while (nxt := inner.__cause__ or inner.__context__) is not None and id(nxt) not in seen:
        seen.add(id(nxt))
        inner = nxt
    if isinstance(inner, ConnectionRefusedError):
        return "connection refused"
    if isinstance(inner, ConnectionResetError):
        return "connection reset"
    if isinstance(inner, TimeoutError):
        return "timed out"
    text = getattr(inner, "strerror", None) or str(inner) or type(inner).__name__
    return _one_line(str(text))


def _request_url(exc: BaseException) -> str | None:
    """The URL the failed request went to, from the SDK's or httpx's exception."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        try:
            request: Any = getattr(cur, "request", None)
        except RuntimeError:  # httpx: "The .request property has not been set."
            request = None
        url = getattr(request, "url", None)
        if url is not None:
            # No query string: some APIs take the key there.
            return str(url).split("?", 1)[0]
        cur = cur.__cause__ or cur.__context__
    return None


# pydantic-ai's message when a stream ends with no finish_reason (there is no subclass).
_INCOMPLETE = "ended without a `finish_reason`"


def _detail(exc: BaseException) -> str:
    status = getattr(exc, "status_code", None)
    if isinstance(exc, pe.ModelAPIError) and (status or exc.body is not None):
        said = _body_message(exc.body)
        if said is None and not status:
            said = _body_message(exc.message)
        text = _one_line(said) if said else (_status_phrase(status) if status else "")
        suggested = getattr(exc, "suggested_model_id", None)
        if suggested:
            text += f"; did you mean {suggested!r}?"
        return f"HTTP {status}: {text}" if status else text or type(exc).__name__
    if isinstance(exc, pe.ModelConnectionError | ConnectionError | OSError):
        return _reason(exc)
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
    url = _request_url(exc)
    where = f" at {url}" if url else ""
    for cls, kind, template in _TYPES:
        if isinstance(exc, cls):
            return template.format(detail=_detail(exc), where=where), kind
    if isinstance(exc, TimeoutError):
        return f"The provider{where} did not answer in time ({_detail(exc)}).", "timeout"
    if isinstance(exc, ConnectionError | OSError):
        return f"Connection to the provider{where} failed ({_detail(exc)}).", "connection"
    return f"The turn failed: {type(exc).__name__}: {_detail(exc)}.", "internal"
