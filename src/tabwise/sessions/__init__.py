"""Tabs (sessions): a shell plus the id that ties it to its agent and archive rows."""

from ._session import Session

__all__ = ["Session"]
