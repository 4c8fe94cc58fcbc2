"""Short ids (`tabwise sessions show 3fa`) and retention of closed sessions."""

from __future__ import annotations

import time

import pytest
from archive_helpers import session_row, turn

from tabwise.agent import AuditRecord
from tabwise.archive import AmbiguousSessionPrefix, Archive, UnknownSessionPrefix
from tabwise.errors import ArchiveError

DAY = 86400.0


async def test_resolve_prefix(archive: Archive) -> None:
    for sid in ("3fa85f64", "3fb12345", "abc", "abcdef"):
        archive.create_session(session_row(sid))
    assert await archive.resolve_prefix("3fa") == "3fa85f64"
    assert await archive.resolve_prefix(" 3fb1 ") == "3fb12345"
    assert await archive.resolve_prefix("abc") == "abc"  # a full id wins
    assert await archive.resolve_prefix("abcd") == "abcdef"
    with pytest.raises(AmbiguousSessionPrefix, match=r"matches 2 sessions \(3fa85f64, 3fb"):
        await archive.resolve_prefix("3f")
    with pytest.raises(UnknownSessionPrefix, match="'zz'") as info:
        await archive.resolve_prefix("zz")
    assert isinstance(info.value, ArchiveError) and info.value.code == "session_not_found"
    with pytest.raises(AmbiguousSessionPrefix, match="first few characters"):
        await archive.resolve_prefix("")
    # LIKE wildcards are plain characters here.
    with pytest.raises(UnknownSessionPrefix):
        await archive.resolve_prefix("%")


async def test_purge_closed(archive: Archive) -> None:
    now = time.time()
    archive.create_session(session_row("open-old", created_at=now - 100 * DAY))
    archive.create_session(session_row("closed-old", closed_at=now - 40 * DAY))
    archive.create_session(session_row("closed-recent", closed_at=now - 5 * DAY))
    archive.append_messages("closed-old", turn(0))
    archive.add_audit(AuditRecord("closed-old", "r", "t", {}, "deny", None, 1.0))
    assert await archive.purge_closed(0) == 0  # 0 keeps everything
    assert await archive.purge_closed(30) == 1
    assert await archive.purge_closed(30) == 0
    remaining = await archive.list_sessions(include_closed=True)
    assert sorted(r.session_id for r in remaining) == ["closed-recent", "open-old"]
    assert await archive.load_transcript("closed-old") == []
    assert await archive.load_audit("closed-old") == []
