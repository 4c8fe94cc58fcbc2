"""``subscribe_pty`` over a real server and real shells (DESIGN §4, issue #13)."""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from tabwise.commands import Tabwise
from tabwise.server import start_server

from rpc_client import RpcClient, RpcError
from ws_raw import RawWs


@pytest.fixture
async def served(core: Tabwise) -> AsyncIterator[Callable[[], Any]]:
    """Start the server once; calling the fixture's value opens one more client."""
    server = await start_server(core, "127.0.0.1", 0, max_unsent_bytes=256 * 1024)
    port = server.sockets[0].getsockname()[1]
    token = core.paths.token_file.read_text().strip()
    clients: list[RpcClient] = []

    async def connect() -> RpcClient:
        c = await RpcClient.connect(f"ws://127.0.0.1:{port}/rpc", token)
        clients.append(c)
        return c

    connect.port = port  # type: ignore[attr-defined]
    connect.token = token  # type: ignore[attr-defined]
    try:
        yield connect
    finally:
        for c in clients:
            await c.close()
        server.close()
        await server.wait_closed()


class Stream:
    """What one subscription received: the pty_output bytes, checked as they come."""

    def __init__(self, client: RpcClient, subscription: str, offset: int) -> None:
        self.client, self.id, self.start = client, subscription, offset
        self.data = bytearray()
        self.next_offset = offset
        self.frames = 0
        self.closed: dict[str, Any] | None = None

    def take(self, msg: dict[str, Any]) -> None:
        params = msg["params"]
        assert params["subscription"] == self.id
        if msg["method"] == "pty_closed":
            self.closed = params
            return
        assert msg["method"] == "pty_output", msg
        # In order, contiguous: each frame starts where the previous one ended.
        assert params["offset"] == self.next_offset, (params["offset"], self.next_offset)
        chunk = base64.b64decode(params["data_b64"])
        assert chunk
        self.data += chunk
        self.next_offset += len(chunk)
        self.frames += 1


async def subscribe(client: RpcClient, sid: str) -> Stream:
    got = await client.call("subscribe_pty", session_id=sid)
    return Stream(client, got["subscription"], got["offset"])


async def pump(client: RpcClient, streams: list[Stream],
               until: Callable[[], bool], timeout: float = 20) -> None:
    """Read the client's notifications into ``streams`` until ``until()``."""
    by_id = {s.id: s for s in streams}
    deadline = time.monotonic() + timeout
    while not until():
        left = deadline - time.monotonic()
        assert left > 0, "timed out waiting for pty_output"
        msg = await asyncio.wait_for(client.raw.get(), left)
        if isinstance(msg, dict) and msg.get("method") in ("pty_output", "pty_closed"):
            sub = msg["params"]["subscription"]
            assert sub in by_id, f"output for a subscription not (any longer) ours: {msg}"
            by_id[sub].take(msg)


def drain(client: RpcClient, streams: list[Stream]) -> None:
    """Take the notifications the client has already received (no waiting)."""
    by_id = {s.id: s for s in streams}
    while not client.raw.empty():
        msg = client.raw.get_nowait()
        if isinstance(msg, dict) and msg.get("method") in ("pty_output", "pty_closed"):
            by_id[msg["params"]["subscription"]].take(msg)


async def shell(client: RpcClient, workdir: Path) -> str:
    sid = (await client.call("create_session", working_directory=str(workdir)))["session_id"]
    return str(sid)


async def read_all(client: RpcClient, sid: str, offset: int = 0) -> bytes:
    got = await client.call("pty_read", session_id=sid, offset=offset, max_bytes=1 << 20)
    assert got["offset"] == offset and got["dropped"] == 0
    return bytes(got["data"].encode())


