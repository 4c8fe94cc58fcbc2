"""Per-message deflate: not on loopback (it costs CPU on both ends for nothing there),
still offered to other clients (issue #13, P13)."""

from __future__ import annotations

import json

from websockets.asyncio.client import connect

from tabwise.commands import Tabwise
from tabwise.server import start_server
from tabwise.server._serve import _peer_is_loopback


async def test_a_loopback_client_gets_no_compression(core: Tabwise) -> None:
    server = await start_server(core, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    token = core.paths.token_file.read_text().strip()
    try:
        # The client offers permessage-deflate (websockets' default); the server declines.
        async with connect(f"ws://127.0.0.1:{port}/rpc",
                           additional_headers={"Authorization": f"Bearer {token}"}) as ws:
            assert ws.protocol.extensions == []
            await ws.send('{"jsonrpc": "2.0", "id": 1, "method": "list_sessions"}')
            assert json.loads(await ws.recv())["result"] == []
    finally:
        server.close()
        await server.wait_closed()


class _Peer:
    def __init__(self, address: object) -> None:
        self.remote_address = address


def test_which_peers_count_as_loopback() -> None:
    for address in (("127.0.0.1", 5), ("127.8.9.1", 5), ("::1", 5, 0, 0),
                    ("::ffff:127.0.0.1", 5, 0, 0)):
        assert _peer_is_loopback(_Peer(address)), address  # type: ignore[arg-type]
    for address in (("192.168.1.4", 5), ("::ffff:10.0.0.1", 5, 0, 0), ("2001:db8::1", 5),
                    None, "/tmp/sock"):
        assert not _peer_is_loopback(_Peer(address)), address  # type: ignore[arg-type]
