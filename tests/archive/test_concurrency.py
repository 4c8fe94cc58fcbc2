"""Many sessions writing at once: one writer, per-session order always kept."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

from archive_helpers import session_row, turn
from pydantic_ai.messages import ModelMessage

from tabwise.archive import Archive

SESSIONS = 50
TURNS = 10


async def test_fifty_sessions_keep_their_order(archive: Archive) -> None:
    sent: dict[str, list[ModelMessage]] = {}

    async def tab(n: int) -> None:
        sid = f"tab-{n:02d}"
        archive.create_session(session_row(sid, position=n))
        sent[sid] = []
        for i in range(TURNS):
            messages = turn(i, sid)
            sent[sid] += messages
            archive.append_messages(sid, messages)
            archive.update_session(sid, updated_at=float(i))
            # Interleave the tabs differently on every step.
            await asyncio.sleep(0 if (n + i) % 3 else 0.001)
            if i % 4 == n % 4:
                await archive.flush()

    await asyncio.gather(*(tab(n) for n in range(SESSIONS)))
    await archive.flush()
    rows = await archive.list_sessions()
    assert [r.session_id for r in rows] == [f"tab-{n:02d}" for n in range(SESSIONS)]
    for r in rows:
        assert r.message_count == TURNS * 4
        assert await archive.load_transcript(r.session_id) == sent[r.session_id]
        assert await archive.load_context(r.session_id) == sent[r.session_id]


async def test_writes_return_while_the_database_is_locked(archive: Archive,
                                                          db_path: Path) -> None:
    archive.create_session(session_row("x"))
    await archive.flush()
    # Another process (say `tabwise sessions rm`) holds the write lock: the writer waits
    # for it, the callers on the loop must not.
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        start = time.perf_counter()
        for i in range(50):
            archive.append_messages("x", turn(i))
        enqueue_time = time.perf_counter() - start
        flushed = asyncio.ensure_future(archive.flush())
        await asyncio.sleep(0.2)
        assert not flushed.done()
    finally:
        other.execute("COMMIT")
        other.close()
    await flushed
    assert enqueue_time < 0.2
    row = await archive.get_session("x")
    assert row is not None and row.message_count == 200
