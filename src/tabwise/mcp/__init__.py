"""MCP servers as per-tab tool sources (issue #14).

``_server`` (one connection and its supervisor), ``_source`` (a tab's view of a server as
a pydantic-ai toolset), ``_manager`` (which tab uses which servers, shared where they are
the same), ``_selection`` (how a tab's choice is kept in the archive).
"""

from ._manager import McpManager
from ._selection import pack_allowed, unpack_allowed
from ._server import McpServer

__all__ = ["McpManager", "McpServer", "pack_allowed", "unpack_allowed"]
