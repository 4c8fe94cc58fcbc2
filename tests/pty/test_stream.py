"""PtyStream: a real shell's output as offset-addressed chunks, bounded, ending with it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tabwise.pty import PtyProcess, PtyStream, PtyStreamOverflow


def _env(tmp_path: Path) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PS1": "$ "}


async def test_chunks_are_contiguous_and_end_with_the_shell(tmp_path: Path) -> None:
    pty = PtyProcess.spawn(["/bin/sh"], str(tmp_path), env=_env(tmp_path))
    try:
        stream = PtyStream(pty)
        assert stream.offset == pty.output.total
        pty.write("seq 1 3000; exit 5\r")
        got = bytearray()
        offset = stream.offset
        async with asyncio.timeout(10):
            async for chunk in stream:
                assert chunk.offset == offset
                got += chunk.data
                offset = chunk.next_offset
        assert stream.ended and stream.exit_code == 5
        assert b"\r\n2999\r\n3000\r\n" in got
        assert bytes(got) == pty.output.read(stream.offset, 1 << 20).data
    finally:
        await pty.close()


async def test_joined_reads_keep_offsets(tmp_path: Path) -> None:
    pty = PtyProcess.spawn(["/bin/sh"], str(tmp_path), env=_env(tmp_path))
    try:
        stream = PtyStream(pty)
        pty.write("seq 1 20000; exit\r")
        await asyncio.wait_for(pty.exited.wait(), 10)
        first = stream.get_nowait(max_bytes=10_000)
        assert first is not None and first.offset == stream.offset
        assert first.data == pty.output.read(first.offset, len(first.data)).data
        second = stream.get_nowait(max_bytes=1 << 20)
        assert second is not None and second.offset == first.next_offset
        with pytest.raises(StopAsyncIteration):
            stream.get_nowait()
    finally:
        await pty.close()


async def test_a_reader_that_falls_behind_is_dropped_not_grown(tmp_path: Path) -> None:
    pty = PtyProcess.spawn(["/bin/sh"], str(tmp_path), env=_env(tmp_path))
    try:
        stream = PtyStream(pty, max_bytes=16 * 1024)
        pty.write("seq 1 100000; exit\r")
        await asyncio.wait_for(pty.exited.wait(), 10)
        with pytest.raises(PtyStreamOverflow):
            stream.get_nowait()
        assert stream.ended
    finally:
        await pty.close()


async def test_close_stops_following(tmp_path: Path) -> None:
    pty = PtyProcess.spawn(["/bin/sh"], str(tmp_path), env=_env(tmp_path))
    try:
        stream = PtyStream(pty)
        stream.close()
        pty.write("echo hi-$((6*7))\r")
        async with asyncio.timeout(5):
            while b"hi-42" not in pty.output.read(0, 1 << 20).data:
                await asyncio.sleep(0.01)
        with pytest.raises(StopAsyncIteration):
            stream.get_nowait()
    finally:
        await pty.close()
