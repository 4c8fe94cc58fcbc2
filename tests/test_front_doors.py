"""Every package's front door: ``__all__`` names exist and nothing public is missing."""

from __future__ import annotations

import importlib

import pytest

PACKAGES = ["tabwise.settings", "tabwise.providers", "tabwise.events", "tabwise.agent",
            "tabwise.agent.toolkit", "tabwise.sessions", "tabwise.pty", "tabwise.archive",
            "tabwise.commands", "tabwise.server", "tabwise.errors", "tabwise.tui.terminal",
            "tabwise.tui.widgets", "tabwise.tui.screens"]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_honest(name: str) -> None:
    mod = importlib.import_module(name)
    exported = getattr(mod, "__all__", None)
    assert exported, f"{name} has no __all__"
    missing = [n for n in exported if not hasattr(mod, n)]
    assert not missing, f"{name}.__all__ names missing attributes: {missing}"
    assert len(set(exported)) == len(exported)


def test_every_error_has_a_stable_code() -> None:
    from tabwise import errors

    codes = {getattr(errors, n).code for n in errors.__all__}
    assert codes >= {"session_not_found", "ai_not_initialized", "session_busy",
                     "provider_not_configured", "unknown_provider", "invalid_params",
                     "approval_not_found", "settings_invalid", "internal"}


def test_values_cross_layers_as_api_types_not_dicts() -> None:
    """The core hands the command layer api dataclasses (``ProviderInfo``,
    ``McpServerInfo``, ``PendingApprovalInfo``, ``ContextUsage``), never a ``to_dict()``
    for it to convert (issue #13)."""
    from pathlib import Path

    import tabwise

    root = Path(tabwise.__file__).parent
    found = [str(p.relative_to(root)) for p in sorted(root.rglob("*.py"))
             if "def to_dict(" in p.read_text()]
    assert not found, f"to_dict() at the layer's edge: {found}"
