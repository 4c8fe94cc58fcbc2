"""``tabwise serve``: the command layer over JSON-RPC 2.0 on a WebSocket (DESIGN §6)."""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import logging
import signal
import sys
from http import HTTPStatus
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response

from ..commands import Tabwise
from ._outbox import MAX_UNSENT_BYTES, STALL_SECONDS
from ._rpc import RpcConnection
from ._token import load_or_create_token

__all__ = ["is_loopback", "run_server", "start_server"]

log = logging.getLogger("tabwise.server")


def _authorizer(token: str) -> Any:
    expected = f"Bearer {token}".encode()

    def process_request(conn: ServerConnection, request: Request) -> Response | None:
        if _peer_is_loopback(conn):
            # No permessage-deflate from this machine: compressing every small event
            # frame (and inflating it in the client) costs CPU on both ends and saves
            # nothing on loopback. Remote clients still get it if they offer it.
            # (Cleared before the handshake's extension negotiation, which reads it.)
            conn.protocol.available_extensions = []
        path = request.path.split("?", 1)[0]
        if path != "/rpc":
            return conn.respond(HTTPStatus.NOT_FOUND, "Not found: connect to /rpc.\n")
        given = request.headers.get_all("Authorization")
        if len(given) > 1:
            return conn.respond(HTTPStatus.BAD_REQUEST,
                                "Send exactly one Authorization header.\n")
        if not given or not hmac.compare_digest(given[0].encode("utf-8", "replace"),
                                                expected):
            return conn.respond(HTTPStatus.UNAUTHORIZED,
                                "Missing or wrong bearer token (see server.token).\n")
        return None

    return process_request


def is_loopback(host: str) -> bool:
    """True if ``host`` is this machine only: a bound address that accepts no one else,
    or a peer's address (an IPv4-mapped IPv6 one too)."""
    if host.lower() == "localhost":
        return True
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def _peer_is_loopback(conn: ServerConnection) -> bool:
    address = conn.remote_address
    if not isinstance(address, tuple) or not address:
        return False  # not TCP (a Unix socket is this machine, but we never serve one)
    return is_loopback(str(address[0]))


async def start_server(core: Tabwise, host: str = "127.0.0.1", port: int = 8765, *,
                       max_unsent_bytes: int = MAX_UNSENT_BYTES,
                       stall_seconds: float = STALL_SECONDS) -> Server:
    """Start serving ``core``; returns the websockets server (``.sockets`` has the port).

    A client with more than ``max_unsent_bytes`` of replies and events waiting, or whose
    socket accepted nothing for ``stall_seconds``, is disconnected (close code 1008).
    """
    token = load_or_create_token(core.paths.token_file)

    async def handler(ws: ServerConnection) -> None:
        await RpcConnection(core, ws, max_unsent_bytes=max_unsent_bytes,
                            stall_seconds=stall_seconds).serve()

    return await serve(handler, host, port, process_request=_authorizer(token),
                       max_size=16 * 1024 * 1024, ping_interval=20, ping_timeout=60)


async def run_server(home: str | None, host: str, port: int) -> int:
    """Run until SIGTERM/SIGINT, then stop agents and shells cleanly; exit code 0."""
    core = await Tabwise.start(home)
    for problem in core.settings.errors:  # also logged by the core
        print(f"tabwise: settings: {problem} Using the default instead.", file=sys.stderr,
              flush=True)
    server = await start_server(core, host, port)
    bound = server.sockets[0].getsockname()
    shown_host = f"[{bound[0]}]" if ":" in bound[0] else bound[0]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    # Before the ready line: a client may send SIGTERM the moment it reads it.
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"listening on ws://{shown_host}:{bound[1]}/rpc", flush=True)
    await stop.wait()
    server.close()
    await server.wait_closed()
    await core.stop()
    print("tabwise serve stopped", file=sys.stderr, flush=True)
    return 0
