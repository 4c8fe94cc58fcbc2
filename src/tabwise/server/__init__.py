"""The JSON-RPC 2.0 WebSocket server (DESIGN §6)."""

from ._serve import is_loopback, run_server, start_server
from ._token import load_or_create_token

__all__ = ["is_loopback", "load_or_create_token", "run_server", "start_server"]
