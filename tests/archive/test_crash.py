"""kill -9 while turns are being written: the file opens, and every flushed turn is there."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

from pydantic_ai.messages import ModelRequest, UserPromptPart

from tabwise.archive import Archive

# Appends turns to one tab, reporting each one after flush(), while a second tab keeps
# writes in flight (never flushed) so the kill lands in the middle of transactions.
WRITER = textwrap.dedent("""
    import asyncio, sys
    from pathlib import Path
    from pydantic_ai.messages import ModelRequest, ModelResponse, TextPart, UserPromptPart
    from tabwise.archive import Archive, SessionRow

    def row(sid):
        return SessionRow(sid, sid, "/", 0.0, 0.0, None, 0, None, None, ())

    async def main():
        arc = await Archive.open(Path(sys.argv[1]))
        arc.create_session(row("flushed"))
        arc.create_session(row("in-flight"))
        i = 0
        while True:
            turn = [ModelRequest(parts=[UserPromptPart(f"prompt {i}")]),
                    ModelResponse(parts=[TextPart("x" * 3000 + str(i))])]
            arc.append_messages("flushed", turn)
            arc.update_session("flushed", updated_at=float(i))
            for _ in range(5):
                arc.append_messages("in-flight", turn)
            await arc.flush()
            print(i, flush=True)
            i += 1

    asyncio.run(main())
""")

TURNS_BEFORE_KILL = 40


def _prompts(messages: list[object]) -> list[str]:
    out = []
    for m in messages:
        if isinstance(m, ModelRequest):
            part = m.parts[0]
            assert isinstance(part, UserPromptPart) and isinstance(part.content, str)
            out.append(part.content)
    return out


def _run_writer_and_kill(db_path: Path) -> int:
    """Run WRITER, SIGKILL it after TURNS_BEFORE_KILL turns; return the last turn it
    reported as flushed."""
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(db_path)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    last = -1
    try:
        while last < TURNS_BEFORE_KILL:
            line = proc.stdout.readline()
            assert line, "the writer process exited early"
            last = int(line)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        # The writer may have reported more turns than were read before the kill landed
        # (a loaded machine): the last one it reported is the last line in the pipe.
        for line in proc.stdout.read().split():
            last = int(line)
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    assert Path(f"{db_path}-wal").exists()  # killed with a live WAL, not closed cleanly
    return last


async def test_kill_9_loses_at_most_the_turn_in_flight(db_path: Path) -> None:
    last = await asyncio.to_thread(_run_writer_and_kill, db_path)
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()
    arc = await Archive.open(db_path)
    try:
        prompts = _prompts(await arc.load_transcript("flushed"))
        # Every reported turn is there, in order; at most the next one (flushed, not yet
        # reported) may follow. Nothing is half-written.
        assert prompts[: last + 1] == [f"prompt {i}" for i in range(last + 1)]
        assert len(prompts) in (last + 1, last + 2)
        row = await arc.get_session("flushed")
        assert row is not None and row.message_count == 2 * len(prompts)
        in_flight = await arc.get_session("in-flight")
        assert in_flight is not None
        assert in_flight.message_count == len(await arc.load_transcript("in-flight"))
    finally:
        await arc.close()
