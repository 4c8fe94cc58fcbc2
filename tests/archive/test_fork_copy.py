"""ForkSession: the SQL copy of a session's live context (issue #16)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from archive_helpers import session_row, turn

from tabwise.agent import AuditRecord
from tabwise.archive import Archive, ForkSession
from tabwise.archive._codec import dump_messages
from tabwise.archive._fork import add_forked_from
from tabwise.archive._schema import MIGRATIONS


def fork_op(src: str, fid: str, count: int) -> ForkSession:
    return ForkSession(src, fid, f"fork {fid}", "/tmp", 5.0, 9, "local2", "m2", count, "p")


async def test_fork_copies_the_live_context_of_a_compacted_session(db_path: Path) -> None:
    arc = await Archive.open(db_path)
    try:
        arc.create_session(session_row("a"))
        arc.append_messages("a", turn(0, "a") + turn(1, "a"))
        summary = turn(9, "summary")[:1]
        arc.replace_context("a", summary)  # compacted: the context is the summary...
        arc.append_messages("a", turn(2, "a"))  # ...then what came after
        arc.update_session("a", always_allow=("write_file",))
        arc.add_audit(AuditRecord("a", "r1", "write_file", {}, "approve", None, 1.0))
        context = await arc.load_context("a")
        assert len(context) == 5
        await arc.fork_session(fork_op("a", "f", 5))
        await arc.fork_session(fork_op("a", "g", 1))
        # Committed before fork_session returned: another connection sees it.
        with sqlite3.connect(db_path) as conn:
            rows = dict(conn.execute(
                "SELECT session_id, message_count FROM sessions WHERE forked_from = 'a'"))
        assert rows == {"f": 5, "g": 1}
        assert dump_messages(await arc.load_context("f")) == dump_messages(context)
        assert dump_messages(await arc.load_transcript("f")) == dump_messages(context)
        assert dump_messages(await arc.load_context("g")) == dump_messages(context[:1])
        f = await arc.get_session("f")
        assert f is not None and (f.provider, f.model, f.position) == ("local2", "m2", 9)
        assert f.always_allow == () and await arc.load_audit("f") == []
        assert await arc.load_usage("f") == [] and await arc.load_pending("f") is None
        assert await arc.load_forks() == {"f": "a", "g": "a"}
        assert await arc.load_forked_from("f") == "a"
        assert await arc.load_forked_from("a") is None
        # The fork goes on by itself; the source is unchanged.
        arc.append_messages("f", turn(3, "f"))
        assert len(await arc.load_context("f")) == 9
        assert dump_messages(await arc.load_context("a")) == dump_messages(context)
        src = await arc.get_session("a")
        assert src is not None and src.message_count == 12
    finally:
        await arc.close()


async def test_an_archive_from_before_forks_gains_forked_from(db_path: Path) -> None:
    # The layout just before the fork step (later steps undone too).
    before = MIGRATIONS.index(add_forked_from)
    arc = await Archive.open(db_path)
    arc.create_session(session_row("a"))
    arc.append_messages("a", turn(0, "a"))
    await arc.close()
    with sqlite3.connect(db_path) as conn:  # back to the layout before schema step 3
        conn.execute("ALTER TABLE sessions DROP COLUMN forked_from")
        conn.execute("DROP TABLE unfinished_turns")  # schema step 5
        conn.execute(f"PRAGMA user_version = {before}")
    arc = await Archive.open(db_path)
    try:
        assert await asyncio.to_thread(Path(f"{db_path}.bak-v{before}").exists)
        assert await arc.load_forks() == {}
        assert len(await arc.load_context("a")) == 4
        await arc.fork_session(fork_op("a", "f", 4))
        assert await arc.load_forked_from("f") == "a"
    finally:
        await arc.close()
