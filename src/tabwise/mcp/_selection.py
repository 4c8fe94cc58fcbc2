"""How a tab's MCP servers are kept in the archive without a schema change.

The sessions table already keeps a JSON list per tab, ``always_allow``. Tool names never
contain ``@`` (providers allow letters, digits, ``_`` and ``-``), so entries starting with
``@mcp`` cannot collide: ``"@mcp"`` says the tab chose its servers, and one
``"@mcp:NAME"`` per server follows. A row without ``"@mcp"`` (older ones, or a tab that
never chose) uses the servers with ``enabled = true``.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["pack_allowed", "unpack_allowed"]

_MARK = "@mcp"


def pack_allowed(allowed: Iterable[str], servers: Iterable[str] | None) -> tuple[str, ...]:
    """The ``always_allow`` column value for a tab's allowed tools and MCP servers."""
    out = sorted(a for a in allowed if not a.startswith(_MARK))
    if servers is not None:
        out += [_MARK, *(f"{_MARK}:{n}" for n in servers)]
    return tuple(out)


def unpack_allowed(stored: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...] | None]:
    """(allowed tools, MCP servers or None when the tab never chose) from the column."""
    items = list(stored)
    allowed = tuple(a for a in items if not a.startswith(_MARK))
    if _MARK not in items:
        return allowed, None
    return allowed, tuple(a[len(_MARK) + 1:] for a in items if a.startswith(_MARK + ":"))