async def test_output_arrives_in_order_contiguous_and_matches_pty_read(
        served: Callable[[], Any], workdir: Path) -> None:
    client = await served()
    sid = await shell(client, workdir)
    stream = await subscribe(client, sid)
    await client.call("pty_write", session_id=sid, data="seq 1 20000; echo END-$((6*7))\n")
    await pump(client, [stream], lambda: b"END-42" in stream.data)
    assert b"\r\n19999\r\n20000\r\n" in stream.data
    # The same bytes at the same offsets as the byte log pty_read serves.
    logged = await read_all(client, sid, stream.start)
    assert logged[: len(stream.data)] == bytes(stream.data)
    print(f"\n{len(stream.data)} bytes in {stream.frames} pty_output frames")


async def test_two_subscribers_on_two_connections_get_the_same_stream(
        served: Callable[[], Any], workdir: Path) -> None:
    a, b = await served(), await served()
    sid = await shell(a, workdir)
    sa = await subscribe(a, sid)
    sb = await subscribe(b, sid)
    await a.call("pty_write", session_id=sid, data="seq 1 5000; echo END-$((6*7))\n")
    await pump(a, [sa], lambda: b"END-42" in sa.data)
    await pump(b, [sb], lambda: b"END-42" in sb.data)
    start = max(sa.start, sb.start)
    assert sa.data[start - sa.start:] == sb.data[start - sb.start:]
    assert sa.id != sb.id


async def test_two_subscriptions_on_one_connection_and_unsubscribe_stops_one(
        served: Callable[[], Any], workdir: Path) -> None:
    client = await served()
    sid = await shell(client, workdir)
    first = await subscribe(client, sid)
    second = await subscribe(client, sid)
    await client.call("pty_write", session_id=sid, data="echo ONE-$((6*7))\n")
    await pump(client, [first, second],
               lambda: b"ONE-42" in first.data and b"ONE-42" in second.data)
    assert await client.call("unsubscribe_pty", subscription=first.id)
    # Frames queued before the reply arrived before it: they are in `raw` already.
    drain(client, [first, second])
    # After the reply nothing more arrives for it: `pump` fails on any frame of an
    # unknown subscription, and the second one shows the output was sent.
    await client.call("pty_write", session_id=sid, data="echo TWO-$((6*7))\n")
    await pump(client, [second], lambda: b"TWO-42" in second.data)
    assert b"TWO-42" not in first.data
    with pytest.raises(RpcError) as err:
        await client.call("unsubscribe_pty", subscription=first.id)
    assert err.value.code == "invalid_params"


async def test_a_late_subscriber_starts_at_the_current_offset_and_reads_the_past(
        served: Callable[[], Any], workdir: Path) -> None:
    client = await served()
    sid = await shell(client, workdir)
    await client.call("pty_write", session_id=sid, data="echo BEFORE-$((6*7))\n")
    for _ in range(500):
        if b"BEFORE-42" in await read_all(client, sid):
            break
        await asyncio.sleep(0.01)
    stream = await subscribe(client, sid)
    past = await read_all(client, sid)
    # From now on: the stream starts after everything already printed ...
    assert stream.start > 0 and b"BEFORE-42" in past[: stream.start]
    await client.call("pty_write", session_id=sid, data="echo AFTER-$((6*7))\n")
    await pump(client, [stream], lambda: b"AFTER-42" in stream.data)
    assert b"BEFORE-42" not in stream.data
    # ... and pty_read up to its offset plus the stream is the whole output, exactly.
    whole = await read_all(client, sid)
    assert whole[: stream.start] + bytes(stream.data) == whole[: stream.next_offset]


async def test_closing_the_session_ends_the_stream(
        served: Callable[[], Any], workdir: Path) -> None:
    client = await served()
    sid = await shell(client, workdir)
    stream = await subscribe(client, sid)
    await client.call("pty_write", session_id=sid, data="echo LAST-$((6*7))\n")
    await pump(client, [stream], lambda: b"LAST-42" in stream.data)
    assert await client.call("close_session", session_id=sid)
    await pump(client, [stream], lambda: stream.closed is not None)
    assert stream.closed is not None
    assert stream.closed["offset"] == stream.next_offset
    assert stream.closed["session_id"] == sid
    with pytest.raises(RpcError) as err:
        await client.call("subscribe_pty", session_id=sid)
    assert err.value.code == "session_not_found"


