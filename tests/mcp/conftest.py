"""Fixtures for the MCP tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fast_supervision(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pings and restarts on test time scales (the numbers, not the code paths, change)."""
    monkeypatch.setattr("tabwise.mcp._server.PING_INTERVAL_SECONDS", 0.3)
    monkeypatch.setattr("tabwise.mcp._server.PING_TIMEOUT_SECONDS", 3.0)
    monkeypatch.setattr("tabwise.mcp._server.BACKOFF_FIRST_SECONDS", 0.2)
