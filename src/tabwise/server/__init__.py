"""The JSON-RPC 2.0 WebSocket server (DESIGN §6)."""

from ._serve import run_server, start_server
from ._token import load_or_create_token

__all__ = ["load_or_create_token", "run_server", "start_server"]