async def test_the_shell_exiting_ends_the_stream_with_its_code(
        served: Callable[[], Any], workdir: Path) -> None:
    client = await served()
    sid = await shell(client, workdir)
    stream = await subscribe(client, sid)
    await client.call("pty_write", session_id=sid, data="exit 3\n")
    await pump(client, [stream], lambda: stream.closed is not None)
    assert stream.closed is not None and stream.closed["exit_code"] == 3


@pytest.mark.parametrize(("params", "code"), [
    ({}, "invalid_params"),
    ({"session_id": 7}, "invalid_params"),
    ({"session_id": "x", "offset": 0}, "invalid_params"),
    ({"session_id": "no-such-tab"}, "session_not_found"),
])
async def test_bad_subscribe_pty_params_are_clear_errors(
        served: Callable[[], Any], params: dict[str, Any], code: str) -> None:
    client = await served()
    with pytest.raises(RpcError) as err:
        await client.call("subscribe_pty", **params)
    assert err.value.code == code and str(err.value)


async def test_a_tab_without_a_terminal_has_no_stream(
        served: Callable[[], Any], workdir: Path) -> None:
    client = await served()
    s = await client.call("create_session", working_directory=str(workdir), terminal=False)
    with pytest.raises(RpcError) as err:
        await client.call("subscribe_pty", session_id=s["session_id"])
    assert err.value.code == "invalid_params" and "no terminal" in str(err.value)


async def test_a_subscriber_that_stops_reading_is_dropped_by_bytes(
        served: Callable[[], Any], core: Tabwise, workdir: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="tabwise.server")
    other = await served()
    sid = await shell(other, workdir)
    port, token = served.port, served.token  # type: ignore[attr-defined]
    raw, _, _ = await RawWs.connect(port, [("Authorization", f"Bearer {token}")],
                                    rcvbuf=8192)
    assert raw is not None
    try:
        await raw.send({"jsonrpc": "2.0", "id": 1, "method": "subscribe_pty",
                        "params": {"session_id": sid}})
        # 20 MB of output that the raw client never reads; the bound is 256 KB.
        await other.call("pty_write", session_id=sid, data="yes | head -c 20000000\n")
        deadline = time.monotonic() + 60
        while not any("dropping a client" in r.getMessage() for r in caplog.records):
            assert time.monotonic() < deadline, "the slow subscriber was never dropped"
            # The tab's own consumers are not held up meanwhile.
            assert await other.call("pty_read", session_id=sid, offset=1 << 40, max_bytes=1)
            await asyncio.sleep(0.05)
        message = next(r.getMessage() for r in caplog.records
                       if "dropping a client" in r.getMessage())
        assert "more than 256 KB" in message
        # The shell is not stalled by the dropped client: the flood runs to its end.
        for _ in range(1000):
            got = await other.call("pty_read", session_id=sid, offset=1 << 40, max_bytes=1)
            if got["next_offset"] >= 20_000_000:
                break
            await asyncio.sleep(0.05)
        assert got["next_offset"] >= 20_000_000
    finally:
        raw.close()


async def test_a_restarted_shell_ends_the_stream_and_a_new_one_starts_its_own_log(
        served: Callable[[], Any], workdir: Path) -> None:
    client = await served()
    sid = await shell(client, workdir)
    old = await subscribe(client, sid)
    await client.call("pty_write", session_id=sid, data="echo OLD-$((6*7))\n")
    await pump(client, [old], lambda: b"OLD-42" in old.data)
    await client.call("restart_terminal", session_id=sid)
    await pump(client, [old], lambda: old.closed is not None)
    new = await subscribe(client, sid)
    await client.call("pty_write", session_id=sid, data="echo NEW-$((6*7))\n")
    await pump(client, [new], lambda: b"NEW-42" in new.data)
    assert b"OLD-42" not in new.data
    whole = await read_all(client, sid)
    assert whole[new.start: new.next_offset] == bytes(new.data)
